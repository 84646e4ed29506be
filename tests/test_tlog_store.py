"""The transparency log in the database: the integrator's leaves, nodes and checkpoints, alone and in company."""

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy.pool import NullPool
from sqlalchemy import text
from sqlmodel import select

from server.accesslog.audit import Actor, append, begin_chained, commit_chained, event_hash
from server.config import Settings, SettingsError, load_settings
from server.db import make_engine, make_sessionmaker
from server.models import AccessEvent, clock_at, utcnow
from server.tlog.checkpoint import open_checkpoint, verify_checkpoint_consistency
from server.tlog import integrator
from server.tlog.integrator import STRAGGLER_WINDOW, frontier, integrate_now
from server.tlog.keys import Signer
from server.tlog.leaf import event_leaf_hash
from server.tlog.merkle import MemoryTree
from server.tlog.signing import key_path, load_signer
from server.tlog.store import TlogCheckpoint, TlogLeaf, TlogNode, nodes_query
from server.tlog.verify import verify_tree
from tests.conftest import new_patient

PRO = Actor(account_id=None, kind="professional", name="Julie Moreau", profession="infirmier", rpps="10000000015")


@pytest.fixture
def postgresql_only(settings):
    """Before any other fixture: SQLite serialises writers, so its events commit in id order and none straggles."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("stragglers are PostgreSQL's")


async def log(session, dossier_id, n):
    for i in range(n):
        await begin_chained(session)
        await append(session, dossier_id=dossier_id, action="read_document", actor=PRO, detail=f"lecture {i}")
        await commit_chained(session)


async def check_stored_tree(db, signer) -> MemoryTree:
    """The stored nodes are MemoryTree's over the stored leaves; every checkpoint is signed, its root, and consistent."""
    db.expunge_all()
    leaves = (await db.exec(select(TlogLeaf).order_by(TlogLeaf.leaf_index))).all()
    assert [leaf.leaf_index for leaf in leaves] == list(range(len(leaves)))
    tree = MemoryTree(leaf.hash for leaf in leaves)
    nodes = {(n.level, n.node_index): n.hash for n in (await db.exec(select(TlogNode))).all()}
    assert nodes == {(level, i): h for level, hashes in enumerate(tree.levels) for i, h in enumerate(hashes)}
    previous = None
    for row in (await db.exec(select(TlogCheckpoint).order_by(TlogCheckpoint.size))).all():
        checkpoint, _ = open_checkpoint(row.note, log=signer.verifier)
        assert (checkpoint.size, checkpoint.root) == (row.size, row.root) == (row.size, tree.root(row.size))
        if previous is not None:
            verify_checkpoint_consistency(previous, checkpoint, tree.consistency_proof(previous.size, checkpoint.size))
        previous = checkpoint
    assert previous is not None and previous.size == tree.size
    return tree


def test_the_signing_key_is_made_once_kept_private_or_given_and_bears_the_logs_name(tmp_path):
    settings = Settings(data_dir=tmp_path, origin="https://carnet.example.fr")
    made = load_signer(settings)
    assert made.name == settings.journal_origin == "carnet.example.fr/carnet-journal"
    assert load_signer(settings) == made and key_path(settings).stat().st_mode & 0o777 == 0o600
    given = Signer.generate(settings.journal_origin)
    assert load_signer(dataclasses.replace(settings, journal_signing_key=given.key)) == given
    with pytest.raises(SettingsError, match="un journal garde son nom"):
        load_signer(dataclasses.replace(settings, origin="https://autre.example.fr"))
    with pytest.raises(SettingsError, match="CARNET_JOURNAL_SIGNING_KEY"):
        load_signer(dataclasses.replace(settings, journal_signing_key="PRIVATE+KEY+nope"))
    assert load_settings({"CARNET_DATA_DIR": str(tmp_path)}).journal_interval == 1
    with pytest.raises(SettingsError, match="CARNET_JOURNAL_INTERVAL"):
        load_settings({"CARNET_DATA_DIR": str(tmp_path), "CARNET_JOURNAL_INTERVAL": "60"})


def test_the_frontier_is_the_right_edge_of_complete_subtrees():
    assert frontier(0) == set() and frontier(1) == {(0, 0)}
    assert frontier(6) == {(1, 2), (2, 0)} and frontier(7) == {(0, 6), (1, 2), (2, 0)}


