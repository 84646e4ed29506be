"""The statements of a dossier's lists (the timeline, its search, the FHIR API's search), built once for each shape
of reader and given the reader's values at execution (the package's docstring says why); `listing` asks them."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, not_, or_, true, tuple_, union_all
from sqlmodel import select

from .. import search
from ..access.rule import Visibility
from ..access.rule_sql import reader_params, shape_of, visible_clause
from ..models import Document
from ..periods import Period

COUNT_CAP = 1000  # "1 000 documents ou plus": counting further would cost what the dossier weighs
TABLE = Document.__table__  # type: ignore[attr-defined]
COLUMNS = TABLE.c  # the table's: a statement of them alone skips the ORM
# What a page shows of a document: all but the words it is found by (a PDF's text may weigh 100 kB).
SHOWN = [c for c in COLUMNS if c.name not in ("search_text", "search_title")]
KEY = (COLUMNS.event_date, COLUMNS.created_at, COLUMNS.id)  # a document's place in a page's order
# Not replaced by a newer version (FHIR's "superseded"): the timeline shows the latest, whose page leads to the one
# before. Each index of a page carries the column, so a count still reads no row (migration 0052).
CURRENT = COLUMNS.superseded_at.is_(None)
NEWEST_FIRST = tuple(column.desc() for column in KEY)


def selection(dossier_id: str, visible: Visibility, category: str) -> list[ColumnElement[bool]]:
    """The documents of a dossier, not deleted, that this reader sees (of one category, if given), versions a newer
    one replaced included (a copy, the FHIR API): the timeline leaves those out (`current_selection`)."""
    where = [COLUMNS.dossier_id == dossier_id, COLUMNS.deleted_at.is_(None), visible_clause(visible)]
    if category:
        where.append(COLUMNS.category == category)
    return where


def current_selection(shape: Visibility, category: bool, period: bool = False) -> list[ColumnElement[bool]]:
    """`selection` as the timeline and its search ask it, the latest version of each document alone, its values left
    as parameters (`reader_params`, `period_params`)."""
    where = [COLUMNS.dossier_id == bindparam("dossier_id"), COLUMNS.deleted_at.is_(None), CURRENT,
             visible_clause(shape, bound=False)]
    if category:
        where.append(COLUMNS.category == bindparam("category"))
    if period:
        where += in_period()
    return where


def in_period() -> list[ColumnElement[bool]]:
    """Dated within a period (`period_start` included, `period_end` not): a range of each index of a page, which
    follows the dossier (and the category, or the author) with the date."""
    return [COLUMNS.event_date >= bindparam("period_start", type_=COLUMNS.event_date.type),
            COLUMNS.event_date < bindparam("period_end", type_=COLUMNS.event_date.type)]


def period_params(period: Period | None) -> dict[str, Any]:
    return {} if period is None else {"period_start": period.start, "period_end": period.end}


def keyset(through: bool = False) -> ColumnElement[bool]:
    """After the last document shown (`after`), in the page's order; with `through`, from the newest down to it,
    it included."""
    key = tuple_(COLUMNS.event_date, COLUMNS.created_at, COLUMNS.id)
    cursor = tuple_(bindparam("after_date", type_=COLUMNS.event_date.type),
                    bindparam("after_added", type_=COLUMNS.created_at.type),
                    bindparam("after_id", type_=COLUMNS.id.type))
    return key >= cursor if through else key < cursor


def category_ranges(shape: Visibility, after: bool, through: bool = False, versions: bool = False,
            period: bool = False) -> list[list[ColumnElement[bool]]]:
    """A reader of some categories (a grant), as ranges an index gives in the page's order, which share no
    document: each category's (of ix_document_category_newest), and their own documents in no other range (of
    ix_document_author_newest). As one condition, SQLite walked the dossier's whole index to fill a page of a rare
    category (bench/RESULTS.md, "A reader of some categories"); each range reads as many entries as it gives.
    The latest version of each document alone, unless `versions` (the FHIR API's search, as `selection`)."""
    common = [COLUMNS.dossier_id == bindparam("dossier_id"), COLUMNS.deleted_at.is_(None)]
    if not versions:
        common.append(CURRENT)
    if shape.not_kept_from_parents:  # whoever wrote it (Visibility says why)
        common.append(COLUMNS.hidden_from_representatives.is_(False))
    if after:
        common.append(keyset(through))
    if period:
        common += in_period()
    shown = [] if shape.hidden_too else [COLUMNS.hidden.is_(False)]
    not_kept = COLUMNS.hidden_from_representatives.is_(False)

    def kept_too(name: str) -> list[ColumnElement[bool]]:  # `Visibility.kept_categories`, a range at a time
        return [] if shape.kept_categories is None or name in shape.kept_categories else [not_kept]

    ranges = [[*common, COLUMNS.category == bindparam(name), *shown, *kept_too(name)]
              for name in sorted(shape.categories or ())]
    if shape.author is not None:
        granted = COLUMNS.category.in_(bindparam("visible_categories", expanding=True))
        if shape.kept_categories is not None:  # a kept document of theirs no category range gives
            granted = and_(granted, or_(not_kept, COLUMNS.category.in_(
                bindparam("visible_kept_categories", expanding=True))))
        ranges.append([*common, COLUMNS.author_professional_id == bindparam("visible_author"),
                       not_(and_(granted, *shown))])
    return ranges


def by_ranges(shape: Visibility, category: bool) -> bool:
    """Whether `category_ranges` asks for this reader's documents: a reader of some categories or of their own, with no
    category chosen (a chosen one is one range of the category index already)."""
    return (shape.general and shape.categories is not None and not category
            and (bool(shape.categories) or shape.author is not None))


def first_of_ranges(ranges: list[list[ColumnElement[bool]]], limit: Any, offset: Any = 0) -> Any:
    """The ids of the page among the ranges: each range's first keys, from its index alone, then the page's
    among them (the documents' rows are read for those alone)."""
    keys = [select(*KEY).where(*where).order_by(*NEWEST_FIRST).limit(offset + limit).subquery() for where in ranges]
    seen = union_all(*(select(found) for found in keys)).subquery("seen")
    return (select(seen.c.id).order_by(*(seen.c[c.name].desc() for c in KEY)).offset(offset).limit(limit)
            .subquery("page"))


@cache
def page_statement(shape: Visibility, category: bool, after: bool, counted: bool = False,
                    through: bool = False, period: bool = False) -> Select:
    """With `counted`, each row also says how many documents the reader sees (`total`, capped): a subquery
    SQLite and PostgreSQL answer once, one statement where there were two. With `through`, the documents from
    the newest down to `after`'s document, it included, rather than those after it. With `period`, those dated
    within it alone."""
    # Columns, not the model: a page is only shown, and making 21 model instances cost SQLAlchemy more than
    # the query (rows answer `document.title` the same way).
    if by_ranges(shape, category):
        page = first_of_ranges(category_ranges(shape, after, through, period=period), bindparam("limit"))
        joined = TABLE.join(page, COLUMNS.id == page.c.id)
        if not counted:
            return select(*SHOWN).select_from(joined).order_by(*NEWEST_FIRST)
        # Joined to its count, not given it as a column: SQLite answered that column once a range (1.6 ms, not
        # 0.4, for a reader of six categories).
        count = count_statement(shape, category, period).subquery("counted")
        return select(*SHOWN, count.c.total).select_from(joined.join(count, true())).order_by(*NEWEST_FIRST)
    total = [count_statement(shape, category, period).scalar_subquery().label("total")] if counted else []
    where = current_selection(shape, category, period)
    if after:
        where.append(keyset(through))
    return select(*SHOWN, *total).where(*where).order_by(*NEWEST_FIRST).limit(bindparam("limit"))


@cache
def count_statement(shape: Visibility, category: bool, period: bool = False) -> Select:
    # In the page's order, so through the page's index (each range's, for a reader of some categories): rows
    # written in that order sit on a few pages of the table; unordered, SQLite picked the category index and read
    # 1,001 rows scattered over all of them (0.72 against 0.42 ms at 50,000 documents), and PostgreSQL a scan of
    # the table for a grant's ranges (4.2 against 0.9 ms, 20,000 documents in each of two dossiers).
    if by_ranges(shape, category):
        ids = [select(COLUMNS.id).where(*where).order_by(*NEWEST_FIRST).limit(COUNT_CAP + 1).subquery()
               for where in category_ranges(shape, after=False, period=period)]
        seen = union_all(*(select(found) for found in ids)).subquery("seen")
        capped = select(seen.c.id).limit(COUNT_CAP + 1).subquery()
    else:
        capped = (select(COLUMNS.id).where(*current_selection(shape, category, period)).order_by(*NEWEST_FIRST)
                  .limit(COUNT_CAP + 1).subquery())
    return select(func.count().label("total")).select_from(capped)


@cache
def search_statements(shape: Visibility, category: bool, dialect: str, words: int,
                       counted: bool) -> tuple[Select, Select]:
    """A search's page and count, built once per shape of reader, engine and number of words (the window's values
    as parameters). With `counted`, each row of the page also says the count (`total`): one statement, not two."""
    where = current_selection(shape, category)
    if dialect == "sqlite":
        # SQLite reads the window once, for the page and its count, and the page joins the table for the rest.
        found = search.window(dialect, where)
        count = select(func.count()).select_from(found)
        total = [count.scalar_subquery().label("total")] if counted else []
        page = (select(*SHOWN, *total).select_from(TABLE.join(found, COLUMNS.id == found.c.id))
                .order_by(search.title_hits(words).desc(), *NEWEST_FIRST))
    else:
        # PostgreSQL's plan cache gave a shared window a generic plan, twice as slow for one word
        # (bench/RESULTS.md): there the count has its own copy. The page's window carries what it shows.
        count = select(func.count()).select_from(search.window(dialect, where, name="matches"))
        total = [count.scalar_subquery().label("total")] if counted else []
        found = search.window(dialect, where, columns=[*SHOWN, COLUMNS.search_title])
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
    if not by_ranges(shape, bool(category)):
        return (select(Document).where(*selection(dossier_id, visible, category), *conditions)
                .order_by(*NEWEST_FIRST).offset(offset).limit(limit))
    page = first_of_ranges([[*where, *conditions] for where in category_ranges(shape, after=False, versions=True)], limit,
                            offset)
    return (select(Document).join(page, COLUMNS.id == page.c.id).order_by(*NEWEST_FIRST)
            .params(**reader_params(dossier_id, visible, category)))
