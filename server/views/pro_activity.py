"""A professional's own activity ("Mon activité"), from "Mes patients": her accesses to dossiers, newest first."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.numbering import SEQ
from ..guards import professional_only
from ..professionals.activity import own_activity


@get("/pro/activite", guards=[professional_only])
async def activity(request: Request, db: AsyncSession, avant: str | None = None) -> Template:
    # A cursor that is not an event's id (a typo, a number past the database's integers) starts at the top, as the
    # Historique's does: never a 400 nor the database's overflow.
    before = SEQ.read(avant) or None  # 0 is no event's id: the top too
    account = request.user.account
    professional = request.user.professional
    found = await own_activity(db, account_id=account.id, professional_id=account.professional_id, before=before,
                               feminine=professional is not None and professional.profession_feminine)
    return Template("pro_activity.html", context={"activity": found, "first_page": before is None})


routes = [activity]
