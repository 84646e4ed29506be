"""A reader of some categories (a grant) is asked for a range of the dossier's index at a time (listing.statements.category_ranges):
every page and count is still the rule's answer (`Visibility.admits`), in the page's order, each document once,
on both engines; and on SQLite no range walks the dossier's whole index, whatever its size (issue 10)."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, update
from sqlmodel import col, select

from server.access.rule import Visibility
from server.dossiers import create_professional
from server.facts import document_facts
from server.identifiers import rpps_with_key
from server.listing import (COUNT_CAP, count_documents, counted_documents_page, cursor, documents_page,
                            filter_categories)
from server.models import CATEGORIES as ALL_CATEGORIES, Document, new_id, utcnow
from tests.patient_helpers import Plans

CATEGORIES = ["biologie", "imagerie", "ordonnance", "certificat"]


async def mixed_dossier(db, dossier, authors: list[str], count: int = 90) -> list[Document]:
    """Documents of every state a reader's rule reads: categories, hidden, deleted, kept from parents, by an author
    or none; several on one day and added at one instant, so that the order's last keys decide."""
    pick = random.Random(10)
    now = utcnow()
    rows = [dict(id=new_id(), dossier_id=dossier.id, title=f"Pièce {n}", category=pick.choice(CATEGORIES),
                 event_date=date(2024, 1, 1) + timedelta(days=pick.randrange(12)), storage_key="0" * 64,
                 filename="p.txt", mime_type="text/plain", size=1, sha256="0" * 64, search_text="", search_title="",
                 hidden=pick.random() < 0.25, hidden_from_representatives=pick.random() < 0.15, page_count=0,
                 author_professional_id=pick.choice([None, None, *authors]),
                 deleted_at=now if pick.random() < 0.1 else None, created_at=now - timedelta(seconds=pick.randrange(3)))
            for n in range(count)]
    await db.exec(insert(Document), params=rows)
    await db.commit()
    return list((await db.exec(select(Document).where(Document.dossier_id == dossier.id))).all())


def readers(author: str) -> list[Visibility]:
    """Readers of some categories (none, one, several, one the dossier lacks), with and without their own documents,
    with grants a parent gave, and as a minor's parent sees them through "voir comme"."""
    shapes = []
    for size in (0, 1, 2, 3):
        for categories in itertools.combinations(CATEGORIES + ["synthese"], size):
            for by in (None, author):
                shapes.append(Visibility(general=True, categories=frozenset(categories), author=by))
    shapes.append(Visibility(general=True, hidden_too=True, categories=frozenset({"imagerie"}), author=author))
    # A professional some of whose grants a parent gave: what was kept from the parents, only through the others.
    kept = [replace(shape, kept_categories=frozenset(sorted(shape.categories)[:n])) for n in (0, 1)
            for shape in shapes[1::3]]
    kept += [Visibility(general=True, kept_categories=frozenset(picked), author=by)
             for picked in ((), ("imagerie",)) for by in (None, author)]
    return shapes + kept + [replace(shape, not_kept_from_parents=True) for shape in shapes[::5]]


def newest_first(documents: list[Document]) -> list[str]:
    return [d.id for d in sorted(documents, key=lambda d: (d.event_date, d.created_at, d.id), reverse=True)]


async def test_a_reader_of_some_categories_pages_through_exactly_what_the_rule_admits(db, patient):
    first = await create_professional(db, rpps=rpps_with_key("1000000001"), given_name="Julie", family_name="Moreau",
                                      profession="infirmier", city="Lyon")
    other = await create_professional(db, rpps=rpps_with_key("1000000002"), given_name="Paul", family_name="Girard",
                                      profession="infirmier", city="Lyon")
    documents = await mixed_dossier(db, patient.dossier, [first.id, other.id])
    dossier_id = patient.dossier.id
    for visible in readers(first.id):
        for category in ("", "imagerie"):
            expected = newest_first([d for d in documents if visible.admits(document_facts(d))
                                     and (not category or d.category == category)])
            shown, after = [], None
            while True:  # pages of 4, each after the last one shown, as the infinite scroll asks them
                rows, total = await counted_documents_page(db, dossier_id=dossier_id, visible=visible,
                                                           category=category, after=after, limit=4)
                assert total == (len(expected) if after is None else total), (visible, category)
                shown += [row.id for row in rows]
                if len(rows) < 4:
                    break
                after = await cursor(db, dossier_id=dossier_id, visible=visible, after_id=rows[-1].id)
            assert shown == expected, (visible, category)
            assert await count_documents(db, dossier_id=dossier_id, visible=visible, category=category) \
                == len(expected)
            rows = await documents_page(db, dossier_id=dossier_id, visible=visible, category=category, limit=7)
            assert [row.id for row in rows] == expected[:7], (visible, category)