async def test_a_proofs_nodes_are_read_through_the_primary_key_not_by_scanning_the_tree(db):
    """SQLite scans the whole table for a row-value IN list: the integrator and every proof grew with the log."""
    if db.bind.dialect.name != "sqlite":
        pytest.skip("the query plan asked is SQLite's (PostgreSQL's planner scans a table this small)")
    query = nodes_query([(0, 6), (1, 2), (2, 0), (0, 7)])
    compiled = query.compile(db.bind, compile_kwargs={"literal_binds": True})
    plan = " | ".join(row[-1] for row in (await db.exec(text(f"EXPLAIN QUERY PLAN {compiled}"))).all())
    assert "SCAN tlognode" not in plan and "tlognode USING" in plan, plan


async def test_integration_appends_each_event_once_in_order_and_builds_memory_trees_roots(db, patient, settings):
    signer = load_signer(settings)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    first = await integrate_now(db, signer=signer)
    assert first is not None and first.note.startswith(f"{settings.journal_origin}\n")
    for n, batch in [(3, 2), (1, 3), (6, 4), (0, 4), (4, 3)]:  # rounds of `batch` leaves, each under a checkpoint
        await log(db, patient.dossier.id, n)
        await log(db, other.dossier.id, n // 2)
        await integrate_now(db, signer=signer, batch=batch)
    events = {e.id: e for e in (await db.exec(select(AccessEvent))).all()}
    leaves = (await db.exec(select(TlogLeaf).order_by(TlogLeaf.leaf_index))).all()
    assert [leaf.event_id for leaf in leaves] == sorted(events)  # one process: integration order is id order
    assert all(leaf.hash == event_leaf_hash(leaf.salt, event_hash(events[leaf.event_id])) for leaf in leaves)
    assert len({leaf.salt for leaf in leaves}) == len(leaves) and all(len(leaf.salt) == 32 for leaf in leaves)
    tree = await check_stored_tree(db, signer)
    sizes = (await db.exec(select(TlogCheckpoint.size).order_by(TlogCheckpoint.size))).all()
    assert len(sizes) > 6 and tree.size == len(events)
    assert await integrate_now(db, signer=signer) is None  # nothing new: no new checkpoint
    assert (await verify_tree(db, settings)).problems == []


async def test_the_background_takes_what_is_there_at_each_tick_and_more_rounds_only_for_a_backlog(
        db, patient, settings, monkeypatch):
    """A professional reads while a round runs: that event waits for the next tick, where rounds until none was
    left ran back to back under a steady load. A backlog is worked through in full rounds."""
    signer = load_signer(settings)
    await integrate_now(db, signer=signer)
    rounds = 0
    original = integrator.integrate_once

    async def a_read_during_each_round(*args, **kwargs):
        nonlocal rounds
        rounds += 1
        made = await original(*args, **kwargs)
        if rounds < 10:
            await log(db, patient.dossier.id, 1)  # committed while the round ran
        return made

    monkeypatch.setattr(integrator, "integrate_once", a_read_during_each_round)
    await log(db, patient.dossier.id, 3)
    await integrator.catch_up(db, signer=signer, batch=4)
    assert rounds == 1  # three events, one round; the read that came meanwhile is the next tick's
    await log(db, patient.dossier.id, 8)  # a backlog of 9: rounds of 4, 4 and 3 (1 + 2 read meanwhile)
    rounds = 0
    await integrator.catch_up(db, signer=signer, batch=4)
    assert rounds == 3
    monkeypatch.undo()
    sizes = (await db.exec(select(TlogCheckpoint.size).order_by(TlogCheckpoint.size.desc()))).all()
    events = len((await db.exec(select(AccessEvent.id))).all())
    assert sizes[0] == events - 1  # what came during the last round waits for the next tick
    await check_stored_tree(db, signer)


async def test_on_sqlite_a_round_is_worked_out_before_the_write_lock_and_planned_again_if_another_came_between(
        db, app, patient, settings, monkeypatch):
    """The events are read, hashed and the new head signed before the write lock (SQLite's, which every
    professional's read waits for); under it, the round only checks the tree is the size it planned from, and
    writes. Another process's round landing in between makes it plan again: never a lost round, never a
    duplicate leaf, and the tree MemoryTree builds."""
    if db.bind.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans a round under the integrators' advisory lock, which no read waits for")
    signer = load_signer(settings)
    await integrate_now(db, signer=signer)
    await log(db, patient.dossier.id, 3)
    planned, locked = [], []
    original_plan, original_begin = integrator._plan, integrator.begin_write

    async def plan_then_another_round_lands(session, **kwargs):
        if session is not db:  # the other process's
            return await original_plan(session, **kwargs)
        planned.append(bool(locked))  # planned under the write lock?
        made = await original_plan(session, **kwargs)
        if len(planned) == 1:
            other_round.append(True)
            async with app.state.sessionmaker() as other:  # another process's round, in between, and a read after it
                await log(other, patient.dossier.id, 2)
                assert await integrate_now(other, signer=signer) is not None
                await log(other, patient.dossier.id, 1)
            other_round.clear()
        return made

    async def begin(session):
        if session is db:
            locked.append(True)
        await original_begin(session)

    signed, other_round = [], []
    original_sign = integrator.sign_checkpoint

    def sign(*args, **kwargs):
        if not other_round:
            signed.append(bool(locked))  # a head is signed only for the tree that is written: under the lock
        return original_sign(*args, **kwargs)

    monkeypatch.setattr(integrator, "_plan", plan_then_another_round_lands)
    monkeypatch.setattr(integrator, "begin_write", begin)
    monkeypatch.setattr(integrator, "sign_checkpoint", sign)
    await log(db, patient.dossier.id, 1)
    made = await integrator.integrate_once(db, signer=signer)
    monkeypatch.undo()
    assert planned == [False, True]  # planned before the lock; the tree had moved, planned again under it
    assert signed == [True]  # once, under the lock: never for the tree planned first, which had moved
    events = len((await db.exec(select(AccessEvent.id))).all())
    assert made is not None and made.size == events  # the read that came after the other round is in
    tree = await check_stored_tree(db, signer)
    assert tree.size == events
    assert (await verify_tree(db, settings)).problems == []


async def test_concurrent_integrators_build_one_tree_without_a_duplicate_leaf(db, patient, settings):
    """Two engines (as two app processes) integrate while two more append: one tree, each event once."""
    signer = load_signer(settings)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    engines = [make_engine(settings.database_url, poolclass=NullPool) for _ in range(4)]
    done = asyncio.Event()

    async def integrating(engine):
        async with make_sessionmaker(engine)() as session:
            while not done.is_set():
                await integrate_now(session, signer=signer, batch=4, wait=False)
                await asyncio.sleep(0.005)

    async def appending(engine, dossier_id):
        async with make_sessionmaker(engine)() as session:
            await log(session, dossier_id, 10)

    integrators = [asyncio.ensure_future(integrating(e)) for e in engines[:2]]
    await asyncio.gather(appending(engines[2], patient.dossier.id), appending(engines[3], other.dossier.id))
    done.set()
    await asyncio.gather(*integrators)
    for engine in engines:
        await engine.dispose()
    await integrate_now(db, signer=signer)
    leaves = (await db.exec(select(TlogLeaf.event_id))).all()
    assert sorted(leaves) == sorted((await db.exec(select(AccessEvent.id))).all())
    await check_stored_tree(db, signer)


async def test_on_postgresql_an_event_committed_after_a_later_one_still_joins_the_tree(postgresql_only, app, db, patient,
                                                                                      settings):
    signer = load_signer(settings)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    await integrate_now(db, signer=signer)
    async with app.state.sessionmaker() as slow, app.state.sessionmaker() as fast:
        await begin_chained(slow)
        late = await append(slow, dossier_id=patient.dossier.id, action="read_document", actor=PRO)
        await slow.flush()  # its id is taken, its transaction still open
        await log(fast, other.dossier.id, 1)
        await integrate_now(db, signer=signer)  # sees the later event only
        await commit_chained(slow)
    await integrate_now(db, signer=signer)
    last_two = (await db.exec(select(TlogLeaf.event_id).order_by(TlogLeaf.leaf_index.desc()).limit(2))).all()
    assert last_two[0] == late.id and last_two[1] > late.id
    await check_stored_tree(db, signer)


async def test_on_postgresql_an_append_held_open_past_the_window_is_named_by_verify(postgresql_only, app, db, patient,
                                                                                    settings):
    signer = load_signer(settings)
    async with app.state.sessionmaker() as slow:
        await begin_chained(slow)
        late = await append(slow, dossier_id=patient.dossier.id, action="read_document", actor=PRO)
        await slow.flush()
        with clock_at(utcnow() - STRAGGLER_WINDOW - timedelta(seconds=5)):  # the later events, integrated long ago
            await log(db, patient.dossier.id, 0)
            other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2)
            await log(db, other.dossier.id, 2)
            await integrate_now(db, signer=signer)
        await commit_chained(slow)
    await integrate_now(db, signer=signer)
    assert late.id not in (await db.exec(select(TlogLeaf.event_id))).all()
    problems = (await verify_tree(db, settings)).problems
    assert problems == [f"l'événement n° {late.seq} du dossier {patient.dossier.id} manque au journal"]
