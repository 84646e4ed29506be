"""A dossier's documents as a reader sees them, a page at a time, asked of the database.

The rule (access/rule.py) says, as a `Visibility`, which documents a reader sees; `visible_clause`
(access/rule_sql.py) turns it into SQL, so a page costs what it shows, however big the dossier has grown: an index
on (dossier, date, added, id) gives the newest first, and the next page starts after the last
document shown (keyset), so documents added meanwhile never appear twice or push others out. A whole page at the
address of a list loaded further shows it from the newest down through its last page (`loaded_documents`), at a
cost that grows with the pages shown, capped. A reader of some categories is asked a range of an index at a time
(`category_ranges`), never the whole dossier's. A search that names a period ("juillet 2026", periods.py) is the same list
between two dates of that index (`in_period`), its bounds the statement's parameters too.

The timeline's two statements are built once for each shape of reader (`shape_of`: the patient,
a professional of some categories, a parent...) and given the reader's values at execution:
building and keying a statement cost SQLAlchemy three times what SQLite takes to answer it
(bench/RESULTS.md, "Built once"). A value left out is an error, never another reader's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import search
from ..access.rule import Visibility
from ..access.rule_sql import reader_params, shape_of
from ..facts import document_facts
from ..models import CATEGORIES, Document
from ..periods import Period
from .statements import (
    COLUMNS, COUNT_CAP, CURRENT, NEWEST_FIRST, SHOWN, count_statement, ordered_documents, page_statement,
    period_params, search_statements, selection,
)

__all__ = ["COUNT_CAP", "LOADED_CAP", "SHOWN", "NEWEST_FIRST", "Loaded", "all_documents", "count_documents",
           "counted_documents_page", "cursor", "documents_page", "filter_categories", "hidden_documents",
           "loaded_documents", "ordered_documents", "search_page", "selection"]

# How many documents a whole page shows at most of a list loaded further down ("Charger plus"): ten pages of 20.
LOADED_CAP = 200


async def hidden_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility, limit: int) -> list[Row]:
    """The documents of the dossier hidden from professionals that this reader sees, newest first ("Masqués")."""
    hidden = [*selection(dossier_id, visible, ""), COLUMNS.hidden.is_(True), CURRENT]  # as the timeline: the latest
    found = await session.exec(select(*SHOWN).where(*hidden).order_by(*NEWEST_FIRST).limit(limit))  # type: ignore[call-overload]
    return list(found.all())


async def documents_page(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                         after: Document | None = None, limit: int, period: Period | None = None) -> list[Row]:
    """Up to `limit` documents this reader sees (dated within `period`, if given), newest first, after `after` (the
    last one of the page before): rows with a document's fields, to show."""
    return (await _documents(session, dossier_id, visible, category, after, limit, counted=False, period=period))[0]


async def counted_documents_page(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                                 after: Document | None = None, limit: int,
                                 period: Period | None = None) -> tuple[list[Row], int]:
    """`documents_page`, and how many documents this reader sees (up to COUNT_CAP + 1), asked with it."""
    rows, total = await _documents(session, dossier_id, visible, category, after, limit, counted=True, period=period)
    if total is None:  # no row to carry it: none at all, or none after `after`
        total = 0 if after is None else await count_documents(session, dossier_id=dossier_id, visible=visible,
                                                              category=category, period=period)
    return rows, total


@dataclass(frozen=True)
class Loaded:
    """A list of documents as a page shows it: whether more follow, how many the reader sees (where counted), and
    whether it starts at the newest document."""

    documents: list[Row]
    more: bool
    total: int | None
    from_top: bool


async def loaded_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                           after: Document | None, size: int, whole: bool, counted: bool,
                           period: Period | None = None) -> Loaded:
    """The page of `size` documents after `after` (the newest, without it), for "Charger plus" to append; a `whole`
    page, the list from the newest down through that page (`from_top`). htmx puts the address of each page it appends
    in place of the page's own (partials/timeline_items.html): Back from a document, or a reload, asks for the list
    as she had loaded it, and the browser scrolls to where she was, with nothing of it kept in the browser. Its cost
    grows with the pages shown, never with the dossier; further down than LOADED_CAP documents, the page starts after
    `after`. With `period`, the documents dated within it alone."""
    above: list[Row] = []
    if whole and after is not None:
        room = LOADED_CAP - size
        above, _ = await _documents(session, dossier_id, visible, category, after, room + 1, counted=False,
                                    through=True, period=period)
        if len(above) > room:
            above = []
    from_top = after is None or bool(above)
    if counted:
        rows, total = await counted_documents_page(session, dossier_id=dossier_id, visible=visible,
                                                   category=category, after=after, limit=size + 1, period=period)
    else:
        rows, total = await documents_page(session, dossier_id=dossier_id, visible=visible, category=category,
                                           after=after, limit=size + 1, period=period), None
    return Loaded([*above, *rows[:size]], len(rows) > size, total, from_top)


