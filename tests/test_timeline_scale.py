"""A timeline page costs what it shows (issue 10): the same statements at any size, each document once
while others arrive, and words found whatever their accents, on both engines."""

from __future__ import annotations

import difflib
import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import StatementError

from server.access.rule import Visibility
from server.dossiers import add_document
from server.access.rule_sql import reader_params, shape_of
from server.listing.statements import count_statement, page_statement
from server.models import AccessEvent, ChainHead, Document, new_id, utcnow
from server.search import index_word, search_text, search_title
from server.search import params as search_params
from tests.conftest import activate, add_text_document, new_patient, post_form
from tests.patient_helpers import Plans, Statements, titles_in, titles_while_documents_arrive


async def many_documents(db, dossier, count: int, *, start: date = date(2020, 1, 1)) -> None:
    """`count` rows at once (the same stored file): a big dossier without a big wait."""
    now = utcnow()
    rows = [dict(id=new_id(), dossier_id=dossier.id, title=f"Relevé {n}", category="remboursement",
                 event_date=start + timedelta(days=n % 2000), storage_key="0" * 64, filename="r.txt",
                 mime_type="text/plain", size=1, sha256="0" * 64, search_text=search_text(f"Relevé {n}"),
                 search_title=search_title(f"Relevé {n}"),
                 hidden=False, hidden_from_representatives=False, page_count=0, created_at=now)
            for n in range(count)]
    await db.exec(insert(Document), params=rows)
    await db.commit()


async def statements_of(app, client, url: str) -> list[str]:
    with Statements(app.state.engine) as seen:
        response = await client.get(url)
    assert response.status_code == 200
    return [re.sub(r"\d+", "N", s.split(" WHERE")[0]) for s in seen.seen]


async def test_a_timeline_page_asks_the_database_the_same_questions_at_any_size(client, db, app, patient):
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}"
    await many_documents(db, patient.dossier, 30)
    small = await statements_of(app, client, url)
    await many_documents(db, patient.dossier, 3000)
    large = await statements_of(app, client, url)
    assert small == large
    page = await client.get(url)
    assert "Plus de 1" in page.text and len(titles_in(page.text)) == 5  # page_size is 5 in tests


async def test_paging_while_documents_arrive_shows_each_document_once(client, db, app, patient):
    await activate(client, patient)
    await many_documents(db, patient.dossier, 23)
    seen = await titles_while_documents_arrive(client, db, app, patient.dossier, f"/dossiers/{patient.dossier.id}")
    relevés = [t for t in seen if t.startswith("Relevé")]
    assert sorted(relevés) == sorted(f"Relevé {n}" for n in range(23)) and len(relevés) == len(set(relevés))
    assert not [t for t in seen if t.startswith("Arrivé")]


async def test_search_ignores_accents_and_case_and_finds_the_start_of_a_word(client, db, app, patient):
    for title, category in (("Échographie abdominale", "imagerie"), ("Bilan lipidique", "biologie"),
                            ("Compte rendu - ECHOGRAPHIE cardiaque", "compte_rendu")):
        await add_text_document(db, app, patient.dossier, title=title, category=category)
    await activate(client, patient)
    for words, expected in (("echographie", 2), ("ÉCHO", 2), ("echographie abdo", 1), ("lipidique bilan", 1),
                            ("scintigraphie", 0)):
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        titles = titles_in(found.text)
        assert len(titles) == expected, (words, titles)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "contenu echographie"})
    assert len(titles_in(found.text)) == 2  # a text document's content is searched too ("Contenu : …")


async def many_events(db, dossier, count: int) -> None:
    """`count` professional reads at once, appended after the chain's head (their hashes are not what matters here)."""
    head = await db.get(ChainHead, dossier.id, populate_existing=True)
    now = utcnow()
    rows = [dict(dossier_id=dossier.id, seq=head.seq + n, at=now, action="read_timeline", actor_kind="professional",
                 actor_name="Julie Moreau", actor_profession="masseur-kinésithérapeute", actor_rpps="10000000017",
                 right="grant", prev_hash="0" * 64, hash="0" * 64)
            for n in range(1, count + 1)]
    await db.exec(insert(AccessEvent), params=rows)
    head.seq += count
    db.add(head)
    await db.commit()


async def test_a_historique_page_and_the_timeline_ask_the_same_questions_however_long_the_log(client, db, app, patient):
    await activate(client, patient)
    log = f"/dossiers/{patient.dossier.id}/historique"
    await many_events(db, patient.dossier, 40)
    await client.get(log)  # the first visit is remembered (an insert); later ones move it on (an update)
    await many_events(db, patient.dossier, 1)  # something new since, as in the large case
    small = (await statements_of(app, client, log), await statements_of(app, client, f"/dossiers/{patient.dossier.id}"))
    await many_events(db, patient.dossier, 4000)
    large = (await statements_of(app, client, log), await statements_of(app, client, f"/dossiers/{patient.dossier.id}"))
    for before, after in zip(small, large, strict=True):
        assert before == after, "\n".join(difflib.unified_diff(before, after, lineterm=""))


