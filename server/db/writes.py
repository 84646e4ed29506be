"""Write transactions, on either engine: begun to write after reading (`begin_write`), waiting at most so long for a
lock (`waiting_at_most`), and the bookkeeping a page that only reads does unless the database is busy
(`unless_busy`)."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from .errors import is_busy

# How long a page that only reads waits for the write lock for its bookkeeping (`unless_busy`): not a burst of
# writers' whole length, a busy timeout of seconds; what it does not do, the next request does.
BOOKKEEPING_WAIT_S = 0.25
# Set by `waiting_at_most`: how long the write transactions of this context wait for a lock (None: as long as usual);
# read by `begin_write` on PostgreSQL, by SQLite's connection (sqlite.py) at BEGIN IMMEDIATE.
_WRITE_WAIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("carnet_write_wait", default=None)


async def begin_write(session: AsyncSession) -> None:
    """Start a transaction that will write after reading.

    On SQLite a deferred transaction that reads and then writes fails at once with
    SQLITE_BUSY when another connection wrote in between (WAL snapshots cannot be
    upgraded; the busy timeout does not help), so writers begin with BEGIN IMMEDIATE and
    wait their turn instead. On PostgreSQL this is an ordinary BEGIN. Within `waiting_at_most`, the wait for a lock
    is bounded on both.
    """
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options={"sqlite_immediate": True})
    if (wait := _WRITE_WAIT.get()) is not None and session.bind.dialect.name == "postgresql":
        await session.exec(text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))


@contextmanager
def waiting_at_most(seconds: float) -> Iterator[None]:
    """The write transactions begun within (`begin_write`) wait this long for a lock, not the busy timeout (SQLite) or
    as long as it is held (PostgreSQL, which has no timeout by default); then fail as busy (`is_busy`)."""
    waiting = _WRITE_WAIT.set(seconds)
    try:
        yield
    finally:
        _WRITE_WAIT.reset(waiting)


async def unless_busy(session: AsyncSession, write: Callable[[], Awaitable[object]]) -> bool:
    """Bookkeeping a page that only reads does on the way (a session seen, a visit marked): `write` in a write
    transaction of its own, committed; False, rolled back, if the database stayed busy past its timeout (`is_busy`).
    A burst of writers must not fail a page that only reads, nor hold it up longer than BOOKKEEPING_WAIT_S; the
    next request does it."""
    with waiting_at_most(BOOKKEEPING_WAIT_S):
        try:
            await begin_write(session)
            await write()
            await session.commit()
            return True
        except DBAPIError as exc:
            if not is_busy(exc):
                raise
            await session.rollback()
            return False
