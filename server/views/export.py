"""Take everything with you (issue 12): the page that says what the copy holds, and the ZIP itself.

The patient and the caregivers who read the dossier (readers included) may export it, a closed dossier too;
anyone else gets the 404 of a missing dossier. The export is in the access log, committed, before the ZIP is
built and sent; the ZIP goes into a temporary file (in memory while small) and is streamed from there.

The button's POST logs the export and answers a 303 to the copy's own address, whose GET builds it once: the form
sent twice (a browser's own retry after a lost answer) gets that 303 again, never a second line in the log
(submissions.py keeps a redirect, never a ZIP).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import IO

from litestar import Request, Response, get, post
from litestar.response import Redirect, Stream, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions
from ..access.rule import visibility
from ..caregivers.confidential import kept_from
from ..caregivers.dossiers import band_of
from ..export.archive import outline, record_export, write_export
from ..export.names import download_name
from ..fhir.ips import compiler_of
from ..guards import logged_in
from ..models import utcnow
from ..access.managing import Managed, managed_dossier
from ..templating import PARIS

IN_MEMORY = 8 * 1024 * 1024  # past this, the temporary file is on disk
CHUNK = 256 * 1024
# In a session's data: the copies its POSTs logged and its GETs have not yet built, by their opaque ids.
EXPORTS = "exports"
KEPT_EXPORTS = 5
COPY_LIFETIME = timedelta(minutes=5)  # the 303 is followed at once; a copy asked later is asked, and logged, again


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
async def export_asked(request: Request, db: AsyncSession, dossier_id: str) -> Redirect:
    managed, _seen, _chained = await exporter(request, db, dossier_id)
    await record_export(db, dossier=managed.dossier, actor=managed.actor)
    copy_id = secrets.token_urlsafe(16)  # an opaque id: nothing of the dossier or its patient in the address
    data = request.user.data
    kept = dict(list(data.get(EXPORTS, {}).items())[-(KEPT_EXPORTS - 1):])
    data[EXPORTS] = {**kept, copy_id: {"dossier_id": managed.dossier.id, "asked_at": utcnow().isoformat()}}
    await sessions.save_session_data(db, current=request.user, data=data)
    return Redirect(f"/dossiers/{managed.dossier.id}/export/{copy_id}", status_code=303)


@get("/dossiers/{dossier_id:str}/export/{copy_id:str}", guards=[logged_in])
async def export_zip(request: Request, db: AsyncSession, dossier_id: str, copy_id: str) -> Response:
    """The copy its POST logged, once, to the session that asked for it; else the page that asks for a new one."""
    managed, seen, chained = await exporter(request, db, dossier_id)
    data = request.user.data
    asked = data.get(EXPORTS, {}).pop(copy_id, None)
    if asked is not None:
        await sessions.save_session_data(db, current=request.user, data=data)
    now = utcnow()
    # Soon after its POST only: a phone left unlocked in this session gets no copy that the log would not say.
    if (asked is None or asked["dossier_id"] != managed.dossier.id
            or now - datetime.fromisoformat(asked["asked_at"]) > COPY_LIFETIME):
        return Redirect(f"/dossiers/{managed.dossier.id}/export", status_code=303)
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    try:
        await write_export(db, request.app.state.storage, spool, dossier=managed.dossier, patient=managed.patient,
                           now=now, chained=chained, by_patient=managed.standing.is_patient, **seen,
                           compiler=await compiler_of(db, dossier=managed.dossier, account=request.user.account))
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    name = download_name("carnet-dossier", managed.patient, now.astimezone(PARIS).date().isoformat(), "zip")
    return Stream(chunks(spool), media_type="application/zip",
                  headers={"Content-Disposition": f'attachment; filename="{name}"',
                           "Content-Length": str(size)})


routes = [export_page, export_asked, export_zip]
