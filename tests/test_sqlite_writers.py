"""SQLite's writers in one process: each takes the write lock in turn, in the order it asked (server/db.py).

The lock itself is SQLite's (BEGIN IMMEDIATE), between processes as within one
(test_audit_chain.py's four processes); the turn is the queue in front of it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import server.db
from server.db import begin_write


@pytest.fixture
def sqlite_app(app, settings):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the write lock's queue is SQLite's; PostgreSQL locks rows")
    return app


async def test_writers_take_the_write_lock_in_the_order_they_asked(sqlite_app):
    maker = sqlite_app.state.sessionmaker
    order: list[int] = []

    async def writer(n: int) -> None:
        async with maker() as session:
            await begin_write(session)
            order.append(n)
            await session.execute(text("UPDATE chainhead SET seq = seq WHERE 0"))
            await session.commit()

    async with maker() as holder:
        await begin_write(holder)  # everyone below waits for this one
        tasks = []
        for n in range(6):
            tasks.append(asyncio.create_task(writer(n)))
            await asyncio.sleep(0.05)  # asked in this order
        await holder.commit()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    assert order == list(range(6))


async def test_a_writer_that_would_wait_for_itself_fails_as_on_sqlite_alone(sqlite_app, monkeypatch):
    monkeypatch.setattr(server.db, "BUSY_TIMEOUT_S", 0.3)
    maker = sqlite_app.state.sessionmaker
    async with maker() as first, maker() as second:
        await begin_write(first)
        with pytest.raises(OperationalError, match="database is locked"):
            await asyncio.wait_for(begin_write(second), timeout=10)
        await first.commit()
        await begin_write(second)  # the turn was given back: the next writer gets it at once
        await second.commit()
