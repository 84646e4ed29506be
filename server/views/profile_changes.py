"""Changes to one item of the profil médical, from its page: a treatment marked as stopped (profile/ending.py) on the
day it ended, an item hidden from professionals or shown again, deleted by whoever manages the dossier, or removed by
the professional who declared it in error. Each in the log (profile/items.py)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..access.managing import managed_dossier
from ..access.rule import document_right, visibility
from ..access.standing import facts_of, standing_of
from ..caregivers.dossiers import band_of
from ..dossiers import InvalidInput
from ..errors import error_response
from ..guards import logged_in
from ..i18n import _
from ..identifiers import identity_of
from ..models import Account, Dossier, Patient, Professional, ProfileItem, paris_today, utcnow
from ..profile.ending import end_treatment
from ..profile.items import delete_item, name, set_item_hidden
from ..profile.kinds import DONATION, MEASURES, SEVERITIES
from ..profile.seen import item_facts, seen_item
from .forms import Form, FormError, parse_date, text
from .profile import profile_context, profile_url


async def managed_item(db: AsyncSession, *, account: Account, dossier_id: str, item_id: str) -> tuple[ProfileItem, audit.Actor]:
    """An item of a dossier this account manages, and sees (a minor's parent never one kept from them); 404 for a
    deleted, missing, foreign or unseen one alike."""
    managed = await managed_dossier(db, account=account, dossier_id=dossier_id)
    visible = visibility(managed.standing, managed.facts, utcnow())
    item = await seen_item(db, dossier_id=managed.dossier.id, item_id=item_id, visible=visible)
    if item is None:
        raise NotFoundException()
    return item, managed.actor


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/masquage", guards=[logged_in], status_code=200)
async def hide(request: Request, db: AsyncSession, dossier_id: str, item_id: str, data: Form) -> Response:
    item, actor = await managed_item(db, account=request.user.account, dossier_id=dossier_id, item_id=item_id)
    choice = text(data, "masque", limit=5)
    if choice not in ("oui", "non"):
        return error_response(request, 400, _("Choisissez de masquer l'information ou de ne plus la masquer."))
    await set_item_hidden(db, item=item, hidden=choice == "oui", actor=actor)
    return Redirect(profile_url(dossier_id, "masque" if choice == "oui" else "visible") + f"#item-{item.id}",
                    status_code=303)


async def authored_item(db: AsyncSession, *, account: Account, dossier_id: str,
                        item_id: str) -> tuple[ProfileItem, audit.Actor]:
    """An item this professional declared, which they remove as declared in error (as they withdraw a document),
    while the rule lets them read it (their own: a revoked grant leaves it, a block does not); 404 for any other
    item, as for a missing one."""
    item = await db.get(ProfileItem, item_id[:64])
    dossier = await db.get(Dossier, dossier_id[:64])
    now = utcnow()
    if (item is None or dossier is None or item.dossier_id != dossier.id or item.deleted_at is not None
            or item.author_professional_id is None or item.author_professional_id != account.professional_id
            or document_right(await standing_of(db, account=account, dossier=dossier, now=now),
                              await facts_of(db, dossier), item_facts(item), now) is None):
        raise NotFoundException()
    professional = await db.get(Professional, account.professional_id)
    return item, audit.Actor.professional(account, professional)


async def removable_item(db: AsyncSession, *, account: Account, dossier_id: str,
                         item_id: str) -> tuple[ProfileItem, audit.Actor]:
    """The patient's or a managing caregiver's item to delete, or a professional's own to remove."""
    find = authored_item if account.professional_id is not None else managed_item
    return await find(db, account=account, dossier_id=dossier_id, item_id=item_id)


@get("/dossiers/{dossier_id:str}/profil/{item_id:str}/suppression", guards=[logged_in])
async def delete_form(request: Request, db: AsyncSession, dossier_id: str, item_id: str) -> Template:
    account = request.user.account
    item, _actor = await removable_item(db, account=account, dossier_id=dossier_id, item_id=item_id)
    dossier = await db.get(Dossier, dossier_id)
    author = account.professional_id is not None
    context = {"item": item, "summary": name(item), "dossier_id": dossier_id, "measures": MEASURES,
               "donation": DONATION, "severities": SEVERITIES, "author": author}
    if author:  # whose profile, as every professional's page of a dossier says
        context["identity"] = identity_of(await db.get(Patient, dossier.patient_id), today=paris_today())
    else:
        context["band"] = await band_of(db, dossier=dossier, account=account, now=utcnow())
    return Template("profile_delete.html", context=context)


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/suppression", guards=[logged_in], status_code=200)
async def delete(request: Request, db: AsyncSession, dossier_id: str, item_id: str) -> Response:
    account = request.user.account
    item, actor = await removable_item(db, account=account, dossier_id=dossier_id, item_id=item_id)
    await delete_item(db, item=item, actor=actor, by_author=account.professional_id is not None)
    return Redirect(profile_url(dossier_id, "supprime"), status_code=303)


# --- a treatment's end ------------------------------------------------------------------------


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


routes = [hide, delete_form, delete, stop]
