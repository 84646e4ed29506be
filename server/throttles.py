"""Attempt throttling: failures counted per key (an account, a client address, a code), and a lock, longer each time,
once a key has failed too often. What a key stands for is its caller's (views/attempts.py for the forms)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from .db import begin_write
from .i18n import ngettext
from .models import Throttle, utcnow

MAX_LOCK = timedelta(hours=24)
FORGIVEN_AFTER = timedelta(days=1)  # a client that stayed quiet this long after its last lock starts afresh


class TooManyAttempts(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until

    @property
    def french(self) -> str:
        """"Réessayez dans 15 minutes", in words a person can act on, in the request's language."""
        minutes = max(1, math.ceil((self.until - utcnow()).total_seconds() / 60))
        if minutes < 90:
            return ngettext("Réessayez dans %(num)d minute.", "Réessayez dans %(num)d minutes.", minutes)
        return ngettext("Réessayez dans %(num)d heure.", "Réessayez dans %(num)d heures.", round(minutes / 60))


def escalated(lock: timedelta, lockouts: int) -> timedelta:
    """The n-th lock in a row lasts four times the one before: 15 min, 1 h, 4 h, 16 h, then a day."""
    return min(lock * 4 ** max(lockouts - 1, 0), MAX_LOCK)


async def check_throttle(session: AsyncSession, *, key: str) -> None:
    row = await session.get(Throttle, key)
    if row and row.locked_until and row.locked_until > utcnow():
        raise TooManyAttempts(row.locked_until)


async def record_failure(session: AsyncSession, *, key: str, limit: int, lock: timedelta) -> None:
    """One more failure for `key`; the `limit`-th in a window earns a lock, longer each time."""
    await begin_write(session)
    now = utcnow()
    row = await session.get(Throttle, key)
    if row is None:
        row = Throttle(key=key, window_started_at=now)
    elif row.locked_until and now - row.locked_until > FORGIVEN_AFTER:
        row.lockouts, row.locked_until = 0, None
    if now - row.window_started_at > lock:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.lockouts += 1
        row.locked_until = now + escalated(lock, row.lockouts)
        row.failures, row.window_started_at = 0, now
    session.add(row)
    await session.commit()


async def clear_throttle(session: AsyncSession, *, key: str) -> None:
    await session.exec(delete(Throttle).where(Throttle.key == key))  # type: ignore[call-overload]