async def test_a_grants_count_stops_at_the_cap_whatever_its_categories(db, patient):
    now = utcnow()
    rows = [dict(id=new_id(), dossier_id=patient.dossier.id, title=f"Analyse {n}", category=CATEGORIES[n % 2],
                 event_date=date(2020, 1, 1) + timedelta(days=n), storage_key="0" * 64, filename="a.txt",
                 mime_type="text/plain", size=1, sha256="0" * 64, search_text="", search_title="", hidden=False,
                 hidden_from_representatives=False, page_count=0, created_at=now)
            for n in range(COUNT_CAP + 60)]
    await db.exec(insert(Document), params=rows)
    await db.commit()
    visible = Visibility(general=True, categories=frozenset(CATEGORIES[:2]), author="nobody")
    page, total = await counted_documents_page(db, dossier_id=patient.dossier.id, visible=visible, limit=3)
    assert total == COUNT_CAP + 1 and [row.title for row in page] == [f"Analyse {COUNT_CAP + 59 - n}" for n in range(3)]


async def test_no_range_of_a_grants_page_walks_the_dossiers_whole_index(db, app, patient):
    """The dossier's own index (ix_document_newest) is the one a reader of every document walks; a reader of some
    categories reads their ranges of the category index and of the author's."""
    if db.bind.dialect.name != "sqlite":
        pytest.skip("the query plan asked is SQLite's")
    author = await create_professional(db, rpps=rpps_with_key("1000000001"), given_name="Julie", family_name="Moreau",
                                       profession="infirmier", city="Lyon")
    await mixed_dossier(db, patient.dossier, [author.id], count=300)
    visible = Visibility(general=True, categories=frozenset({"certificat", "synthese"}), author=author.id)
    with Plans(app.state.engine) as seen:
        await counted_documents_page(db, dossier_id=patient.dossier.id, visible=visible, limit=5)
    [(_, plan)] = seen.plans
    assert "ix_document_newest" not in plan and "SCAN document" not in plan, plan
    assert "COVERING INDEX ix_document_author_newest (dossier_id=? AND author_professional_id=?)" in plan, plan
    assert "ix_document_category_newest (dossier_id=? AND category=?)" in plan, plan


async def test_the_filter_offers_a_readers_categories_and_their_own_through_their_range_alone(db, app, patient):
    """"Filtrer" on a professional's timeline (an outside probe: a sage-femme with "Biologie" was offered
    "Certificat", which answered "Aucun document"): what the rule shows them, what they wrote in (not deleted), the
    category the page is filtered by; their own read from their range, never the dossier's."""
    author = await create_professional(db, rpps=rpps_with_key("1000000002"), given_name="Hélène", family_name="Roux",
                                       profession="sage-femme", city="Lyon")
    documents = await mixed_dossier(db, patient.dossier, [author.id], count=300)
    written = {d.category for d in documents if d.author_professional_id == author.id and d.deleted_at is None}
    assert written == set(CATEGORIES)
    gone = [d for d in documents if d.author_professional_id == author.id and d.category == "certificat"]
    await db.exec(update(Document).where(col(Document.id).in_([d.id for d in gone])).values(deleted_at=utcnow()))
    await db.commit()
    lab = Visibility(general=True, categories=frozenset({"biologie"}), author=author.id)
    offered = await filter_categories(db, dossier_id=patient.dossier.id, visible=lab)
    assert offered == ["ordonnance", "biologie", "imagerie"]  # CATEGORIES' order; no certificate left of hers
    other = Visibility(general=True, categories=frozenset({"biologie"}), author="nobody")
    assert await filter_categories(db, dossier_id=patient.dossier.id, visible=other) == ["biologie"]
    assert await filter_categories(db, dossier_id=patient.dossier.id, visible=other, chosen="certificat") == [
        "biologie", "certificat"]
    every = Visibility(general=True, hidden_too=True, author=author.id)  # a médecin traitant's, an emergency's
    assert await filter_categories(db, dossier_id=patient.dossier.id, visible=every) == list(ALL_CATEGORIES)
    if db.bind.dialect.name == "sqlite":
        with Plans(app.state.engine) as seen:
            await filter_categories(db, dossier_id=patient.dossier.id, visible=lab)
        [(_, plan)] = seen.plans
        assert "COVERING INDEX ix_document_author_newest (dossier_id=? AND author_professional_id=?)" in plan, plan


async def test_migration_0030_gives_the_authors_index_what_the_rule_reads_and_back(db, app, patient):
    """Down to 0029 and up again, on both engines: the index loses the category and the hidden flag, then has them."""
    from alembic import command
    from sqlalchemy import inspect

    from tests.patient_helpers import migrate

    async def columns() -> list[str]:
        indexes = await (await db.connection()).run_sync(lambda sync: inspect(sync).get_indexes("document"))
        await db.commit()
        [index] = [index for index in indexes if index["name"] == "ix_document_author_newest"]
        return index["column_names"]

    await migrate(app, command.downgrade, "0029")
    assert (await columns())[-2:] == ["deleted_at", "hidden_from_representatives"]
    await migrate(app, command.upgrade, "head")
    assert (await columns())[-3:] == ["category", "hidden", "superseded_at"]  # and 0052's, after them
