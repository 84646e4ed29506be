"""A burst of writers: when the database's write lock cannot be had in time, a page that only reads is still shown,
and a change is refused whole, in French, with a 503 (server/exception_handlers.py, server/auth/sessions.py)."""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

import server.db.sqlite
from server.accesslog.audit import Actor, ChainBusy, append, begin_chained, commit_chained
from server.db import begin_write
from server.db.errors import is_busy
from server.models import LogVisit, RecoveryCode, WebSession, utcnow
from tests.conftest import activate, logged_read, post_form


@pytest.fixture
async def hold_the_lock(app, settings, monkeypatch, db):
    """Hold the database's write lock while a request runs, which waits 0.3 s for it: this process's turn at
    SQLite's lock (server/db/sqlite.py), PostgreSQL's lock_timeout on the tables the requests below write."""
    sqlite = settings.database_url.startswith("sqlite")
    if sqlite:
        monkeypatch.setattr(server.db.sqlite, "BUSY_TIMEOUT_S", 0.3)
    else:
        await db.exec(text("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lock_timeout = ''300ms''', "
                           "current_database()); END $$"))
        await db.commit()
        await app.state.engine.dispose()  # a connection takes the setting when it opens

    @asynccontextmanager
    async def held():
        async with app.state.sessionmaker() as holder:
            await begin_write(holder)
            if not sqlite:
                await holder.exec(text("LOCK TABLE websession, logvisit, recoverycode IN EXCLUSIVE MODE"))
            yield
            await holder.commit()

    return held


async def test_a_page_that_only_reads_is_shown_while_the_write_lock_is_held_past_its_timeout(hold_the_lock, client, db,
                                                                                              patient):
    """The session is marked seen once a minute, a write: a burst of writers made that a 500 (found under load)."""
    await activate(client, patient)
    a_while_ago = utcnow() - timedelta(minutes=5)
    await db.exec(update(WebSession).values(last_seen_at=a_while_ago))
    await db.commit()
    async with hold_the_lock():
        page = await client.get(f"/dossiers/{patient.dossier.id}")
    assert page.status_code == 200, page.text
    assert "<h1>Mon dossier</h1>" in page.text
    [seen] = (await db.exec(select(WebSession.last_seen_at))).all()
    assert seen == a_while_ago  # not marked: a request a minute on will
    await db.commit()
    again = await client.get(f"/dossiers/{patient.dossier.id}")
    assert again.status_code == 200
    await db.commit()  # a new read: SQLite's snapshot of the one before would not see the write
    [seen] = (await db.exec(select(WebSession.last_seen_at))).all()
    assert seen > a_while_ago


async def test_a_page_that_only_reads_waits_a_moment_for_its_bookkeeping_not_the_locks_timeout(app, settings, client,
                                                                                                db, patient):
    """A burst of writers held such a page up for the write lock's whole timeout (10 s on SQLite; on PostgreSQL,
    which has none by default, as long as the burst lasted): its bookkeeping now waits BOOKKEEPING_WAIT_S."""
    await activate(client, patient)
    a_while_ago = utcnow() - timedelta(minutes=5)
    await db.exec(update(WebSession).values(last_seen_at=a_while_ago))
    await db.commit()
    async with app.state.sessionmaker() as holder:
        await begin_write(holder)
        if not settings.database_url.startswith("sqlite"):
            await holder.exec(text("LOCK TABLE websession IN EXCLUSIVE MODE"))
        page = await asyncio.wait_for(client.get(f"/dossiers/{patient.dossier.id}"),
                                      server.db.sqlite.BUSY_TIMEOUT_S / 2)
        await holder.commit()
    assert page.status_code == 200 and "<h1>Mon dossier</h1>" in page.text
    assert (await db.exec(select(WebSession.last_seen_at))).all() == [a_while_ago]


async def test_the_historique_is_shown_while_the_write_lock_is_held_and_its_visit_marked_at_the_next(hold_the_lock,
                                                                                                     client, db,
                                                                                                     patient):
    """Its visit mark ("seen up to here") is bookkeeping too: it rolled back the page's own session, so it was a 503."""
    await activate(client, patient)
    await logged_read(db, patient.dossier)
    historique = f"/dossiers/{patient.dossier.id}/historique"
    async with hold_the_lock():
        page = await client.get(historique)
    assert page.status_code == 200, page.text
    assert "Léa Fontaine" in page.text and "1 nouvel événement" in page.text
    assert (await db.exec(select(LogVisit))).all() == []
    await db.commit()
    assert "1 nouvel événement" in (await client.get(historique)).text  # still new: that visit was not marked
    await db.commit()
    assert len((await db.exec(select(LogVisit))).all()) == 1
    await db.commit()
    assert "nouvel événement" not in (await client.get(historique)).text


