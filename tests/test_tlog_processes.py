"""Several app processes on PostgreSQL append events and integrate them at once: one consistent tree.

A real `carnet serve --workers 2` (two processes, each with its background integrator, one at a time by
PostgreSQL's advisory lock) while two professionals read documents of two dossiers over HTTP, each read
an event chained in its dossier; then `carnet audit verify`'s check of the tree finds every event once,
in a tree the signed checkpoints describe.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date

import httpx
from sqlmodel import func, select

from server.auth.accounts import account_for_patient, account_for_professional

from server.auth.sessions import start_session
from server.config import Settings
from server.db import make_engine, make_sessionmaker
from server.dossiers import add_document, create_patient, create_professional
from server.files.store import DiskStorage
from server.identifiers import rpps_with_key
from server.models import AccessEvent
from server.access.managing import manage_dossier
from server.access.grants import grant_access
from server.tlog.store import TlogLeaf
from server.tlog.verify import verify_tree
from tests.conftest import make_ins
from tests.databases import create_from_template
from tests.live_server import running_server

READS = 60  # per professional, 6 at a time


async def seed(url: str, data_dir) -> list[tuple[str, str]]:
    """Two dossiers, each with a document and a professional it was shared with: (session, document id) each."""
    engine = make_engine(url)
    storage = DiskStorage(data_dir / "files")
    readers = []
    try:
        async with make_sessionmaker(engine)() as db:
            for n in (1, 2):
                patient, dossier = await create_patient(db, ins=make_ins("F", 1980 + n, 3, n), given_name="Camille",
                                                        family_name=f"Martin{n}", birth_date=date(1980 + n, 3, 12), sex="F")
                doctor = await create_professional(db, rpps=rpps_with_key(f"100000000{n}"), given_name="Julie",
                                                   family_name=f"Moreau{n}", profession="médecin", city="Lyon")
                _, as_patient = await manage_dossier(db, account=await account_for_patient(db, patient=patient),
                                                     dossier_id=dossier.id)
                await grant_access(db, dossier=dossier, professional=doctor, categories="", duration="1m", actor=as_patient)
                document = await add_document(db, storage, dossier=dossier, title="Bilan", category="biologie",
                                              event_date=date(2025, 1, 1), filename="bilan.txt", mime_type="text/plain",
                                              data=f"Bilan {n}".encode())
                session = await start_session(db, account=await account_for_professional(db, professional=doctor),
                                              authenticated=True)
                readers.append((session, document.id))
    finally:
        await engine.dispose()
    return readers


async def read_all(base: str, session: str, document_id: str) -> list[int]:
    async with httpx.AsyncClient(base_url=base, cookies={"carnet_session": session}, timeout=30) as http:
        gate = asyncio.Semaphore(6)

        async def one() -> int:
            async with gate:
                return (await http.get(f"/documents/{document_id}")).status_code

        return await asyncio.gather(*(one() for _ in range(READS)))


async def test_two_processes_append_and_integrate_into_one_consistent_tree(postgres):
    url = f"{postgres}/tlogprocs_{uuid.uuid4().hex[:12]}"
    await create_from_template(url)
    with running_server(prefix="carnet-tlog-", workers=2, database_url=url) as server:
        readers = await seed(url, server.data_dir)
        statuses = await asyncio.gather(*(read_all(server.url, s, d) for s, d in readers))
        assert all(code == 200 for codes in statuses for code in codes)
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as db:
                events = (await db.exec(select(func.count()).select_from(AccessEvent))).one()
                deadline = time.monotonic() + 15  # the merge delay is 10 s
                while (await db.exec(select(func.count()).select_from(TlogLeaf))).one() < events:
                    assert time.monotonic() < deadline, "events still out of the tree after 15 s"
                    await asyncio.sleep(0.2)
                    await db.rollback()  # a fresh snapshot
                settings = Settings(env="test", secret="x" * 40, data_dir=server.data_dir, database_url=url,
                                    origin=server.url)
                report = await verify_tree(db, settings)
                leaves = (await db.exec(select(func.count(func.distinct(TlogLeaf.event_id))))).one()
        finally:
            await engine.dispose()
    assert report.problems == [] and report.checkpoints >= 1
    assert report.size == leaves == events >= 2 * READS
