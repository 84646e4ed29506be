"""The access log's chain: appends link up, tampering is found and named, concurrency keeps one chain."""

import asyncio
import sys

from sqlalchemy import text
from sqlmodel import select

from server.accesslog.audit import Actor, append, begin_chained, commit_chained
from server.accesslog.verify import verify_chain
from server.models import AccessEvent

PATIENT = Actor(account_id=None, kind="patient", name="Camille Martin")


async def tamper(db, sql: str) -> None:
    """What someone with write access to the database could do: lift the triggers, then edit."""
    if db.bind.dialect.name == "postgresql":
        await db.exec(text("ALTER TABLE accessevent DISABLE TRIGGER accessevent_append_only"))
        await db.exec(text(sql))
        await db.exec(text("ALTER TABLE accessevent ENABLE TRIGGER accessevent_append_only"))
    else:
        await db.exec(text("DROP TRIGGER IF EXISTS accessevent_no_update"))
        await db.exec(text("DROP TRIGGER IF EXISTS accessevent_no_delete"))
        await db.exec(text(sql))
    await db.commit()
    db.expunge_all()  # forget what this session had loaded: verify must read the database


async def log(db, dossier_id, n, action="read_document"):
    for i in range(n):
        await begin_chained(db)
        await append(db, dossier_id=dossier_id, action=action, actor=PATIENT, detail=f"n°{i}")
        await commit_chained(db)


async def test_appended_events_form_an_intact_chain(db, patient):
    await log(db, patient.dossier.id, 5)
    events = (await db.exec(select(AccessEvent).order_by(AccessEvent.seq))).all()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    assert await verify_chain(db, dossier_id=patient.dossier.id) is None


async def test_an_edited_event_is_found_and_named(db, patient):
    await log(db, patient.dossier.id, 4)
    await tamper(db, "UPDATE accessevent SET actor_name = 'Quelqu''un d''autre' WHERE seq = 3")
    broken = await verify_chain(db, dossier_id=patient.dossier.id)
    assert broken is not None and broken.seq == 3 and "modifié" in broken.reason


async def test_a_deleted_event_is_found(db, patient):
    await log(db, patient.dossier.id, 4)
    await tamper(db, "DELETE FROM accessevent WHERE seq = 2")
    broken = await verify_chain(db, dossier_id=patient.dossier.id)
    assert broken is not None and broken.seq == 2


async def test_a_deleted_last_event_is_found(db, patient):
    await log(db, patient.dossier.id, 3)
    await tamper(db, "DELETE FROM accessevent WHERE seq = 3")
    broken = await verify_chain(db, dossier_id=patient.dossier.id)
    assert broken is not None and broken.seq == 2


async def test_reordered_events_are_found(db, patient):
    await log(db, patient.dossier.id, 3)
    await tamper(db, "UPDATE accessevent SET seq = 100 WHERE seq = 1")
    await tamper(db, "UPDATE accessevent SET seq = 1 WHERE seq = 2")
    await tamper(db, "UPDATE accessevent SET seq = 2 WHERE seq = 100")
    broken = await verify_chain(db, dossier_id=patient.dossier.id)
    assert broken is not None and broken.seq == 1


async def test_a_changed_timestamp_is_found(db, patient):
    await log(db, patient.dossier.id, 2)
    events = (await db.exec(select(AccessEvent).order_by(AccessEvent.seq))).all()
    from datetime import timedelta

    at = events[0].at - timedelta(microseconds=1)
    await tamper(db, f"UPDATE accessevent SET at = '{at.replace(tzinfo=None).isoformat(sep=' ')}' WHERE seq = 1")
    assert (await verify_chain(db, dossier_id=patient.dossier.id)).seq == 1


async def test_concurrent_appends_from_several_processes_keep_one_chain(db, patient, settings):
    """Four processes append to one dossier at once; the chain must come out whole, 1..N."""
    script = (
        "import asyncio, sys\n"
        "from server.db import make_engine, make_sessionmaker\n"
        "from server.accesslog.audit import Actor, append, begin_chained, commit_chained, ChainBusy\n"
        "async def main(url, dossier, n):\n"
        "    engine = make_engine(url)\n"
        "    maker = make_sessionmaker(engine)\n"
        "    done = 0\n"
        "    while done < n:\n"
        "        async with maker() as db:\n"
        "            try:\n"
        "                await begin_chained(db)\n"
        "                await append(db, dossier_id=dossier, action='read_document', actor=Actor(None, 'professional', 'P'))\n"
        "                await commit_chained(db)\n"
        "                done += 1\n"
        "            except ChainBusy:\n"
        "                pass\n"
        "    await engine.dispose()\n"
        "asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))\n"
    )
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", script, settings.database_url, patient.dossier.id, "25")
        for _ in range(4)
    ]
    codes = [await p.wait() for p in processes]
    assert codes == [0, 0, 0, 0]
    seqs = [e.seq for e in (await db.exec(select(AccessEvent).order_by(AccessEvent.seq))).all()]
    assert seqs == list(range(1, 101))
    assert await verify_chain(db, dossier_id=patient.dossier.id) is None