async def test_a_change_that_cannot_have_the_write_lock_in_time_is_refused_whole_in_french(hold_the_lock, client, db,
                                                                                            patient):
    await activate(client, patient)
    codes = await post_form(client, "/cles/codes-de-secours", {})
    assert codes.status_code == 200
    before = set((await db.exec(select(RecoveryCode.code_hash))).all())
    await db.commit()
    async with hold_the_lock():
        refused = await post_form(client, "/cles/codes-de-secours", {})
    assert refused.status_code == 503
    # New codes are in the dossier's log (a code makes a passkey): the lock not had is its chain's (SQLite's one
    # lock) or the codes' table's (PostgreSQL), each said in French.
    assert re.search(r"(Le dossier|Carnet) est très sollicité en ce moment\. Réessayez dans quelques secondes\.",
                     refused.text)
    assert refused.headers["retry-after"] == "5"
    assert refused.headers["cache-control"] == "no-store"
    assert set((await db.exec(select(RecoveryCode.code_hash))).all()) == before  # nothing half-done
    assert (await post_form(client, "/cles/codes-de-secours", {})).status_code == 200  # and the next one goes through


async def test_a_lock_not_had_in_time_is_busy_on_both_engines(app, db, settings, monkeypatch):
    """`is_busy` tells "try again" from "wrong", on each engine's own error for a lock not had in time."""
    monkeypatch.setattr(server.db.sqlite, "BUSY_TIMEOUT_S", 0.3)
    async with app.state.sessionmaker() as holder, app.state.sessionmaker() as waiter:
        await begin_write(holder)
        if settings.database_url.startswith("sqlite"):
            with pytest.raises(DBAPIError) as caught:
                await begin_write(waiter)
        else:
            await holder.exec(text("LOCK TABLE chainhead IN EXCLUSIVE MODE"))
            await waiter.exec(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(DBAPIError) as caught:
                await waiter.exec(text("LOCK TABLE chainhead IN EXCLUSIVE MODE"))
        await holder.commit()
        await waiter.rollback()
    assert is_busy(caught.value), caught.value
    with pytest.raises(DBAPIError) as wrong:
        await db.exec(text("SELECT * FROM no_such_table"))
    assert not is_busy(wrong.value)



async def test_only_a_busy_database_is_a_busy_chain_a_read_only_one_is_the_failure_it_is(settings):
    """audit.py refuses an action as "très sollicité" (ChainBusy) only when the lock was not had in time: a database
    that cannot be written is an error to log, not a wait to suggest."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("a read-only file is SQLite's")
    path = settings.database_url.split("///", 1)[1]
    engine = server.db.make_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        async with server.db.make_sessionmaker(engine)() as session:
            with pytest.raises(DBAPIError) as caught:
                await begin_chained(session)
                await append(session, dossier_id="0" * 32, action="read_timeline", actor=Actor(None, "system", "Carnet"))
                await commit_chained(session)
    finally:
        await engine.dispose()
    assert not isinstance(caught.value, ChainBusy) and not is_busy(caught.value), caught.value


@pytest.mark.parametrize("database_url", [
    "postgresql+asyncpg://carnet:secret@127.0.0.1:1/carnet",  # nothing listens: refused
    "postgresql+asyncpg://carnet:secret@nohost.invalid/carnet",  # its host's name unknown
])
async def test_a_database_that_cannot_be_reached_is_a_503_and_one_line_of_log(tmp_path, caplog, database_url):
    """An operator's probe: PostgreSQL stopped, each health check was a 500 and 140 lines of traceback in the log,
    which a load balancer probing every few seconds fills."""
    import httpx

    from server.app import create_app
    from server.config import load_settings

    settings = load_settings({"CARNET_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "CARNET_ENV": "test",
                              "CARNET_SECRET": "s" * 40, "CARNET_ORIGIN": "http://localhost:8000"})
    app = create_app(settings)
    errors_log = logging.getLogger("carnet.errors")  # Carnet's loggers do not propagate to caplog's (app.py)
    errors_log.addHandler(caplog.handler)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.origin) as browser:
            health = await browser.get("/sante")
            page = await browser.get("/", headers={"Cookie": "carnet_session=a-session-s-token"})
    finally:
        errors_log.removeHandler(caplog.handler)
    assert (health.status_code, health.headers["Retry-After"]) == (503, "30")
    assert page.status_code == 503 and "Carnet est momentanément indisponible" in page.text
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors and all(re.fullmatch(r"database unreachable on GET /(sante)? \(\w+\)", e) for e in errors), errors
    await app.state.engine.dispose()
