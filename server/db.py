"""The database engine: the only place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sized
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aiosqlite
from sqlalchemy import ColumnElement, Insert, String, Table, event, func, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel.ext.asyncio.session import AsyncSession

from .db_errors import is_busy


def make_engine(url: str, **kwargs) -> AsyncEngine:
    # A statement's values never reach an error's text, which is logged: they may be health data (a title, a name).
    kwargs.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        # A COMMIT returns once its WAL is flushed, whatever the server's default says (the log's events, see below).
        durable = {"server_settings": {"synchronous_commit": "on"}}
        return create_async_engine(url, pool_pre_ping=True, connect_args=durable, **kwargs)
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

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__name__", "")
        statement = args[0].lstrip()[:16].upper() if args and isinstance(args[0], str) else ""
        rows = len(args[1]) if name == "executemany" and len(args) > 1 and isinstance(args[1], Sized) else None
        if _never_waits(name, statement, self._turn is not None, rows):
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
            self._conn.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
        try:
            return await super()._execute(fn, *args, **kwargs)
        except BaseException:
            if statement.startswith("BEGIN IMMEDIATE"):
                self._end_turn()
            raise
        finally:
            if wait is not None:
                self._conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if name in ("commit", "rollback") or statement.startswith(("COMMIT", "ROLLBACK", "END")):
                self._end_turn()

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
BUSY_TIMEOUT_S = 10
# How long a page that only reads waits for the write lock for its bookkeeping (`unless_busy`): not a burst of
# writers' whole length, a busy timeout of seconds; what it does not do, the next request does.
BOOKKEEPING_WAIT_S = 0.25
# Set by `waiting_at_most`: how long the write transactions of this context wait for a lock (None: as long as usual).
_WRITE_WAIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("carnet_write_wait", default=None)


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


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def hold_loaded_rows(session: AsyncSession) -> None:
    """Keep every row this session loads until it closes (SQLAlchemy's "strong reference" recipe).

    The identity map holds rows weakly: a patient read to check a right, then dropped, was read again by
    the band that names her, and again by the next question (three times on a Historique page). For a
    request's session, short-lived, holding them makes each row one query per request. Not for long
    sessions that read much (the CLI's audit verify): they would hold everything they read.
    The listeners are the Session class's, registered once: per session, six of them cost a trivial
    page as much as its query (bench/RESULTS.md).
    """
    session.sync_session.info[_HELD] = {}


_HELD = "carnet.held_rows"
# The professional signed in, on the request's database session (`info`), as loaded with the web session
# (sessions.load_session): who a professional's reads are logged as, and the author of what they wrote, asked once.
SIGNED_IN_PROFESSIONAL = "carnet.signed_in_professional"
# A patient's account signed in, and the passkey its web session was opened with, on the request's database session
# (sessions.load_session): her own events in her dossier's log say which of her keys acted (accesslog/right_words.py).
SIGNED_IN_WITH = "carnet.signed_in_with"
# The account signed in, on the request's database session, when it helps with no dossier (no delegation of it
# but revoked ones), as asked with the web session: the band of each page of a dossier then asks nothing
# more (caregivers/dossiers.py). Forgotten at the session's first commit (`_forget_at_commit`): from then on, the
# band asks, as a delegation this request wrote may have made it a caregiver.
HELPS_NO_ONE = "carnet.helps_no_one"


@event.listens_for(Session, "after_commit")
def _forget_at_commit(session: Session) -> None:
    session.info.pop(HELPS_NO_ONE, None)


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "pending_to_persistent")
@event.listens_for(Session, "detached_to_persistent")
def _hold(session: Session, instance: object) -> None:
    held = session.info.get(_HELD)
    if held is not None:
        held[id(instance)] = instance


@event.listens_for(Session, "persistent_to_detached")
@event.listens_for(Session, "persistent_to_deleted")
@event.listens_for(Session, "persistent_to_transient")
def _release(session: Session, instance: object) -> None:
    held = session.info.get(_HELD)
    if held is not None:
        held.pop(id(instance), None)


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session


@functools.cache
def upsert(dialect: str, table: Table, keys: tuple[str, ...], *, kept: tuple[str, ...] = (),
           updated: tuple[tuple[str, ColumnElement], ...] = ()) -> Insert:
    """INSERT … ON CONFLICT (keys) DO UPDATE the other columns, in this dialect (both speak it); those `kept` only
    while they are NULL (a value once had stays); each of `updated` (a column's name, an expression) to an expression
    of the row as it was (both engines read the old row's columns in it). The caller builds it once."""
    insert = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    expressions = dict(updated)
    return insert.on_conflict_do_update(index_elements=list(keys), set_={
        c.name: expressions[c.name] if c.name in expressions
        else func.coalesce(c, insert.excluded[c.name]) if c.name in kept else insert.excluded[c.name]
        for c in table.c if c.name not in keys})


class first_line(FunctionElement):  # noqa: N801  (read as the SQL function it stands for)
    """A text's first line, in SQL: an event's detail without the line on its right or its key that
    accesslog/right_words.py writes after it. SQLite has no split_part, PostgreSQL no instr."""

    type = String()
    inherit_cache = True


@compiles(first_line, "sqlite")
def _first_line_sqlite(element: first_line, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"substr({value}, 1, instr({value} || char(10), char(10)) - 1)"


@compiles(first_line, "postgresql")
def _first_line_postgresql(element: first_line, compiler: Any, **kw: Any) -> str:
    return f"split_part({compiler.process(element.clauses, **kw)}, chr(10), 1)"


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
