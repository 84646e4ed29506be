"""SQLite's side of the engine: what each connection sets, and aiosqlite's connection made to run on the event
loop what never waits for a lock, and to give this process's writers SQLite's write lock in turn."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Sized
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .writes import _WRITE_WAIT

# How long a writer waits for the write lock, its turn at it included, before it fails as busy (errors.is_busy).
BUSY_TIMEOUT_S = 10


def sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False,
                                                    "async_creator_fn": _connect_sqlite}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so that BEGIN is ours to emit
        # (the SQLAlchemy recipe for SQLite): writers that must serialise use
        # BEGIN IMMEDIATE, and a deferred BEGIN would fail at once with SQLITE_BUSY.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Each COMMIT waits for the WAL to reach the disk: with NORMAL, a power cut could take back the last events of
        # the access log after their reads had gone out (non-negotiable 3), and a document's row after its sender was
        # told it was stored, whose bytes files/store.py does fsync. ~0.15 ms a commit here (bench/RESULTS.md).
        cursor.execute("PRAGMA synchronous=FULL")
        # What a deletion frees is overwritten with zeros, not left in the page or on the free list until reused: a
        # deleted document's text leaves the file with it (the WAL's older frames: search.erase_deleted_words).
        # Debian's SQLite is built so; others are not.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class _ReadsOnTheLoop(aiosqlite.Connection):
    """aiosqlite, but what cannot wait on a lock runs on the event loop instead of its thread, and this
    process's writers take SQLite's write lock in turn.

    aiosqlite hands every call (cursor, execute, fetch, close) to its own thread and back: four hops
    of a few tens of microseconds each per statement, which cost a timeline page as much as its
    Python work (bench/RESULTS.md, "Flat at any size"). In WAL mode a SELECT, a deferred BEGIN, a
    fetch or a rollback never waits for another connection, so they run here; so does each single write
    of a transaction that began IMMEDIATE, which holds the write lock already. What may wait (BEGIN
    IMMEDIATE for the lock, a write in a deferred transaction, COMMIT, which may checkpoint the WAL)
    still goes to the thread, so that a writer waiting its turn never blocks the loop (nor the writer
    it waits for, in this process).

    The turn (`_WriteTurns`) is not the log's lock: BEGIN IMMEDIATE is, between processes as within
    one. It is a queue in front of it. Sixteen writers of one process all asking SQLite at once wait
    in its busy handler, which sleeps and retries (up to 100 ms a sleep) and lets whoever asks at the
    right moment go first: a professional's read had a p99 of 1.5 s at 16 connections. In turn, first
    come first served, each asks SQLite when the one before has committed.
    """

    _turn: asyncio.Lock | None = None  # held from BEGIN IMMEDIATE to COMMIT or ROLLBACK
    _database = ""
    # Calls handed to the connection's thread, counted here, and those it has finished, counted there: the loop uses
    # the connection itself only when they are equal. A task cancelled while the thread ran its call (a BEGIN
    # IMMEDIATE waiting for the lock, a COMMIT) leaves that call running: the pool's rollback or close that follows
    # ran here at the same time, on the same sqlite3 connection, which crashed a test process (a segfault in CI's
    # command, 2026-12-07), or rolled back before the BEGIN it was meant to undo, leaving the lock held.
    _submitted = 0
    _finished = 0

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__name__", "")
        statement = args[0].lstrip()[:16].upper() if args and isinstance(args[0], str) else ""
        rows = len(args[1]) if name == "executemany" and len(args) > 1 and isinstance(args[1], Sized) else None
        if _never_waits(name, statement, self._turn is not None, rows) and self._idle():
            if not self._running or not self._connection:
                raise ValueError("Connection closed")
            try:
                return fn(*args, **kwargs)
            finally:
                if name == "rollback":
                    self._end_turn()
        wait = _WRITE_WAIT.get() if statement.startswith("BEGIN IMMEDIATE") else None
        if statement.startswith("BEGIN IMMEDIATE"):
            self._turn = await _TURNS.take(self._database, BUSY_TIMEOUT_S if wait is None else wait)
        if wait is not None:  # and as little for another process's writer, in SQLite's own busy handler
            self._set(f"PRAGMA busy_timeout={int(wait * 1000)}")
        try:
            return await super()._execute(self._counted(fn, *args, **kwargs))
        except BaseException:
            if statement.startswith("BEGIN IMMEDIATE"):
                self._end_turn()
            raise
        finally:
            if wait is not None:
                self._set(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if name in ("commit", "rollback") or statement.startswith(("COMMIT", "ROLLBACK", "END")):
                self._end_turn()

    def _idle(self) -> bool:
        """Whether the connection's thread has finished every call handed to it (none runs there now)."""
        return self._submitted == self._finished

    def _counted(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn`, to run on the connection's thread, counted as finished there whatever it does."""
        self._submitted += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._finished += 1  # this thread's counter alone: no other thread writes it

        run.__name__ = getattr(fn, "__name__", run.__name__)  # what it runs, as aiosqlite's debug log names it
        return run

    def _set(self, pragma: str) -> None:
        """A setting, here if the thread is idle, else after what it runs (nobody waits for it)."""
        if self._idle():
            self._conn.execute(pragma)
        else:
            self._tx.put_nowait((None, self._counted(self._conn.execute, pragma)))

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()


class _WriteTurns:
    """One FIFO queue per database file and event loop (asyncio's Lock wakes its waiters in order)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
            weakref.WeakKeyDictionary())

    async def take(self, database: str, timeout: float) -> asyncio.Lock:
        lock = self._locks.setdefault(asyncio.get_running_loop(), {}).setdefault(database, asyncio.Lock())
        if not lock.locked():
            await lock.acquire()  # free: taken at once, without a timer
            return lock
        try:
            # As long as SQLite's own busy timeout: a turn never waited for forever (a writer that would wait
            # for itself fails as it would on SQLite alone).
            async with asyncio.timeout(timeout):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        return lock


_TURNS = _WriteTurns()


_ON_THE_LOOP = frozenset({"cursor", "close", "fetchone", "fetchmany", "fetchall", "rollback"})
_WRITES = ("INSERT", "UPDATE", "DELETE")
# The rows of a write batch (executemany) that run on the loop, under the write lock: about a millisecond. The
# hops there and back to the thread cost the lock's holder more, each waiting for the loop to be free of the
# request it runs (the integrator's round of one second's leaves and nodes, bench/RESULTS.md, "The integrator's
# write lock"). A longer batch would hold the loop for its whole length: it goes to the thread.
SHORT_BATCH = 500


def _never_waits(name: str, statement: str, holds_write_lock: bool, rows: int | None = None) -> bool:
    if name in _ON_THE_LOOP:
        return True
    if name == "executemany":
        return holds_write_lock and statement.startswith(_WRITES) and rows is not None and rows <= SHORT_BATCH
    if name != "execute" or not statement:
        return False
    return (statement.startswith("SELECT") or statement.rstrip() == "BEGIN"
            or (holds_write_lock and statement.startswith(_WRITES)))


def _connect_sqlite(database: str, **kwargs: Any) -> aiosqlite.Connection:
    connection = _ReadsOnTheLoop(lambda: sqlite3.connect(database, **kwargs), iter_chunk_size=64)
    connection._database = database
    connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite connect does
    return connection
