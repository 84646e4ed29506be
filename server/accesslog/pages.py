"""Pages of a dossier's access log: the Historique's, newest first by event number, and the exports' whole lists.

An unfiltered page is the keyset alone (its events, numbered below where it starts); a page with filters, or one a
minor's parent reads, reads a window of the log (WINDOW events at most), so that no page costs what the log weighs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AccessEvent, LogProfessional
from ..tlog.store import TlogLeaf
from .queries import PERIODS, LogFilters


async def log_events(session: AsyncSession, *, dossier_id: str, filters: LogFilters, now: datetime,
                     before: int | None = None, limit: int | None = None,
                     visible: ColumnElement[bool] | None = None, leaves: bool = False,
                     since: int | None = None) -> list[AccessEvent]:
    """The dossier's events that pass the filters (and `visible`: what this reader may see), newest first:
    by sequence, never by timestamp; below `before`, and from `since` on, where given. The exports read a list
    whole; the Historique's pages are `log_page`'s and `loaded_log`'s. With `leaves`, an unfiltered page's events
    come with their leaves in the transparency log (proofs.py)."""
    if not filters.active and (visible is None or visible is true()) and limit is not None:
        # The Historique as most open it (unfiltered, anyone but a minor's parents): built once (listing says why).
        params = {"dossier_id": dossier_id, "before": before, "since": since, "limit": limit}
        statement = _unfiltered_events(before is not None, leaves, since is not None)
        return list((await session.exec(statement, params=params)).all())
    query = select(AccessEvent).where(AccessEvent.dossier_id == dossier_id, *filters.clauses(now=now),
                                      visible if visible is not None else true())
    if before is not None:
        query = query.where(AccessEvent.seq < before)
    if since is not None:
        query = query.where(AccessEvent.seq >= since)
    query = query.order_by(AccessEvent.seq.desc())  # type: ignore[attr-defined]
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


# How many of the log's events a filtered page reads back from where it starts, however few of them match: a rare
# kind, a professional seen once or a quiet period walked the log to its first event on every page and every next
# one (11.5 ms at 20,000 events, 60 ms at 100,000). Five thousand rows of the (dossier_id, seq) index
# cost about 3 ms at that rate, half an unfiltered page; a log that short (years of a busy patient's care) is
# still read in one window, and a longer one goes on from the window's end when the reader asks.
WINDOW = 5_000
RPPS = re.compile(r"[0-9]{11}")  # never an account id (32 hex): the filter finds it in `actor_rpps` alone


@dataclass(frozen=True)
class LogPage:
    """A page of the Historique's list, newest first, and where the next one starts."""

    events: list[AccessEvent]
    next_before: int | None  # the next page's `avant`; None: nothing older belongs to the list
    read_to_first: bool  # the list was read down to the dossier's first event (none older is left unread)
    window_ended: bool = False  # fewer than a page matched in the events read: the next page reads on below them


async def log_page(session: AsyncSession, *, dossier_id: str, filters: LogFilters, now: datetime, head: int,
                   before: int | None, size: int, visible: ColumnElement[bool] | None = None,
                   leaves: bool = False) -> LogPage:
    """`size` events of the list from `before` (else from `head`, the chain's head read first), newest first; a list
    that is not the whole log reads at most WINDOW of its events back, so no page costs what the log weighs."""
    if not filters.active and (visible is None or visible is true()):  # the keyset alone: every event is the list's
        events = await log_events(session, dossier_id=dossier_id, filters=filters, now=now, before=before,
                                  limit=size + 1, visible=visible, leaves=leaves)
        more = len(events) > size
        return LogPage(events[:size], events[size - 1].seq if more else None, read_to_first=not more)
    start = before if before is not None else head + 1  # the page reads the events numbered below `start`
    if RPPS.fullmatch(filters.professional_key):
        # None of theirs is newer than their latest event (theirs, or one about them: subjects.py), kept in the
        # log's list of professionals as events are appended (audit.py); one who has no row has no event in this log.
        last = (await session.exec(_professional_last_seq(), params={"dossier_id": dossier_id,
                                                                     "key": filters.professional_key})).first()
        start = min(start, (last or 0) + 1)
    floor = max(start - WINDOW, 1)
    ends = floor == 1
    if filters.period:
        # Events are appended in time order under the chain's lock: below the newest one older than the period,
        # none is in it. Found walking back from `start`, it stops at once in a quiet period.
        older = (await session.exec(_newest_before(), params={
            "dossier_id": dossier_id, "start": start, "floor": floor,
            "cutoff": now - timedelta(days=PERIODS[filters.period][1])})).first()
        if older is not None:
            floor, ends = older + 1, True
    query = select(AccessEvent).where(
        AccessEvent.dossier_id == dossier_id, AccessEvent.seq >= floor, AccessEvent.seq < start,
        *filters.clauses(now=now), visible if visible is not None else true(),
    ).order_by(AccessEvent.seq.desc()).limit(size + 1)  # type: ignore[attr-defined]
    events = list((await session.exec(query)).all())
    if len(events) > size:
        return LogPage(events[:size], events[size - 1].seq, read_to_first=False)
    if ends:
        return LogPage(events, None, read_to_first=floor == 1)
    return LogPage(events, floor, read_to_first=False, window_ended=True)


