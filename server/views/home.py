"""The front door: the landing page, or straight to one's dossier; and a health check."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Redirect, Template
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts
from ..auth.sessions import LOGGED_IN_WITH
from ..caregivers import notices as account_notices
from ..caregivers.dossiers import held_dossiers
from ..models import utcnow


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
    # What they were told (a relative removed from another's dossier, a parent whose child came of age) is said on
    # "Mes dossiers", first: a patient who also helped someone would otherwise never land there.
    if await account_notices.unseen(db, account=current.account, logged_in_with=current.data.get(LOGGED_IN_WITH)):
        return Redirect("/mes-dossiers", status_code=303)
    if dossier is None:
        # A caregiver: straight to the one dossier they help with, or the list of them.
        held = await held_dossiers(db, account=current.account, now=utcnow())
        if len(held) == 1:
            return Redirect(f"/dossiers/{held[0].dossier.id}", status_code=303)
        return Redirect("/mes-dossiers", status_code=303)
    return Redirect(f"/dossiers/{dossier.id}", status_code=303)


routes = [home, health]