async def test_paging_the_historique_while_events_arrive_shows_each_event_once(client, db, app, patient):
    await activate(client, patient)
    before = (await db.get(ChainHead, patient.dossier.id, populate_existing=True)).seq
    await many_events(db, patient.dossier, 75)
    last = before + 75
    seen: list[int] = []
    url = f"/dossiers/{patient.dossier.id}/historique"
    while url:
        page = await client.get(url, headers={"HX-Request": "true", "HX-Target": f"more-{seen[-1]}"} if seen else {})
        assert page.status_code == 200
        seen += [int(n) for n in re.findall(r'id="evenement-(\d+)"', page.text)]
        # Professionals keep reading while the patient scrolls: newer events belong above, never in between.
        await many_events(db, patient.dossier, 3)
        more = re.search(r'class="more[^"]*" href="([^"]+)"', page.text)
        url = html.unescape(more.group(1)) if more else ""
    assert len(seen) == len(set(seen))  # none twice
    assert set(range(before + 1, last + 1)) <= set(seen)  # none of those there at the start missed
    assert not [n for n in seen if n > last]  # and none of the new ones pushed in between


async def test_search_looks_in_this_dossier_alone_and_forgets_a_deleted_documents_words(client, db, app, patient):
    mine = await add_text_document(db, app, patient.dossier, title="Scintigraphie osseuse", category="imagerie")
    other = await new_patient(db, given_name="Louis", family_name="Girard", birth=date(1990, 5, 2), serial=7, sex="M")
    await add_text_document(db, app, other.dossier, title="Scintigraphie thyroïdienne", category="imagerie")
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "scintigraphie"})
    assert titles_in(found.text) == ["Scintigraphie osseuse"]
    if db.bind.dialect.name == "sqlite":
        # SQLite's index keeps each dossier's words apart (a search reads its dossier's lists, not the installation's).
        terms = await index_terms(db)
        assert index_word(patient.dossier.id, "scintigraphie") in terms
        assert index_word(other.dossier.id, "scintigraphie") in terms
        assert "scintigraphie" not in terms
    await post_form(client, f"/documents/{mine.id}/suppression", {})
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "scintigraphie"})
    assert titles_in(found.text) == []
    # Its words went with its file: out of the row, and out of SQLite's search index (its trigger found the row).
    row = await db.get(Document, mine.id, populate_existing=True)
    assert row.search_text == ""
    if db.bind.dialect.name == "sqlite":
        assert index_word(patient.dossier.id, "osseuse") not in await index_terms(db)


