"""The front door: the landing page, or straight to one's dossier; and a health check."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Redirect, Template
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import accounts


@get("/sante", media_type="text/plain")
async def health(db: AsyncSession) -> str:
    await db.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return "ok"


@get("/")
async def home(request: Request, db: AsyncSession) -> Response:
    current = request.user
    if current is None or not current.row.authenticated:
        return Template("landing.html")
    dossier = await accounts.patient_dossier(db, account=current.account)
    if dossier is None and current.account.professional_id:
        return Redirect("/pro", status_code=303)
    if dossier is None:
        return Template("error.html", context={"title": "Aucun dossier", "message": "Aucun dossier n'est rattaché à ce compte."})
    return Redirect(f"/dossiers/{dossier.id}", status_code=303)


routes = [home, health]
