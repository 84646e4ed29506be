"""The access log: append-only, hash-chained per dossier, serialised in the database.

Append = one transaction that takes the dossier's chain lock, reads the head, hashes,
inserts and moves the head (DESIGN.md). SQLite: the transaction starts with
BEGIN IMMEDIATE. PostgreSQL: `SELECT … FOR UPDATE` on the dossier's `chainhead` row,
so unrelated dossiers never wait for each other. Never an in-process lock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Insert, Select, Update, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write
from ..db.errors import is_busy
from ..models import AccessEvent, Account, ChainHead, Document, Professional, utcnow
from ..professionals.professions import written_profession
from . import professionals, right_words, subjects

GENESIS = "0" * 64
DETAIL_MAX = 1000  # the column's length
HASHED_FIELDS = (
    "dossier_id", "seq", "at", "action", "actor_account_id", "actor_kind", "actor_name", "actor_profession",
    "actor_rpps", "on_behalf_of", "right", "document_id", "document_title", "detail", "prev_hash",
)


class ChainBusy(Exception):
    """The dossier's chain lock could not be had: the action is refused, not logged out of order."""


def _busy(exc: DBAPIError) -> BaseException:
    """ChainBusy for a lock not had in time (db.errors.is_busy); any other failure as it is: a full disk or a read-only
    database is not "busy", and is logged as the 500 it is."""
    if not is_busy(exc):
        return exc
    busy = ChainBusy()
    busy.__cause__ = exc
    return busy


@dataclass(frozen=True)
class Actor:
    """Who acts, as the log keeps them: a snapshot, not a reference that could change later."""

    account_id: str | None
    kind: str  # patient, caregiver, professional, system
    name: str
    profession: str = ""
    rpps: str = ""
    on_behalf_of: str = ""

    @classmethod
    def professional(cls, account: Account, professional: Professional) -> Actor:
        return cls(account.id, "professional", f"{professional.given_name} {professional.family_name}",
                   written_profession(professional), professional.rpps)  # "infirmière": as written for them