async def index_terms(db) -> set[str]:
    """Every word SQLite's search index holds (FTS5's own view of its vocabulary)."""
    await db.exec(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms USING fts5vocab(main, document_search, 'row')"))
    terms = {term for (term,) in (await db.exec(text("SELECT term FROM temp.search_terms"))).all()}
    await db.commit()  # the test's transaction ends: the server's writes go on
    return terms


async def test_a_word_that_matches_more_than_the_window_ranks_the_most_recent_matches_and_says_so(client, db, app,
                                                                                                   patient):
    """A search costs the same however many documents match: it ranks the WINDOW most recent matches."""
    from server.search import WINDOW

    await many_documents(db, patient.dossier, WINDOW + 50)  # "Relevé n", every one a match
    await add_text_document(db, app, patient.dossier, title="Relevé de la CPAM", when=date(2019, 1, 1))  # the latest added
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve"})
    assert "Plus de 200 documents" in found.text  # the count stops where the window does
    titles = titles_in(found.text)
    assert len(titles) == 5 and all(t.startswith("Relevé") for t in titles)
    cpam = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve cpam"})
    assert titles_in(cpam.text) == ["Relevé de la CPAM"]


async def test_a_search_reads_its_window_of_matches_once_for_its_page_and_its_count(client, db, app, patient):
    """On SQLite the window is a common table expression that the page and its count both read: the index is asked
    once (the count asked it a second time before: 25-45 % of the statement's time, bench/RESULTS.md). On
    PostgreSQL the count keeps its own copy (listing says why), and the page reads its columns from its window."""
    await many_documents(db, patient.dossier, 40)  # "Relevé n", every one a match
    await activate(client, patient)
    sqlite = db.bind.dialect.name == "sqlite"
    with (Plans if sqlite else Statements)(app.state.engine) as seen:
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve"})
    assert "40 documents" in found.text and len(titles_in(found.text)) == 5
    statements = [statement for statement, _plan in seen.plans] if sqlite else seen.seen
    [search] = [s for s in statements if "MATCH" in s or "@@" in s]
    assert search.count("MATCH") + search.count("@@") == (1 if sqlite else 2), search
    if sqlite:
        assert seen.of("MATCH").count("SCAN document_search") == 1, seen.of("MATCH")
    else:
        # The page's window carries the columns it shows: the table is read in the two windows and never joined
        # again (which PostgreSQL answered with a scan of the whole table, bench/RESULTS.md).
        assert search.count("FROM document") == 2 and " JOIN " not in search, search
        # Planned for its words, in its own transaction only (search.params says why).
        assert statements.index("SET LOCAL plan_cache_mode = force_custom_plan") < statements.index(search)
        await search_params(db, patient.dossier.id, ["releve"])  # the same, on this test's own connection
        assert (await db.exec(text("SHOW plan_cache_mode"))).one()[0] == "force_custom_plan"
        await db.commit()
        assert (await db.exec(text("SHOW plan_cache_mode"))).one()[0] == "auto"


async def test_the_next_page_of_an_infinite_scroll_does_not_count_the_documents(client, db, app, patient):
    await activate(client, patient)
    await many_documents(db, patient.dossier, 30)
    url = f"/dossiers/{patient.dossier.id}"
    first = await client.get(url)
    more = re.search(r'id="more-([0-9a-f]+)"', first.text).group(1)
    with Statements(app.state.engine) as seen:
        page = await client.get(f"{url}?apres={more}", headers={"HX-Request": "true", "HX-Target": f"more-{more}"})
    assert page.status_code == 200 and len(titles_in(page.text)) == 5
    assert not [s for s in seen.seen if "count(" in s.lower() and "FROM document" in s], seen.seen


async def test_the_timelines_count_reads_the_index_alone(db, patient):
    """Migration 0017: what the rule reads of a document is in the timeline's indexes (SQLite's plan says so)."""
    if db.bind.dialect.name != "sqlite":
        pytest.skip("the query plan asked is SQLite's")
    for visible, category in [(Visibility(general=True, hidden_too=True), ""),
                              (Visibility(general=True, categories=frozenset({"biologie"}), author="x"), ""),
                              (Visibility(general=True, not_kept_from_parents=True), "imagerie")]:
        statement = count_statement(shape_of(visible), bool(category)).params(
            **reader_params(patient.dossier.id, visible, category))
        sql = statement.compile(db.bind, compile_kwargs={"literal_binds": True, "render_postcompile": True})
        plan = " | ".join(row[-1] for row in (await db.exec(text(f"EXPLAIN QUERY PLAN {sql}"))).all())
        assert "COVERING INDEX" in plan, plan


async def test_a_statement_built_for_a_shape_of_reader_refuses_to_run_without_that_readers_values(db, patient):
    """Built once for every reader of a shape: a value left out is an error, never the previous reader's."""
    shape = shape_of(Visibility(general=True, categories=frozenset({"biologie"}), author="someone"))
    with pytest.raises(StatementError):
        await db.exec(page_statement(shape, False, False), params={"dossier_id": patient.dossier.id, "limit": 5})


async def test_a_search_puts_the_documents_about_the_words_before_those_that_mention_them_in_passing(client, db, app,
                                                                                                     patient):
    """Ranked on both engines by the words a title holds, newer first only between equals (test_search_words.py)."""
    about = "Échographie abdominale : foie, vésicule, pancréas. Échographie normale, échographie de contrôle inutile."
    passing = ("Consultation de suivi. Tension 12/8, poids stable, sommeil correct, appétit conservé, pas de "
               "douleur, marche quotidienne, reprise du sport conseillée; une échographie datait de l'an dernier.")
    for title, body, when in [("Échographie abdominale", about, date(2021, 3, 1)),
                              ("Compte rendu de consultation", passing, date(2025, 3, 1))]:
        await add_document(db, app.state.storage, dossier=patient.dossier, title=title, category="compte_rendu",
                           event_date=when, filename="cr.txt", mime_type="text/plain", data=body.encode())
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "echographie"})
    assert titles_in(found.text) == ["Échographie abdominale", "Compte rendu de consultation"]
    assert "2 documents" in found.text


async def test_a_search_by_category_finds_an_older_match_behind_a_window_of_other_categories(client, db, app,
                                                                                            patient):
    """The window holds what the reader may see and asked for: matches of other categories (or kept from this
    reader) never push a visible one out of it."""
    from server.search import WINDOW

    await add_text_document(db, app, patient.dossier, title="Relevé de prise de sang", category="biologie",
                            when=date(2018, 1, 1))  # the first added, the oldest
    await many_documents(db, patient.dossier, WINDOW + 20)  # newer, all matching "releve", none of biologie
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche",
                            {"q": "releve", "categorie": "biologie"})
    assert titles_in(found.text) == ["Relevé de prise de sang"] and "1 document" in found.text
