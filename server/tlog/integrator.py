"""The integrator: access events become leaves of the transparency log, after their own transaction.

`audit.append` is untouched: a professional's read commits its event as before, and waits for
nothing here. Every app process runs `run` in the background; each round (every
CARNET_JOURNAL_INTERVAL, 1 s by default) takes the events not yet in the tree in id order,
appends their leaves, stores the subtrees they complete and signs a checkpoint, in one short
transaction of its own. An event is in a signed checkpoint within MAX_MERGE_DELAY of its commit.

One integrator at a time: on PostgreSQL a round holds a transaction-level advisory lock
(`pg_try_advisory_xact_lock`); a process that cannot have it skips the round, the holder does
the work. On SQLite the round's write transaction (BEGIN IMMEDIATE) serialises it. The primary
key of the leaf index and the unique event id refuse a duplicate even if that were bypassed.

Stragglers (PostgreSQL): event ids come from a sequence, and transactions commit in any order,
so event 100 may become visible after event 101 was integrated. A round therefore takes every
event not yet a leaf above a floor: the id of the last leaf that a checkpoint older than
STRAGGLER_WINDOW holds. Any event below it took its id before that leaf's event did, so before
that checkpoint; an append whose transaction stays open longer than STRAGGLER_WINDOW is left
out, and `carnet audit verify` names it. On SQLite writers are serialised: ids commit in order,
and the floor is the last integrated id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from litestar import Litestar
from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.audit import HASHED_FIELDS, fields_hash
from ..db import begin_write, make_engine, make_sessionmaker
from ..models import AccessEvent, utcnow
from . import merkle, witnessing
from .checkpoint import Checkpoint, sign_checkpoint
from .keys import Signer
from .leaf import SALT_SIZE, event_leaf_hash
from .signing import log_signer
from .store import TlogCheckpoint, TlogLeaf, TlogNode, latest_size, read_nodes, reader

log = logging.getLogger("carnet.journal")

MAX_MERGE_DELAY = timedelta(seconds=10)  # what the log promises: the longest interval allowed is 5 s, plus the round
STRAGGLER_WINDOW = timedelta(minutes=2)
BATCH = 5000  # leaves per round and checkpoint: a backlog is worked through in short transactions
# In the background, rounds small enough not to hold the event loop (a round hashes on it: 5,000 leaves took
# ~150 ms, the p99 of every page while a million seeded events were integrated), with the loop's other
# work let in between two rounds. Steady state is far below it: a round takes what one second brought.
BACKGROUND_BATCH = 500
# Leaves hashed between two looks at the loop's other work (a leaf is about 25 µs: a millisecond at most).
YIELD_EVERY = 40
LOCK_KEY = int.from_bytes(hashlib.sha256(b"carnet/journal/integrator").digest()[:8], "big", signed=True)


def frontier(size: int) -> set[tuple[int, int]]:
    """The complete subtrees on the right edge of a tree of `size` leaves: all that appending to it reads."""
    return {(level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1}


def settled_floor() -> ScalarSelect:
    """The event id below which no straggler can still appear (NULL: none yet): the module's docstring says why."""
    settled = (select(TlogCheckpoint.size).where(col(TlogCheckpoint.created_at) <= utcnow() - STRAGGLER_WINDOW)
               .order_by(col(TlogCheckpoint.size).desc()).limit(1).scalar_subquery())
    return select(TlogLeaf.event_id).where(TlogLeaf.leaf_index == settled - 1).scalar_subquery()


def _last_leaf(size: int) -> ScalarSelect:
    """The event of the tree's last entry (the tree is `size` entries, as its newest checkpoint says)."""
    return select(TlogLeaf.event_id).where(TlogLeaf.leaf_index == size - 1).scalar_subquery()


