"""What a database error says: busy, to be tried again (`is_busy`), or unreachable, down for now (`is_unreachable`),
rather than wrong; on either engine. writes.py's writers and server/errors.py's answers ask it. And `Busy`, the same
"try again" said before the database is asked."""

from __future__ import annotations

import socket
import sqlite3


class Busy(Exception):
    """Too much at once for this process: a queue in front of the work (fhir/documents.py's of Bundles) not had in time.
    Answered as a database that stays busy is (errors.py): 503, Retry-After, nothing done. `message`: the French
    answer to software, if it says more than that."""

    def __init__(self, queue: str, message: str | None = None) -> None:
        super().__init__(queue)
        self.queue, self.message = queue, message


# What PostgreSQL says when a lock could not be had, or a transaction must be tried again: lock not available,
# deadlock detected, serialization failure.
_PG_BUSY = frozenset({"55P03", "40P01", "40001"})


def is_busy(exc: BaseException) -> bool:
    """Whether a database error says "busy, try again" rather than "wrong": SQLite's write lock not had within its
    busy timeout (or this process's turn for it, `_WriteTurns`), PostgreSQL's lock or serialization failures. The
    transaction was rolled back whole: nothing was written."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig).startswith(("database is locked", "database table is locked"))
    return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in _PG_BUSY


# What PostgreSQL says when it cannot be reached or is not taking connections: connection exceptions (class 08),
# too many connections, shutting down or starting up.
_PG_UNREACHABLE = frozenset({"08000", "08001", "08003", "08004", "08006", "53300", "57P01", "57P02", "57P03"})


def is_unreachable(exc: BaseException) -> bool:
    """Whether an error says the database cannot be reached now (down, restarting, refusing connections), rather
    than "wrong": asyncpg's connect raises the socket's own error, which SQLAlchemy does not wrap."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, (ConnectionError, socket.gaierror)) or getattr(exc, "connection_invalidated", False):
        return True
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig).startswith("unable to open database file")
    return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in _PG_UNREACHABLE
