"""SQLite's writers in one process: each takes the write lock in turn, in the order it asked (server/db/sqlite.py).

The lock itself is SQLite's (BEGIN IMMEDIATE), between processes as within one
(test_audit_chain.py's four processes); the turn is the queue in front of it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server.db import begin_write, sqlite


@pytest.fixture
def sqlite_app(app, settings):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the write lock's queue is SQLite's; PostgreSQL locks rows")
    return app


async def test_writers_take_the_write_lock_in_the_order_they_asked(sqlite_app, monkeypatch):
    maker = sqlite_app.state.sessionmaker
    order: list[int] = []
    asked = 0
    take = sqlite._TURNS.take

    async def counted(database: str, timeout: float):
        nonlocal asked
        asked += 1  # counted as it joins the queue: `take` awaits nothing before the lock's acquire() queues it
        return await take(database, timeout)

    monkeypatch.setattr(sqlite._TURNS, "take", counted)

    async def writer(n: int) -> None:
        async with maker() as session:
            await begin_write(session)
            order.append(n)
            await session.exec(text("UPDATE chainhead SET seq = seq WHERE 0"))
            await session.commit()

    async with maker() as holder:
        await begin_write(holder)  # everyone below waits for this one
        tasks = []
        async with asyncio.timeout(30):
            for n in range(6):
                tasks.append(asyncio.create_task(writer(n)))
                # Asked in this order: the next one starts once this one is in the queue (behind the holder). A
                # pause of 200 ms here was its time to open a connection, which a loaded machine can exceed.
                while asked < n + 2:
                    await asyncio.sleep(0.01)
        await holder.commit()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    assert order == list(range(6))


async def test_a_writer_that_would_wait_for_itself_fails_as_on_sqlite_alone(sqlite_app, monkeypatch):
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_S", 0.3)
    maker = sqlite_app.state.sessionmaker
    async with maker() as first, maker() as second:
        await begin_write(first)
        with pytest.raises(OperationalError, match="database is locked"):
            await asyncio.wait_for(begin_write(second), timeout=10)
        await first.commit()
        await begin_write(second)  # the turn was given back: the next writer gets it at once
        await second.commit()


async def test_a_short_write_batch_under_the_write_lock_runs_on_the_loop_a_long_one_in_the_thread(sqlite_app,
                                                                                                  monkeypatch):
    """Two hops to aiosqlite's thread and back cost the lock's holder more than a short batch does (each waits for
    the loop): up to SHORT_BATCH rows run on the loop, a longer batch, or one without the lock, in the thread."""
    import aiosqlite

    to_the_thread: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        to_the_thread.append(getattr(fn, "__name__", ""))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with sqlite_app.state.sessionmaker() as session:
        await session.exec(text("CREATE TABLE batch (n INTEGER)"))
        await session.commit()
        insert = text("INSERT INTO batch (n) VALUES (:n)")
        for rows, locked in ((sqlite.SHORT_BATCH, True), (sqlite.SHORT_BATCH + 1, True), (3, False)):
            if locked:
                await begin_write(session)
            to_the_thread.clear()
            await session.exec(insert, params=[{"n": n} for n in range(rows)])
            assert ("executemany" in to_the_thread) == (rows > sqlite.SHORT_BATCH or not locked), (rows, locked)
            await session.commit()
        assert (await session.exec(text("SELECT count(*) FROM batch"))).scalar() == 2 * sqlite.SHORT_BATCH + 4