async def _pending(session: AsyncSession, *, size: int, postgresql: bool, limit: int) -> list:
    events = AccessEvent.__table__  # type: ignore[attr-defined]
    # On SQLite, the event of the tree's last entry, not the highest event id among the leaves: a leaf row deleted
    # behind the log's back would lower that, and the edited event under it would be signed again as new.
    floor = settled_floor() if postgresql else _last_leaf(size)
    query = (select(events.c.id, *(events.c[name] for name in HASHED_FIELDS))
             .where(events.c.id > func.coalesce(floor, 0), ~exists().where(col(TlogLeaf.event_id) == events.c.id))
             .order_by(events.c.id).limit(limit))
    return list((await (await session.connection()).execute(query)).all())


async def _locked(session: AsyncSession, *, wait: bool) -> bool:
    connection = await session.connection()
    if wait:
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        return True
    return bool((await connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY})).scalar())


@dataclass
class _Round:
    """What a round writes, worked out from the tree as it stood at `size`: the leaves, the nodes they complete,
    and the new size and root (signed under the lock, once the tree is known to stand where it was planned from:
    no checkpoint is ever signed for a tree that is not stored)."""

    size: int
    leaves: list[dict]
    nodes: list[dict]
    new_size: int
    root: bytes


async def _plan(session: AsyncSession, *, postgresql: bool, batch: int, yielding: bool = False) -> _Round | None:
    """The next round from what the session reads (None: nothing to integrate). It writes and signs nothing.
    `yielding`: planned before any lock, it lets the loop's other work in as it hashes."""
    latest = await latest_size(session)
    size = latest or 0
    if size and not (await session.exec(select(exists().where(TlogLeaf.leaf_index == size - 1)))).scalar():
        # The tree's last entry is gone: a leaf removed behind the log's back (its event, edited, would be signed
        # again as new). Nothing is signed over a damaged tree; `carnet audit verify` says what is missing.
        log.error("journal: entry %d of the tree is missing; nothing is integrated until it is repaired", size)
        return None
    events = await _pending(session, size=size, postgresql=postgresql, limit=batch)
    if latest is not None and not events:
        return None
    nodes = await read_nodes(session, frontier(size))
    leaves, new_nodes = [], []
    for index, event in enumerate(events, start=size):
        if yielding and index > size and (index - size) % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # the requests waiting on the loop go in between: the hashing holds no lock
        salt = secrets.token_bytes(SALT_SIZE)
        digest = event_leaf_hash(salt, fields_hash(dict(zip(HASHED_FIELDS, event[1:]))))  # (id, *HASHED_FIELDS)
        leaves.append({"leaf_index": index, "event_id": event.id, "salt": salt, "hash": digest})
        level, position = 0, index
        nodes[(level, position)] = digest
        new_nodes.append({"level": level, "node_index": position, "hash": digest})
        while position & 1:  # a right child completes its parent, as MemoryTree.append does
            digest = merkle.node_hash(nodes[(level, position - 1)], digest)
            level, position = level + 1, position >> 1
            nodes[(level, position)] = digest
            new_nodes.append({"level": level, "node_index": position, "hash": digest})
    new_size = size + len(events)
    return _Round(size, leaves, new_nodes, new_size, merkle.tree_hash(new_size, reader(nodes)))


