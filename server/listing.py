"""A dossier's documents as a reader sees them, a page at a time, asked of the database.

The rule (access.py) says, as a `Visibility`, which documents a reader sees; `visible_clause`
turns it into SQL, so a page costs what it shows, however big the dossier has grown: an index
on (dossier, date, added, id) gives the newest first, and the next page starts after the last
document shown (keyset), so documents added meanwhile never appear twice or push others out.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, and_, false, func, or_, true, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .access import Visibility
from .models import Document
from .search import matching, rank

COUNT_CAP = 1000  # "1 000 documents ou plus": counting further would cost what the dossier weighs
NEWEST_FIRST = (col(Document.event_date).desc(), col(Document.created_at).desc(), col(Document.id).desc())


def visible_clause(visible: Visibility) -> ColumnElement[bool]:
    """`Visibility.admits`, in SQL (deleted documents are left out by every query here)."""
    either: list[ColumnElement[bool]] = []
    if visible.author is not None:
        either.append(col(Document.author_professional_id) == visible.author)
    if visible.general:
        conditions: list[ColumnElement[bool]] = []
        if not visible.hidden_too:
            conditions.append(col(Document.hidden).is_(False))
        if visible.categories is not None:
            conditions.append(col(Document.category).in_(sorted(visible.categories)))
        if visible.not_kept_from_parents:
            conditions.append(col(Document.hidden_from_representatives).is_(False))
        either.append(and_(*conditions) if conditions else true())
    return or_(*either) if either else false()


def selection(dossier_id: str, visible: Visibility, category: str) -> list[ColumnElement[bool]]:
    """The documents of a dossier, not deleted, that this reader sees (of one category, if given)."""
    where = [col(Document.dossier_id) == dossier_id, col(Document.deleted_at).is_(None), visible_clause(visible)]
    if category:
        where.append(col(Document.category) == category)
    return where


async def documents_page(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                         after: Document | None = None, limit: int) -> list[Document]:
    """Up to `limit` documents this reader sees, newest first, after `after` (the last one of the page before)."""
    where = selection(dossier_id, visible, category)
    if after is not None:
        where.append(tuple_(col(Document.event_date), col(Document.created_at), col(Document.id))
                     < tuple_(after.event_date, after.created_at, after.id))
    rows = await session.exec(select(Document).where(*where).order_by(*NEWEST_FIRST).limit(limit))
    return list(rows.all())


async def search_page(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                      words: list[str], offset: int, limit: int) -> list[Document]:
    """Up to `limit` documents holding every word, the best matches first (then the newest), from `offset`:
    among the search's window of matches (search.WINDOW), which the query reads first."""
    found = matching(session, dossier_id, words)
    rows = await session.exec(select(Document).join(found, col(Document.id) == found.c.id)
                              .where(*selection(dossier_id, visible, category))
                              .order_by(rank(session, words).desc(), *NEWEST_FIRST).offset(offset).limit(limit))
    return list(rows.all())


async def count_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility, category: str = "",
                          found: Subquery | None = None) -> int:
    """How many documents this reader sees (among `found`, a search's matches), up to COUNT_CAP + 1
    (more is said as "1 000 ou plus")."""
    query = select(col(Document.id))
    if found is not None:
        query = query.join(found, col(Document.id) == found.c.id)
    else:
        # In the page's order, so through the page's index: rows written in that order sit on a few pages of the
        # table; unordered, SQLite picked the category index and read 1,001 rows scattered over all of them
        # (0.72 against 0.42 ms at 50,000 documents).
        query = query.order_by(*NEWEST_FIRST)
    capped = query.where(*selection(dossier_id, visible, category)).limit(COUNT_CAP + 1).subquery()
    return (await session.exec(select(func.count()).select_from(capped))).one()


async def all_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility) -> list[Document]:
    """Every document this reader sees (voir comme, the exports): its size is the dossier's, knowingly."""
    rows = await session.exec(select(Document).where(*selection(dossier_id, visible, "")).order_by(*NEWEST_FIRST))
    return list(rows.all())