async def loaded_log(session: AsyncSession, *, dossier_id: str, filters: LogFilters, now: datetime, head: int,
                     before: int, size: int, cap: int, visible: ColumnElement[bool] | None = None,
                     leaves: bool = False) -> LogPage | None:
    """The list as a reader had loaded it, down through the page from `before` ("Événements plus anciens" names it,
    and the page's address then does, views/log.py): its events from the newest, then that page. None when that is
    more than `cap` events, or more than a window of the log below its head to read: the page starts at `before`."""
    if head + 1 - before > WINDOW:
        return None
    room = cap - size
    above = await log_events(session, dossier_id=dossier_id, filters=filters, now=now, since=before,
                             limit=room + 1, visible=visible, leaves=leaves)
    if len(above) > room:
        return None
    page = await log_page(session, dossier_id=dossier_id, filters=filters, now=now, head=head, before=before,
                          size=size, visible=visible, leaves=leaves)
    return replace(page, events=[*above, *page.events])


@cache
def _professional_last_seq() -> Select:
    professionals = LogProfessional.__table__.c  # type: ignore[attr-defined]
    return select(professionals.last_seq).where(professionals.dossier_id == bindparam("dossier_id"),
                                                professionals.key == bindparam("key"))


@cache
def _newest_before() -> Select:
    """The newest event of the window [floor, start) older than `cutoff`, if any."""
    events = AccessEvent.__table__.c  # type: ignore[attr-defined]
    return select(events.seq).where(
        events.dossier_id == bindparam("dossier_id"), events.seq >= bindparam("floor"),
        events.seq < bindparam("start"), events.at < bindparam("cutoff"),
    ).order_by(events.seq.desc()).limit(1)


@cache
def _unfiltered_events(before: bool, leaves: bool, since: bool = False) -> Select:
    # The table's columns, not the model: a page of events is only shown, and 21 model instances cost SQLAlchemy
    # as much again as the query (rows answer `event.action` the same way).
    events = AccessEvent.__table__.c  # type: ignore[attr-defined]
    query = select(*events).where(events.dossier_id == bindparam("dossier_id"))
    if leaves:  # each event's leaf, once the integrator made it one: what the page's proofs need, in this question
        leaf = TlogLeaf.__table__  # type: ignore[attr-defined]
        query = query.add_columns(leaf.c.leaf_index, leaf.c.salt).outerjoin(leaf, leaf.c.event_id == events.id)
    if before:
        query = query.where(events.seq < bindparam("before"))
    if since:
        query = query.where(events.seq >= bindparam("since"))
    return query.order_by(events.seq.desc()).limit(bindparam("limit"))


async def event_at(session: AsyncSession, *, dossier_id: str, seq: int,
                   where: tuple[ColumnElement[bool], ...] = ()) -> datetime | None:
    """When event `seq` happened, if it passes `where` (a list's filters: whether the list shows it)."""
    return (await session.exec(
        select(AccessEvent.at).where(AccessEvent.dossier_id == dossier_id, AccessEvent.seq == seq, *where)
    )).first()
