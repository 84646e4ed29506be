"""A dossier's documents as a reader sees them, a page at a time, asked of the database.

The rule (access/rule.py) says, as a `Visibility`, which documents a reader sees; `visible_clause`
(access/rule_sql.py) turns it into SQL, so a page costs what it shows, however big the dossier has grown: an index
on (dossier, date, added, id) gives the newest first, and the next page starts after the last
document shown (keyset), so documents added meanwhile never appear twice or push others out. A whole page at the
address of a list loaded further shows it from the newest down through its last page (`loaded_documents`), at a
cost that grows with the pages shown, capped. A reader of some categories is asked a range of an index at a time
(`_ranges`), never the whole dossier's. A search that names a period ("juillet 2026", periods.py) is the same list
between two dates of that index (`_in_period`), its bounds the statement's parameters too.

The timeline's two statements are built once for each shape of reader (`shape_of`: the patient,
a professional of some categories, a parent...) and given the reader's values at execution:
building and keying a statement cost SQLAlchemy three times what SQLite takes to answer it
(bench/RESULTS.md, "Built once"). A value left out is an error, never another reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, func, not_, or_, true, tuple_, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from . import search
from .access.rule import Visibility
from .access.rule_sql import reader_params, shape_of, visible_clause
from .facts import document_facts
from .models import CATEGORIES, Document
from .periods import Period

COUNT_CAP = 1000  # "1 000 documents ou plus": counting further would cost what the dossier weighs
# How many documents a whole page shows at most of a list loaded further down ("Charger plus"): ten pages of 20.
LOADED_CAP = 200
_TABLE = Document.__table__  # type: ignore[attr-defined]
_COLUMNS = _TABLE.c  # the table's: a statement of them alone skips the ORM
# What a page shows of a document: all but the words it is found by (a PDF's text may weigh 100 kB).
SHOWN = [c for c in _COLUMNS if c.name not in ("search_text", "search_title")]
_KEY = (_COLUMNS.event_date, _COLUMNS.created_at, _COLUMNS.id)  # a document's place in a page's order
# Not replaced by a newer version (FHIR's "superseded"): the timeline shows the latest, whose page leads to the one
# before. Each index of a page carries the column, so a count still reads no row (migration 0052).
_CURRENT = _COLUMNS.superseded_at.is_(None)
NEWEST_FIRST = tuple(column.desc() for column in _KEY)


def selection(dossier_id: str, visible: Visibility, category: str) -> list[ColumnElement[bool]]:
    """The documents of a dossier, not deleted, that this reader sees (of one category, if given), versions a newer
    one replaced included (a copy, the FHIR API): the timeline leaves those out (`_selection`)."""
    where = [_COLUMNS.dossier_id == dossier_id, _COLUMNS.deleted_at.is_(None), visible_clause(visible)]
    if category:
        where.append(_COLUMNS.category == category)
    return where


async def hidden_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility, limit: int) -> list[Row]:
    """The documents of the dossier hidden from professionals that this reader sees, newest first ("Masqués")."""
    hidden = [*selection(dossier_id, visible, ""), _COLUMNS.hidden.is_(True), _CURRENT]  # as the timeline: the latest
    found = await session.exec(select(*SHOWN).where(*hidden).order_by(*NEWEST_FIRST).limit(limit))  # type: ignore[call-overload]
    return list(found.all())


def _selection(shape: Visibility, category: bool, period: bool = False) -> list[ColumnElement[bool]]:
    """`selection` as the timeline and its search ask it, the latest version of each document alone, its values left
    as parameters (`reader_params`, `_period_params`)."""
    where = [_COLUMNS.dossier_id == bindparam("dossier_id"), _COLUMNS.deleted_at.is_(None), _CURRENT,
             visible_clause(shape, bound=False)]
    if category:
        where.append(_COLUMNS.category == bindparam("category"))
    if period:
        where += _in_period()
    return where


def _in_period() -> list[ColumnElement[bool]]:
    """Dated within a period (`period_start` included, `period_end` not): a range of each index of a page, which
    follows the dossier (and the category, or the author) with the date."""
    return [_COLUMNS.event_date >= bindparam("period_start", type_=_COLUMNS.event_date.type),
            _COLUMNS.event_date < bindparam("period_end", type_=_COLUMNS.event_date.type)]


def _period_params(period: Period | None) -> dict[str, Any]:
    return {} if period is None else {"period_start": period.start, "period_end": period.end}


def _keyset(through: bool = False) -> ColumnElement[bool]:
    """After the last document shown (`after`), in the page's order; with `through`, from the newest down to it,
    it included."""
    key = tuple_(_COLUMNS.event_date, _COLUMNS.created_at, _COLUMNS.id)
    cursor = tuple_(bindparam("after_date", type_=_COLUMNS.event_date.type),
                    bindparam("after_added", type_=_COLUMNS.created_at.type),
                    bindparam("after_id", type_=_COLUMNS.id.type))
    return key >= cursor if through else key < cursor


def _ranges(shape: Visibility, after: bool, through: bool = False, versions: bool = False,
            period: bool = False) -> list[list[ColumnElement[bool]]]:
    """A reader of some categories (a grant), as ranges an index gives in the page's order, which share no
    document: each category's (of ix_document_category_newest), and their own documents in no other range (of
    ix_document_author_newest). As one condition, SQLite walked the dossier's whole index to fill a page of a rare
    category (bench/RESULTS.md, "A reader of some categories"); each range reads as many entries as it gives.
    The latest version of each document alone, unless `versions` (the FHIR API's search, as `selection`)."""
    common = [_COLUMNS.dossier_id == bindparam("dossier_id"), _COLUMNS.deleted_at.is_(None)]
    if not versions:
        common.append(_CURRENT)
    if shape.not_kept_from_parents:  # whoever wrote it (Visibility says why)
        common.append(_COLUMNS.hidden_from_representatives.is_(False))
    if after:
        common.append(_keyset(through))
    if period:
        common += _in_period()
    shown = [] if shape.hidden_too else [_COLUMNS.hidden.is_(False)]
    not_kept = _COLUMNS.hidden_from_representatives.is_(False)

    def kept_too(name: str) -> list[ColumnElement[bool]]:  # `Visibility.kept_categories`, a range at a time
        return [] if shape.kept_categories is None or name in shape.kept_categories else [not_kept]

    ranges = [[*common, _COLUMNS.category == bindparam(name), *shown, *kept_too(name)]
              for name in sorted(shape.categories or ())]
    if shape.author is not None:
        granted = _COLUMNS.category.in_(bindparam("visible_categories", expanding=True))
        if shape.kept_categories is not None:  # a kept document of theirs no category range gives
            granted = and_(granted, or_(not_kept, _COLUMNS.category.in_(
                bindparam("visible_kept_categories", expanding=True))))
        ranges.append([*common, _COLUMNS.author_professional_id == bindparam("visible_author"),
                       not_(and_(granted, *shown))])
    return ranges


def _by_ranges(shape: Visibility, category: bool) -> bool:
    """Whether `_ranges` asks for this reader's documents: a reader of some categories or of their own, with no
    category chosen (a chosen one is one range of the category index already)."""
    return (shape.general and shape.categories is not None and not category
            and (bool(shape.categories) or shape.author is not None))


def _first_of_ranges(ranges: list[list[ColumnElement[bool]]], limit: Any, offset: Any = 0) -> Any:
    """The ids of the page among the ranges: each range's first keys, from its index alone, then the page's
    among them (the documents' rows are read for those alone)."""
    keys = [select(*_KEY).where(*where).order_by(*NEWEST_FIRST).limit(offset + limit).subquery() for where in ranges]
    seen = union_all(*(select(found) for found in keys)).subquery("seen")
    return (select(seen.c.id).order_by(*(seen.c[c.name].desc() for c in _KEY)).offset(offset).limit(limit)
            .subquery("page"))


@cache
def _page_statement(shape: Visibility, category: bool, after: bool, counted: bool = False,
                    through: bool = False, period: bool = False) -> Select:
    """With `counted`, each row also says how many documents the reader sees (`total`, capped): a subquery
    SQLite and PostgreSQL answer once, one statement where there were two. With `through`, the documents from
    the newest down to `after`'s document, it included, rather than those after it. With `period`, those dated
    within it alone."""
    # Columns, not the model: a page is only shown, and making 21 model instances cost SQLAlchemy more than
    # the query (rows answer `document.title` the same way).
    if _by_ranges(shape, category):
        page = _first_of_ranges(_ranges(shape, after, through, period=period), bindparam("limit"))
        joined = _TABLE.join(page, _COLUMNS.id == page.c.id)
        if not counted:
            return select(*SHOWN).select_from(joined).order_by(*NEWEST_FIRST)
        # Joined to its count, not given it as a column: SQLite answered that column once a range (1.6 ms, not
        # 0.4, for a reader of six categories).
        count = _count_statement(shape, category, period).subquery("counted")
        return select(*SHOWN, count.c.total).select_from(joined.join(count, true())).order_by(*NEWEST_FIRST)
    total = [_count_statement(shape, category, period).scalar_subquery().label("total")] if counted else []
    where = _selection(shape, category, period)
    if after:
        where.append(_keyset(through))
    return select(*SHOWN, *total).where(*where).order_by(*NEWEST_FIRST).limit(bindparam("limit"))


@cache
def _count_statement(shape: Visibility, category: bool, period: bool = False) -> Select:
    # In the page's order, so through the page's index (each range's, for a reader of some categories): rows
    # written in that order sit on a few pages of the table; unordered, SQLite picked the category index and read
    # 1,001 rows scattered over all of them (0.72 against 0.42 ms at 50,000 documents), and PostgreSQL a scan of
    # the table for a grant's ranges (4.2 against 0.9 ms, 20,000 documents in each of two dossiers).
    if _by_ranges(shape, category):
        ids = [select(_COLUMNS.id).where(*where).order_by(*NEWEST_FIRST).limit(COUNT_CAP + 1).subquery()
               for where in _ranges(shape, after=False, period=period)]
        seen = union_all(*(select(found) for found in ids)).subquery("seen")
        capped = select(seen.c.id).limit(COUNT_CAP + 1).subquery()
    else:
        capped = (select(_COLUMNS.id).where(*_selection(shape, category, period)).order_by(*NEWEST_FIRST)
                  .limit(COUNT_CAP + 1).subquery())
    return select(func.count().label("total")).select_from(capped)


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
    params = reader_params(dossier_id, visible, category) | _period_params(period) | {"limit": limit}
    if after is not None:
        params |= {"after_date": after.event_date, "after_added": after.created_at, "after_id": after.id}
    statement = _page_statement(shape_of(visible), bool(category), after is not None, counted, through,
                                period is not None)
    rows = list((await session.exec(statement, params=params)).all())
    return rows, (rows[0].total if counted and rows else None)


async def search_page(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                      words: list[str], offset: int, limit: int, counted: bool) -> tuple[list[Row], int | None]:
    """Up to `limit` documents holding every word, those whose title holds the most words first (then the
    newest), from `offset`: among the search's window of matches (search.WINDOW), which the query reads first.
    With `counted`, how many documents of the window this reader sees, too (up to search.WINDOW), asked with it."""
    page, count = _search_statements(shape_of(visible), bool(category), session.bind.dialect.name, len(words), counted)
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
    statement = _count_statement(shape_of(visible), bool(category), period is not None)
    params = reader_params(dossier_id, visible, category) | _period_params(period)
    return (await session.exec(statement, params=params)).one()


async def filter_categories(session: AsyncSession, *, dossier_id: str, visible: Visibility,
                            chosen: str = "") -> list[str]:
    """The categories a reader's timeline offers to filter by, in CATEGORIES' order: those the rule shows them
    documents of (every one to the patient, a médecin traitant, an emergency access), those they wrote in, and the
    one `chosen` (the page's, kept as asked). Another would answer "Aucun document" whatever the dossier holds, which
    reads as if it held none. Their own, only for a reader who does not read every category, are the range of their
    documents in ix_document_author_newest, never the dossier's (a DISTINCT made SQLite read the dossier's whole range
    of ix_document_category_newest instead, for its order)."""
    offered = {c for c in CATEGORIES if visible.sees_category(c)} | {chosen}
    if len(offered & CATEGORIES.keys()) < len(CATEGORIES) and visible.author is not None:
        written = await session.exec(select(_COLUMNS.category).where(
            _COLUMNS.dossier_id == dossier_id, _COLUMNS.author_professional_id == visible.author,
            _COLUMNS.deleted_at.is_(None)))
        offered |= set(written.all())
    return [c for c in CATEGORIES if c in offered]


@cache
def _search_statements(shape: Visibility, category: bool, dialect: str, words: int,
                       counted: bool) -> tuple[Select, Select]:
    """A search's page and count, built once per shape of reader, engine and number of words (the window's values
    as parameters). With `counted`, each row of the page also says the count (`total`): one statement, not two."""
    where = _selection(shape, category)
    if dialect == "sqlite":
        # SQLite reads the window once, for the page and its count, and the page joins the table for the rest.
        found = search.window(dialect, where)
        count = select(func.count()).select_from(found)
        total = [count.scalar_subquery().label("total")] if counted else []
        page = (select(*SHOWN, *total).select_from(_TABLE.join(found, _COLUMNS.id == found.c.id))
                .order_by(search.title_hits(words).desc(), *NEWEST_FIRST))
    else:
        # PostgreSQL's plan cache gave a shared window a generic plan, twice as slow for one word
        # (bench/RESULTS.md): there the count has its own copy. The page's window carries what it shows.
        count = select(func.count()).select_from(search.window(dialect, where, name="matches"))
        total = [count.scalar_subquery().label("total")] if counted else []
        found = search.window(dialect, where, columns=[*SHOWN, _COLUMNS.search_title])
        page = (select(*(found.c[c.name] for c in SHOWN), *total).select_from(found)
                .order_by(search.title_hits(words, found.c.search_title).desc(),
                          found.c.event_date.desc(), found.c.created_at.desc(), found.c.id.desc()))
    return page.offset(bindparam("offset")).limit(bindparam("limit")), count


def ordered_documents(dossier_id: str, visible: Visibility, category: str, conditions: list[ColumnElement[bool]], *,
                      limit: int, offset: int = 0) -> Select:
    """The documents this reader sees that also meet `conditions`, as models, newest first, `limit` of them from
    `offset`: the FHIR API's search (its filters, a page after a cursor or at an offset), a statement built for
    each request. A reader of some categories is asked a range at a time, as the timeline asks them."""
    shape = shape_of(visible)
    if not _by_ranges(shape, bool(category)):
        return (select(Document).where(*selection(dossier_id, visible, category), *conditions)
                .order_by(*NEWEST_FIRST).offset(offset).limit(limit))
    page = _first_of_ranges([[*where, *conditions] for where in _ranges(shape, after=False, versions=True)], limit,
                            offset)
    return (select(Document).join(page, _COLUMNS.id == page.c.id).order_by(*NEWEST_FIRST)
            .params(**reader_params(dossier_id, visible, category)))


async def all_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility) -> list[Document]:
    """Every document this reader sees (the exports): its size is the dossier's, knowingly."""
    rows = await session.exec(select(Document).where(*selection(dossier_id, visible, "")).order_by(*NEWEST_FIRST))
    return list(rows.all())
