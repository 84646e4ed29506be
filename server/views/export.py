"""Take everything with you (issue 12): the page that says what the copy holds, and the ZIP itself.

The patient and the caregivers who read the dossier (readers included) may export it, a closed dossier too;
anyone else gets the 404 of a missing dossier. The export is in the access log, committed, before the ZIP is
built and sent; the ZIP goes into a temporary file (in memory while small) and is streamed from there.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import IO

from litestar import Request, get, post
from litestar.response import Stream, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import visibility
from ..caregivers.confidential import kept_from
from ..caregivers.dossiers import band_of
from ..export.archive import outline, record_export, write_export
from ..export.names import download_name
from ..guards import logged_in
from ..models import utcnow
from ..access.managing import Managed, managed_dossier
from ..templating import PARIS

IN_MEMORY = 8 * 1024 * 1024  # past this, the temporary file is on disk
CHUNK = 256 * 1024


async def exporter(request: Request, db: AsyncSession, dossier_id: str) -> tuple[Managed, dict, bool]:
    """The dossier, for its patient or a caregiver; what of it they see (documents, then log events); and whether
    the log goes with the dossier's own numbers and hashes: not to a legal representative (confidential.py)."""
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id, readers=True)
    kept = await kept_from(db, dossier_id=dossier_id, account=request.user.account)
    seen = {"visible": visibility(managed.standing, managed.facts, utcnow()), "log_visible": kept.events()}
    return managed, seen, not kept.representative


@get("/dossiers/{dossier_id:str}/export", guards=[logged_in])
async def export_page(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    managed, seen, chained = await exporter(request, db, dossier_id)
    context = {"dossier": managed.dossier, "patient": managed.patient, "mine": managed.standing.is_patient,
               "outline": await outline(db, dossier_id=dossier_id, **seen), "chained": chained,
               "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=utcnow(),
                                     manages=managed.can_manage)}
    return Template("export.html", context=context)


async def chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while block := file.read(CHUNK):
            yield block
    finally:
        file.close()


@post("/dossiers/{dossier_id:str}/export", guards=[logged_in], status_code=200)
async def export_zip(request: Request, db: AsyncSession, dossier_id: str) -> Stream:
    managed, seen, chained = await exporter(request, db, dossier_id)
    await record_export(db, dossier=managed.dossier, actor=managed.actor)
    now = utcnow()
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    try:
        await write_export(db, request.app.state.storage, spool, dossier=managed.dossier, patient=managed.patient,
                           now=now, chained=chained, by_patient=managed.standing.is_patient, **seen)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    name = download_name("carnet-dossier", managed.patient, now.astimezone(PARIS).date().isoformat(), "zip")
    return Stream(chunks(spool), media_type="application/zip",
                  headers={"Content-Disposition": f'attachment; filename="{name}"',
                           "Content-Length": str(size)})


routes = [export_page, export_zip]