def test_the_verify_command_passes_an_intact_log_and_names_a_broken_link(tmp_path):
    from tests.test_config_and_cli import carnet

    assert carnet(tmp_path, "demo").returncode == 0
    ok = carnet(tmp_path, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "intactes" in ok.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "carnet.sqlite3") as conn:
        dossier, seq = conn.execute("SELECT dossier_id, MAX(seq) - 1 FROM accessevent GROUP BY dossier_id LIMIT 1").fetchone() or (None, None)
        if dossier is None:  # the demo has no events yet: make some through the CLI's own functions
            return
        conn.execute("DROP TRIGGER IF EXISTS accessevent_no_update")
        conn.execute("UPDATE accessevent SET detail = 'falsifié' WHERE dossier_id = ? AND seq = ?", (dossier, seq))
    broken = carnet(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert f"Dossier {dossier} : chaîne rompue à l'événement n° {seq}" in broken.stdout


async def test_the_database_itself_refuses_to_change_or_delete_an_event(db, patient):
    import pytest
    from sqlalchemy.exc import DBAPIError, IntegrityError

    dossier_id = patient.dossier.id
    await log(db, dossier_id, 1)
    for sql in ("UPDATE accessevent SET detail = 'x'", "DELETE FROM accessevent"):
        with pytest.raises((DBAPIError, IntegrityError)):
            await db.exec(text(sql))
        await db.rollback()
    assert await verify_chain(db, dossier_id=dossier_id) is None


async def test_on_postgresql_a_held_chain_lock_does_not_make_another_dossier_wait(app, db, patient, settings):
    """Serialised per dossier, not globally: B appends while A's chain is locked; A's next append waits."""
    import pytest

    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has a single writer by design; per-dossier locking is PostgreSQL's")
    from datetime import date

    from tests.conftest import new_patient

    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    a, b = patient.dossier.id, other.dossier.id
    async with app.state.sessionmaker() as holder, app.state.sessionmaker() as second, app.state.sessionmaker() as third:
        await begin_chained(holder)
        await append(holder, dossier_id=a, action="read_document", actor=PATIENT)
        await holder.flush()  # A's chainhead row is now locked until holder commits
        await begin_chained(second)
        # Not waiting for the lock is finishing at all (holder never lets go before): the time allowed is a loaded
        # machine's.
        await asyncio.wait_for(append(second, dossier_id=b, action="read_document", actor=PATIENT), timeout=30)
        await commit_chained(second)
        await begin_chained(third)
        third_pid = (await third.exec(text("SELECT pg_backend_pid()"))).one()[0]
        waiting = asyncio.ensure_future(append(third, dossier_id=a, action="read_document", actor=PATIENT))
        # Same dossier: it waits for the lock. PostgreSQL says so (a lock asked for, not granted), rather than a
        # sleep that finding it not done yet proved no more.
        deadline = asyncio.get_running_loop().time() + 30
        while not (await db.exec(text(f"SELECT count(*) FROM pg_locks WHERE pid = {third_pid} AND NOT granted"))).one()[0]:
            await db.rollback()
            assert not waiting.done(), "the append on the locked dossier did not wait"
            assert asyncio.get_running_loop().time() < deadline, "the append never waited on a lock"
            await asyncio.sleep(0.01)
        await db.rollback()
        assert not waiting.done()  # same dossier: waits for the lock
        await commit_chained(holder)
        await asyncio.wait_for(waiting, timeout=30)
        await commit_chained(third)
    assert await verify_chain(db, dossier_id=a) is None and await verify_chain(db, dossier_id=b) is None


async def test_a_commit_has_reached_the_disk_when_it_returns(db, settings):
    """Nothing of the log is lost on a crash, a power cut included: SQLite syncs its WAL at each commit (FULL, not
    NORMAL, which may lose the last transactions), PostgreSQL waits for its WAL to be flushed."""
    from sqlalchemy import text

    if settings.database_url.startswith("sqlite"):
        assert (await db.exec(text("PRAGMA synchronous"))).one()[0] == 2  # FULL
    else:
        # The tests' server runs with synchronous_commit off (tests/pgserver.py), as an operator's might: Carnet asks
        # for it on each connection. (fsync is the server's alone: README's deployment keeps PostgreSQL's default.)
        assert (await db.exec(text("SHOW synchronous_commit"))).one()[0] == "on"
