"""A treatment marked as stopped from the profile page (profile/ending.py): its form, with the day it ended."""

from __future__ import annotations

from litestar import Request, Response, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..guards import logged_in
from ..models import paris_today
from ..profile.ending import end_treatment
from .forms import Form, FormError, parse_date, text
from .profile import managed_item, profile_context, profile_url


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/arret", guards=[logged_in], status_code=200)
async def stop(request: Request, db: AsyncSession, dossier_id: str, item_id: str, data: Form) -> Response:
    item, actor = await managed_item(db, account=request.user.account, dossier_id=dossier_id, item_id=item_id)
    if item.kind != "treatment" or item.ended_on is not None:  # only a treatment stops, once
        raise NotFoundException()
    ended_on = parse_date(text(data, "ended_on", limit=20))
    try:
        await end_treatment(db, item=item, ended_on=ended_on, actor=actor, today=paris_today())
    except InvalidInput as wrong:
        # The profile again, whoever's it is (its band), the form open under its treatment with the day typed.
        context = await profile_context(request, db, dossier_id)
        context["stopping"] = {"item_id": item.id, "error": FormError.of(wrong),
                               "ended_on": ended_on.isoformat() if ended_on else ""}
        return Template("profile.html", context=context, status_code=400)
    return Redirect(profile_url(dossier_id, "arrete") + f"#item-{item.id}", status_code=303)


routes = [stop]
