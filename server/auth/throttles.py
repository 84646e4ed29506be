"""Attempt throttling: failures counted per key (an account, a client address, a code), and a lock, longer each time,
once a key has failed too often. What a key stands for is its caller's (views/attempts.py for the forms)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write
from ..i18n import _, ngettext
from ..models import Throttle, utcnow

MAX_LOCK = timedelta(hours=24)
FORGIVEN_AFTER = timedelta(days=1)  # a client that stayed quiet this long after its last lock starts afresh


class TooManyAttempts(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until

    @property
    def french(self) -> str:
        """"Réessayez dans 15 minutes", "dans 1 heure", "dans 3 heures et 50 minutes": as a person says a wait (not
        "60 minutes"), never shorter than it is (a lock's 2 h 30 said "2 heures"), in the request's language."""
        minutes = max(1, math.ceil((self.until - utcnow()).total_seconds() / 60))
        if minutes < 60:
            return ngettext("Réessayez dans %(num)d minute.", "Réessayez dans %(num)d minutes.", minutes)
        hours, minutes = divmod(minutes, 60)
        if not minutes:
            return ngettext("Réessayez dans %(num)d heure.", "Réessayez dans %(num)d heures.", hours)
        return _("Réessayez dans %(hours)s et %(minutes)s.",
                 hours=ngettext("%(num)d heure", "%(num)d heures", hours),
                 minutes=ngettext("%(num)d minute", "%(num)d minutes", minutes))


def escalated(lock: timedelta, lockouts: int) -> timedelta:
    """The n-th lock in a row lasts four times the one before: 15 min, 1 h, 4 h, 16 h, then a day."""
    return min(lock * 4 ** max(lockouts - 1, 0), MAX_LOCK)


@dataclass(frozen=True)
class Attempt:
    """An attempt counted as a failure of each of its keys before its answer is known (`take_attempt`): a wrong one
    stays counted, a right one is given back (`give_back`). Each key with its limit, and whether this count paused it."""

    keys: tuple[tuple[str, int, bool], ...]
    lock: timedelta


async def take_attempt(session: AsyncSession, counted: Sequence[tuple[str, int]], *, lock: timedelta) -> Attempt:
    """Refuse an attempt while any of its keys is paused (TooManyAttempts); else count it as a failure of each, the
    `limit`-th in a window earning a pause, longer each time.

    Counted before its answer is known, under the write lock, in one transaction: attempts sent all at once are
    counted one after the other, so a burst gets no more tries than a sequence would (checked first and counted
    after, each of a burst was checked before any had failed)."""
    await begin_write(session)
    now = utcnow()
    rows = [await _row_to_count(session, key, now) for key, _limit in counted]
    for row in rows:
        if row.locked_until and row.locked_until > now:
            until = row.locked_until
            await session.rollback()
            raise TooManyAttempts(until)
    keys = tuple((row.key, limit, _count(row, limit=limit, lock=lock, now=now)) for row, (_key, limit) in zip(rows, counted))
    await session.commit()
    return Attempt(keys, lock)


async def give_back(session: AsyncSession, attempt: Attempt) -> None:
    """Take back an attempt that was right, or not an attempt at all (a field left empty): it fails nothing, and
    lifts the pause its count earned."""
    await begin_write(session)
    now = utcnow()
    for key, limit, paused_it in attempt.keys:
        row = await _row_to_count(session, key, now)
        if paused_it:
            row.lockouts, row.locked_until, row.failures = max(row.lockouts - 1, 0), None, limit - 1
        else:
            row.failures = max(row.failures - 1, 0)
    await session.commit()


async def _row_to_count(session: AsyncSession, key: str, now: datetime) -> Throttle:
    """The key's row, made if new, locked until the transaction ends (PostgreSQL; SQLite's write lock is the
    database's): two first attempts at once make one row, not a duplicate key."""
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)(Throttle)
    await session.exec(insert.values(key=key, window_started_at=now, failures=0, lockouts=0)  # type: ignore[call-overload]
                       .on_conflict_do_nothing())
    query = select(Throttle).where(Throttle.key == key).with_for_update().execution_options(populate_existing=True)
    return (await session.exec(query)).one()


def _count(row: Throttle, *, limit: int, lock: timedelta, now: datetime) -> bool:
    """One more failure on `row`; whether it earned a pause."""
    if row.locked_until and now - row.locked_until > FORGIVEN_AFTER:
        row.lockouts, row.locked_until = 0, None
    if now - row.window_started_at > lock:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures < limit:
        return False
    row.lockouts += 1
    row.locked_until = now + escalated(lock, row.lockouts)
    row.failures, row.window_started_at = 0, now
    return True


async def clear_throttle(session: AsyncSession, *, key: str) -> None:
    await session.exec(delete(Throttle).where(Throttle.key == key))  # type: ignore[call-overload]