def timestamp(value: datetime) -> str:
    """The canonical text of a time: UTC, microseconds, the same from SQLite and PostgreSQL."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: AccessEvent) -> str:
    return fields_hash({name: getattr(event, name) for name in HASHED_FIELDS})


def fields_hash(content: dict) -> str:
    """The chain hash of an event's HASHED_FIELDS, as they are read (`at` a datetime): its canonical JSON's SHA-256.
    A row that selected them in HASHED_FIELDS' order gives them as `dict(zip(HASHED_FIELDS, row))`, at a
    fifth of the cost of naming each (the integrator hashes every event of the site once)."""
    content["at"] = timestamp(content["at"])
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def begin_chained(session: AsyncSession, *, dossier_id: str | None = None) -> None:
    """Start the transaction an append will live in, holding the dossier's chain lock from its first read.

    Call before the action's own reads and writes, so the action and its event commit together, and so that what
    it checks (a grant still current, a block, a document not yet hidden) cannot change before it commits: two
    managers at once, a professional's read against a revoke committed meanwhile. SQLite's BEGIN IMMEDIATE holds
    the whole database; PostgreSQL's BEGIN holds nothing, so the dossier's chain head is locked at once
    (`lock_chain`). `dossier_id` None: an action over accounts or several dossiers, which locks the heads it
    appends to as it does (`append`, `append_each`) and re-reads what it checks under its own row locks.
    """
    try:
        await begin_write(session)
    except DBAPIError as exc:  # SQLite: "database is locked" after the busy timeout
        raise _busy(exc)
    if dossier_id is not None:
        await lock_chain(session, dossier_id=dossier_id)


async def lock_chain(session: AsyncSession, *, dossier_id: str) -> None:
    """Take the dossier's chain lock now (PostgreSQL; SQLite's BEGIN IMMEDIATE holds the whole database already,
    and is not asked again), when what the action checks before appending must not change before it commits."""
    if session.get_bind().dialect.name != "postgresql":
        return
    try:
        await session.exec(select(ChainHead.seq).where(ChainHead.dossier_id == dossier_id).with_for_update())
    except DBAPIError as exc:
        raise _busy(exc)


async def append(
    session: AsyncSession,
    *,
    dossier_id: str,
    action: str,
    actor: Actor,
    right: str = "",
    document: Document | None = None,
    detail: str = "",
    about: Professional | None = None,
) -> AccessEvent:
    """Add one event to the dossier's chain, inside the caller's transaction (not committed here); `about`: the
    professional a change of rights names, whom the Historique's filter then finds it under (subjects.py).

    Written by Core statements, as `append_each` does: the model's unit of work (an insert and the head's update
    flushed as objects) was a tenth of a professional's read. The event returned is not the session's: its fields
    and id, to point to (a notification). A professional's event through an emergency access or a share code's
    grant says which in its detail (right_words.py), hashed with the rest; the patient's own, the passkey she
    acted with."""
    at = utcnow()
    try:
        head = (await session.exec(_chain_head(), params={"dossier_id": dossier_id})).first()  # type: ignore[call-overload]
        line = await right_words.words(session, dossier_id=dossier_id, action=action, kind=actor.kind,
                                       rpps=actor.rpps, right=right, at=at, account_id=actor.account_id)
    except DBAPIError as exc:
        raise _busy(exc)
    seq, previous = (head.seq, head.hash) if head is not None else (0, GENESIS)
    event = AccessEvent(
        dossier_id=dossier_id,
        seq=seq + 1,
        at=at,
        action=action,
        actor_account_id=actor.account_id,
        actor_kind=actor.kind,
        actor_name=actor.name,
        actor_profession=actor.profession,
        actor_rpps=actor.rpps,
        on_behalf_of=actor.on_behalf_of,
        right=right,
        document_id=document.id if document else None,
        document_title=document.title if document else "",
        detail=right_words.joined(detail, line, limit=DETAIL_MAX),
        prev_hash=previous,
        hash="",
    )
    event.hash = event_hash(event)
    # Through the session, which flushes first what the action added (the document an event points to).
    fields = {name: getattr(event, name) for name in (*HASHED_FIELDS, "hash")}
    try:  # as a flush at commit did (commit_chained): a lock not had is refused, never a 500
        written = await session.exec(_insert_event(), params=fields)  # type: ignore[call-overload]
        if head is not None:
            await session.exec(_move_head(), params={"key": dossier_id, "seq": event.seq, "hash": event.hash})  # type: ignore[call-overload]
        else:
            await session.exec(_first_head(), params={"dossier_id": dossier_id, "seq": event.seq, "hash": event.hash})  # type: ignore[call-overload]
    except DBAPIError as exc:
        raise _busy(exc)
    event.id = written.inserted_primary_key[0]
    held = session.identity_map.get(identity_key(ChainHead, dossier_id))
    if held is not None:  # a head this session loaded as a model: kept true, not flushed again
        set_committed_value(held, "seq", event.seq)
        set_committed_value(held, "hash", event.hash)
    if actor.kind == "professional":
        await professionals.remember(session, event)
    if about is not None:
        await subjects.remember(session, event=event, professional=about)
    return event


@cache
def _chain_head() -> Select:
    """Built once: every professional's read asks it (listing says why): the head's row, locked."""
    heads = ChainHead.__table__.c  # type: ignore[attr-defined]
    return select(heads.seq, heads.hash).where(heads.dossier_id == bindparam("dossier_id")).with_for_update()


@cache
def _insert_event() -> Insert:
    return insert(AccessEvent.__table__)  # type: ignore[attr-defined]


@cache
def _move_head() -> Update:
    heads = ChainHead.__table__  # type: ignore[attr-defined]
    return (heads.update().where(heads.c.dossier_id == bindparam("key"))
            .values(seq=bindparam("seq"), hash=bindparam("hash")))


@cache
def _first_head() -> Insert:
    return insert(ChainHead.__table__)  # type: ignore[attr-defined]


async def append_each(session: AsyncSession, *, entries: list[tuple[str, str, str]], actor: Actor) -> None:
    """One event per (dossier_id, action, detail), inside the caller's transaction, by a system actor: every chain
    head read (and locked, in dossier order) in one query, the events chained in memory and written by three
    statements (Core executemany: no model, no unit of work).

    For what touches many dossiers at once (the insurer's feed): `append` per dossier reads each head in turn,
    and on SQLite each of those waits on writes made before it, all under the database's one write lock."""
    if not entries:
        return
    connection = await session.connection()
    heads_table, events_table = ChainHead.__table__, AccessEvent.__table__  # type: ignore[attr-defined]
    ids = sorted({dossier_id for dossier_id, _, _ in entries})
    try:
        heads = {row.dossier_id: (row.seq, row.hash) for row in (await connection.execute(
            select(heads_table.c.dossier_id, heads_table.c.seq, heads_table.c.hash)
            .where(heads_table.c.dossier_id.in_(ids)).order_by(heads_table.c.dossier_id).with_for_update())).all()}
    except DBAPIError as exc:
        raise _busy(exc)
    known = set(heads)  # the chains that have a head row already (the others get theirs now)
    now = utcnow()
    rows: list[dict] = []
    for dossier_id, action, detail in sorted(entries):
        seq, previous = heads.get(dossier_id, (0, GENESIS))
        event = AccessEvent(dossier_id=dossier_id, seq=seq + 1, at=now, action=action,
                            actor_account_id=actor.account_id, actor_kind=actor.kind, actor_name=actor.name,
                            actor_profession=actor.profession, actor_rpps=actor.rpps, on_behalf_of=actor.on_behalf_of,
                            right="", document_id=None, document_title="", detail=detail[:DETAIL_MAX], prev_hash=previous,
                            hash="")
        event.hash = event_hash(event)
        heads[dossier_id] = (event.seq, event.hash)
        rows.append({name: getattr(event, name) for name in (*HASHED_FIELDS, "hash")})
    await connection.execute(insert(events_table), rows)
    fresh = [{"dossier_id": d, "seq": heads[d][0], "hash": heads[d][1]} for d in ids if d not in known]
    if fresh:
        await connection.execute(insert(heads_table), fresh)
    moved = [{"key": d, "seq": heads[d][0], "hash": heads[d][1]} for d in ids if d in known]
    if moved:
        await connection.execute(heads_table.update().where(heads_table.c.dossier_id == bindparam("key"))
                                 .values(seq=bindparam("seq"), hash=bindparam("hash")), moved)


async def commit_chained(session: AsyncSession) -> None:
    try:
        await session.commit()
    except DBAPIError as exc:
        await session.rollback()
        raise _busy(exc)