async def integrate_once(session: AsyncSession, *, signer: Signer, batch: int = BATCH,
                         wait: bool = False) -> TlogCheckpoint | None:
    """One round: up to `batch` events become leaves under a new signed checkpoint, which is returned.

    None when there was nothing to do, or (unless `wait`) another process holds the integrator's lock.
    Commits what the session had open first (`db.begin_write`).

    On SQLite the round is worked out before the write lock (the database's one, which every professional's
    read waits for): the events read and hashed into the tree. Under the lock it only checks that the tree
    is still the size it was planned from (else another process's round came between, and it is planned
    again there), signs the new head and writes. On PostgreSQL it is worked out under the integrators'
    advisory lock, which no read waits for, so that a process that cannot have it does no work. Worked out under the lock, a round of one second's events held it
    17 to 35 ms under one connection's reads, the slowest of them (bench/RESULTS.md, "The integrator's
    write lock").
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:  # the advisory lock first: no read waits for it, and a process without it plans nothing
        await begin_write(session)
        if not await _locked(session, wait=wait):
            await session.commit()
            return None
        planned = await _plan(session, postgresql=True, batch=batch)
    else:
        planned = await _plan(session, postgresql=False, batch=batch, yielding=True)
        if planned is not None:
            await begin_write(session)
            if (await latest_size(session) or 0) != planned.size:
                planned = await _plan(session, postgresql=False, batch=batch)
    if planned is None:
        await session.commit()  # ends the read (no write lock for an idle round); a rollback would expire
        return None             # what the caller's session had loaded
    made = TlogCheckpoint(size=planned.new_size, root=planned.root, created_at=utcnow(),
                          note=sign_checkpoint(Checkpoint(signer.name, planned.new_size, planned.root), signer))
    try:
        if planned.leaves:
            connection = await session.connection()
            await connection.execute(insert(TlogLeaf.__table__), planned.leaves)  # type: ignore[attr-defined]
            await connection.execute(insert(TlogNode.__table__), planned.nodes)  # type: ignore[attr-defined]
        session.add(made)
        await session.commit()
        session.expunge(made)  # detached with its values: nothing the session does next expires it
    except IntegrityError:  # another integrator got there: its tree stands, this round is void
        await session.rollback()
        log.warning("journal round discarded: another integrator wrote the same leaves")
        return None
    return made


async def integrate_now(session: AsyncSession, *, signer: Signer, batch: int = BATCH,
                        wait: bool = True) -> TlogCheckpoint | None:
    """Integrate every pending event, in as many rounds as it takes; the last checkpoint made, if any.

    For tests and the command line (`wait`: behind another process's round, if one holds the lock); the
    background task calls `catch_up`, which leaves what arrives during its rounds to the next tick.
    """
    last = None
    while (made := await integrate_once(session, signer=signer, batch=batch, wait=wait)) is not None:
        last = made  # until a round finds nothing: one more read, and no event left for the next tick
        await asyncio.sleep(0)  # requests waiting on the loop go before the next round
    return last


async def catch_up(session: AsyncSession, *, signer: Signer, batch: int = BACKGROUND_BATCH) -> None:
    """The background's rounds at each tick: one, and more only while each round is full (a backlog, worked
    through `batch` leaves at a time); what arrives meanwhile waits for the next tick. Rounds until none is
    left (`integrate_now`) ran back to back under a steady load, each taking the one or two events committed
    during the round before: 274 rounds in 5 s beside one connection's professional reads, each a write
    transaction (SQLite's one write lock, which those reads wait for), a signature and a commit, and on
    PostgreSQL a look through the straggler window (bench/RESULTS.md, "The integrator's rounds")."""
    size = await latest_size(session) or 0
    while (made := await integrate_once(session, signer=signer, batch=batch, wait=False)) is not None:
        if made.size - size < batch:
            return
        size = made.size
        await asyncio.sleep(0)  # requests waiting on the loop go before the next round


async def run(app: Litestar) -> None:
    """Every app process, in the background: a round every `journal_interval` seconds, on its own connection
    (never one a request waits for); a failed round is logged, and the next one catches up."""
    settings = app.state.settings
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
    sessionmaker = make_sessionmaker(engine)
    try:
        while True:
            try:
                async with sessionmaker() as session:
                    await catch_up(session, signer=app.state.journal_signer)
            except Exception as exc:  # a busy or unreachable database: the next round catches up
                log.warning("journal integration skipped: %s", type(exc).__name__)
            await asyncio.sleep(settings.journal_interval)
    finally:
        await engine.dispose()


async def start(app: Litestar) -> None:
    """Load (at the first start: make) the log's key, which the views publish, and start integrating."""
    async with app.state.sessionmaker() as session:
        app.state.journal_signer = await log_signer(session, app.state.settings)
    if app.state.settings.journal_interval:
        app.state.journal_integrator = asyncio.get_running_loop().create_task(run(app))
    await witnessing.start(app)  # the witnesses' cosignatures, in a task of their own: never in a round


async def stop(app: Litestar) -> None:
    await witnessing.stop(app)
    task = getattr(app.state, "journal_integrator", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
