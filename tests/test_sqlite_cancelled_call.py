"""A task cancelled while its connection's thread still runs its call (a BEGIN IMMEDIATE waiting for another
process's write lock) leaves that call running there: what the connection is asked next (the pool's rollback, its
close) waits for it, on that thread, instead of running on the event loop at the same time on the same sqlite3
connection. At the same time, a test process crashed in CI's command (a segfault, 2026-12-07); a rollback that ran
first left the BEGIN to take the lock after it, and hold it with nobody to release it."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import suppress

from server.db.sqlite import _connect_sqlite


async def test_a_rollback_after_a_cancelled_begin_waits_for_it_and_leaves_no_transaction(tmp_path):
    path = str(tmp_path / "carnet.sqlite3")
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer, holding the lock
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")
    connection = await _connect_sqlite(path, timeout=10, check_same_thread=False)
    connection._conn.isolation_level = None  # as the engine sets it (sqlite.py: BEGIN is ours to emit)
    try:
        waiting = asyncio.create_task(connection.execute("BEGIN IMMEDIATE"))
        await asyncio.sleep(0.3)  # in SQLite's busy handler, on the connection's thread
        waiting.cancel()
        with suppress(asyncio.CancelledError):
            await waiting
        rolled_back = asyncio.create_task(connection.rollback())
        await asyncio.sleep(0.3)
        assert not rolled_back.done()  # behind the BEGIN, which still waits for the lock
        other.execute("COMMIT")  # the lock is free: the BEGIN takes it, then the rollback ends that transaction
        await asyncio.wait_for(rolled_back, 5)
        assert not connection._conn.in_transaction
        other.execute("BEGIN IMMEDIATE")  # nobody holds the lock now
        other.execute("COMMIT")
    finally:
        await connection.close()
        other.close()
