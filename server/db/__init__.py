"""The database, the only place that knows SQLite from PostgreSQL: the engine and a request's session (here),
SQLite's connection and its writers' turns (sqlite.py), write transactions (writes.py), SQL both engines speak
(sql.py), DATABASE_URL's libpq options as asyncpg's (postgres.py), and what an error says: busy or unreachable
(errors.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from .postgres import asyncpg_arguments
from .sql import first_line, upsert
from .sqlite import sqlite_engine
from .writes import begin_write, unless_busy, waiting_at_most

__all__ = ["HELPS_NO_ONE", "SIGNED_IN_PROFESSIONAL", "SIGNED_IN_WITH", "begin_write", "first_line", "hold_loaded_rows",
           "make_engine", "make_sessionmaker", "session_scope", "unless_busy", "upsert", "waiting_at_most"]


def make_engine(url: str, **kwargs) -> AsyncEngine:
    # A statement's values never reach an error's text, which is logged: they may be health data (a title, a name).
    kwargs.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        # A COMMIT returns once its WAL is flushed, whatever the server's default says (the log's events, as SQLite's
        # synchronous=FULL in sqlite.py says).
        # The URL's query, libpq's words (sslmode, application_name…), as asyncpg's arguments (postgres.py).
        bare_url, arguments = asyncpg_arguments(url)
        arguments["server_settings"] = {**arguments.get("server_settings", {}), "synchronous_commit": "on"}
        return create_async_engine(bare_url, pool_pre_ping=True, connect_args=arguments, **kwargs)
    return sqlite_engine(url, **kwargs)


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