async def cursor(session: AsyncSession, *, dossier_id: str, visible: Visibility, after_id: str) -> Document | None:
    """The document a page starts after (`after`): one of this dossier's that this reader sees; anything else,
    the top (a document deleted meanwhile too)."""
    if not after_id:
        return None
    document = await session.get(Document, after_id)
    if document is None or document.dossier_id != dossier_id or not visible.admits(document_facts(document)):
        return None
    return document


async def _documents(session: AsyncSession, dossier_id: str, visible: Visibility, category: str,
                     after: Document | None, limit: int, *, counted: bool, through: bool = False,
                     period: Period | None = None) -> tuple[list[Row], int | None]:
    params = reader_params(dossier_id, visible, category) | period_params(period) | {"limit": limit}
    if after is not None:
        params |= {"after_date": after.event_date, "after_added": after.created_at, "after_id": after.id}
    statement = page_statement(shape_of(visible), bool(category), after is not None, counted, through,
                                period is not None)
    rows = list((await session.exec(statement, params=params)).all())
    return rows, (rows[0].total if counted and rows else None)


async def search_page(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                      words: list[str], offset: int, limit: int, counted: bool) -> tuple[list[Row], int | None]:
    """Up to `limit` documents holding every word, those whose title holds the most words first (then the
    newest), from `offset`: among the search's window of matches (search.WINDOW), which the query reads first.
    With `counted`, how many documents of the window this reader sees, too (up to search.WINDOW), asked with it."""
    page, count = search_statements(shape_of(visible), bool(category), session.bind.dialect.name, len(words), counted)
    values = reader_params(dossier_id, visible, category) | await search.params(session, dossier_id, words)
    rows = list((await session.exec(page, params=values | {"offset": offset, "limit": limit})).all())
    if not counted:
        return rows, None
    if rows:
        return rows, rows[0].total
    return rows, 0 if offset == 0 else (await session.exec(count, params=values)).one()  # a page past the last


async def count_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                          period: Period | None = None) -> int:
    """How many documents this reader sees (dated within `period`, if given), up to COUNT_CAP + 1 (more is said as
    "1 000 ou plus")."""
    statement = count_statement(shape_of(visible), bool(category), period is not None)
    params = reader_params(dossier_id, visible, category) | period_params(period)
    return (await session.exec(statement, params=params)).one()


async def filter_categories(session: AsyncSession, *, dossier_id: str, visible: Visibility,
                            chosen: str = "") -> list[str]:
    """The categories a reader's timeline offers to filter by, in CATEGORIES' order: those the rule shows them
    documents of (every one to the patient, a médecin traitant, an emergency access), those they wrote in, and the
    one `chosen` (the page's, kept as asked: the timeline says when it is not shared with them). Another would answer
    "Aucun document" whatever the dossier holds, which reads as if it held none. Their own, only for a reader who does
    not read every category, are the range of their documents in ix_document_author_newest, never the dossier's (a
    DISTINCT made SQLite read the dossier's whole range of ix_document_category_newest instead, for its order)."""
    offered = {c for c in CATEGORIES if visible.sees_category(c)} | {chosen}
    if len(offered & CATEGORIES.keys()) < len(CATEGORIES) and visible.author is not None:
        written = await session.exec(select(COLUMNS.category).where(
            COLUMNS.dossier_id == dossier_id, COLUMNS.author_professional_id == visible.author,
            COLUMNS.deleted_at.is_(None)))
        offered |= set(written.all())
    return [c for c in CATEGORIES if c in offered]


async def all_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility) -> list[Document]:
    """Every document this reader sees (the exports): its size is the dossier's, knowingly."""
    rows = await session.exec(select(Document).where(*selection(dossier_id, visible, "")).order_by(*NEWEST_FIRST))
    return list(rows.all())
