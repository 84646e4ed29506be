"""The database engine: the only place that knows SQLite from PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def make_engine(url: str, **kwargs) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(url, connect_args={"timeout": 10}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so that BEGIN is ours to emit
        # (the SQLAlchemy recipe for SQLite): writers that must serialise use
        # BEGIN IMMEDIATE, and a deferred BEGIN would fail at once with SQLITE_BUSY.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session


async def begin_write(session: AsyncSession) -> None:
    """Start a transaction that will write after reading.

    On SQLite a deferred transaction that reads and then writes fails at once with
    SQLITE_BUSY when another connection wrote in between (WAL snapshots cannot be
    upgraded; the busy timeout does not help), so writers begin with BEGIN IMMEDIATE and
    wait their turn instead. On PostgreSQL this is an ordinary BEGIN.
    """
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options={"sqlite_immediate": True})
