"""Changes to one item of the profil médical, from its page: a treatment marked as stopped, or a pregnancy as over
(profile/ending.py), on the day it ended, a treatment's dose changed (profile/dosing.py), a condition classed anew
(profile/classing.py), an item hidden from professionals or shown again, a position (kinds.ONE_AT_A_TIME) changed for
another in one step, deleted by whoever manages the dossier, or removed by the professional who declared it in error.
Each in the log (profile/items.py)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..access.managing import managed_dossier
from ..access.rule import Visibility, document_right, dossier_right, visibility
from ..access.standing import facts_of, standing_of
from ..caregivers.dossiers import band_of
from ..dossiers import InvalidInput
from ..errors import Unsent, error_response, giving_back
from ..guards import logged_in
from ..i18n import _
from ..identifiers import identity_of
from ..models import Account, Dossier, Patient, Professional, ProfileItem, paris_today, utcnow
from ..profile.classing import set_nature
from ..profile.dosing import change_dose
from ..profile.ending import ENDINGS, end_item
from ..profile.items import ItemInput, add_item, delete_item, refusal, removal_refused, set_item_hidden
from ..profile.wording import name
from ..professionals.own_documents import keeps_own
from ..access.reading import log_profile_read
from ..access.rule import Right
from ..profile.kinds import DONATION, MEASURES, NATURES, ONE_AT_A_TIME, SEVERITIES
from ..profile.seen import item_facts, seen_item
from .forms import Form, FormError, parse_date, text
from .profile import ENDED_LINE, profile_context, profile_url
from .profile_adding import form_page, form_values


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


@dataclass(frozen=True)
class Removal:
    """An item to delete, by whoever manages the dossier, or to withdraw, by the professional who declared it."""

    item: ProfileItem
    actor: audit.Actor
    by_author: bool = False
    dossier: Dossier | None = None  # the author's: their form shows whose profile
    opens: bool = True  # the dossier opens to them; else they read their line on their page of what they added

    def back(self, dossier_id: str) -> str:
        """Where the form leads back to: the profile, or the author's page of what they added to a dossier no longer
        open to them (views/pro.py `my_documents`)."""
        return profile_url(dossier_id) if self.opens else own_url(dossier_id)


def own_url(dossier_id: str, done: str = "") -> str:
    return f"/pro/dossiers/{dossier_id}/mes-documents" + (f"?fait={done}" if done else "")


async def authored_item(db: AsyncSession, *, account: Account, dossier_id: str, item_id: str) -> Removal:
    """Inside the chained transaction the caller began, the chain's lock taken first (a block committed just before
    is seen, as for a document's withdrawal, professionals/uploads.py): an item this professional declared, which
    they withdraw as declared in error, while the rule lets them read it (their own: a revoked grant leaves it, a
    block or a closed dossier does not, as for their documents); 404 for any other item, as for a missing one."""
    dossier = await db.get(Dossier, dossier_id[:64])
    if dossier is not None:
        await audit.lock_chain(db, dossier_id=dossier.id)
    item = await db.get(ProfileItem, item_id[:64], populate_existing=True)
    now = utcnow()
    if (account.professional_id is None or item is None or dossier is None or item.dossier_id != dossier.id
            or item.deleted_at is not None or item.author_professional_id != account.professional_id):
        await db.rollback()
        raise NotFoundException()
    standing, facts = await standing_of(db, account=account, dossier=dossier, now=now), await facts_of(db, dossier)
    if document_right(standing, facts, item_facts(item), now) is None:
        await db.rollback()
        raise NotFoundException()
    professional = await db.get(Professional, account.professional_id)
    return Removal(item, audit.Actor.professional(account, professional), by_author=True, dossier=dossier,
                   opens=dossier_right(standing, facts, now) is not None)


async def removal(db: AsyncSession, *, account: Account, dossier_id: str, item_id: str) -> Removal:
    """In a chained transaction begun here: the item as whoever manages the dossier deletes it (a professional's
    account may manage a relative's), else as its author withdraws it; 404 for anyone else; InvalidInput, which says
    why, for a manager who may not delete it (the patient's personal declarations: profile/items.py)."""
    await audit.begin_chained(db, dossier_id=dossier_id)
    try:
        item, actor = await managed_item(db, account=account, dossier_id=dossier_id, item_id=item_id)
    except NotFoundException:
        if account.professional_id is None:
            await db.rollback()
            raise
        return await authored_item(db, account=account, dossier_id=dossier_id, item_id=item_id)
    if refused := await removal_refused(db, item=item, by=actor.kind):
        await db.rollback()
        raise refused
    return Removal(item, actor)


async def not_stated(request: Request, db: AsyncSession, dossier_id: str, refused: InvalidInput) -> Response:
    """A manager's change or deletion of a line that is not theirs to change (profile/items.py `refusal`): why,
    under the dossier's band, with the way back to its profile."""
    dossier = await db.get(Dossier, dossier_id)
    return error_response(request, 403, str(refused), back=(profile_url(dossier_id), _("Revenir au profil médical")),
                          band=await band_of(db, dossier=dossier, account=request.user.account, now=utcnow()))


@get("/dossiers/{dossier_id:str}/profil/{item_id:str}/suppression", guards=[logged_in])
async def delete_form(request: Request, db: AsyncSession, dossier_id: str, item_id: str) -> Response:
    account = request.user.account
    try:
        found = await removal(db, account=account, dossier_id=dossier_id, item_id=item_id)
    except InvalidInput as refused:
        return await not_stated(request, db, dossier_id, refused)
    except NotFoundException:
        # No such line to delete (gone meanwhile: "Revoir la page" after a refused deletion leads here) in a dossier
        # this person manages: its profile as it is now, alike for a deleted, missing or foreign id; else the 404.
        await managed_dossier(db, account=account, dossier_id=dossier_id)
        return Redirect(profile_url(dossier_id), status_code=303)
    context = {"item": found.item, "summary": name(found.item), "dossier_id": dossier_id, "measures": MEASURES,
               "donation": DONATION, "severities": SEVERITIES, "author": found.by_author, "opens": found.opens,
               "back": found.back(dossier_id)}
    if found.dossier is not None:  # whose profile, as every professional's page of a dossier says: a read, logged
        context["identity"] = identity_of(await db.get(Patient, found.dossier.patient_id), today=paris_today())
        await log_profile_read(db, account=account, dossier=found.dossier, right=Right.AUTHOR)
    else:
        await db.commit()
        context["band"] = await band_of(db, dossier=await db.get(Dossier, dossier_id), account=account, now=utcnow())
    return Template("profile_delete.html", context=context)


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/suppression", guards=[logged_in], status_code=200)
async def delete(request: Request, db: AsyncSession, dossier_id: str, item_id: str) -> Response:
    account = request.user.account
    try:
        found = await removal(db, account=account, dossier_id=dossier_id, item_id=item_id)
    except InvalidInput as refused:
        return await not_stated(request, db, dossier_id, refused)
    await delete_item(db, item=found.item, actor=found.actor, begun=True,
                      right=Right.AUTHOR.value if found.by_author else "")
    if found.opens:
        return Redirect(profile_url(dossier_id, "retire" if found.by_author else "supprime"), status_code=303)
    # The author's page of what they added to a dossier no longer open to them; "Mes patients" once nothing is left.
    left = any(await keeps_own(db, dossier_id=dossier_id, professional_id=account.professional_id))
    return Redirect(own_url(dossier_id, "retire") if left else "/pro?fait=retire", status_code=303)


# --- a treatment's end, a pregnancy's ----------------------------------------------------------


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/arret", guards=[logged_in], status_code=200)
async def stop(request: Request, db: AsyncSession, dossier_id: str, item_id: str, data: Form) -> Response:
    """One address for both: the path, which the server's log keeps, never says a pregnancy ended."""
    item, actor = await managed_item(db, account=request.user.account, dossier_id=dossier_id, item_id=item_id)
    if item.kind not in ENDINGS or item.ended_on is not None:  # only a treatment or a pregnancy ends, once
        raise NotFoundException()
    ended_on = parse_date(text(data, "ended_on", limit=20))
    try:
        await end_item(db, item=item, ended_on=ended_on, actor=actor, today=paris_today())
    except InvalidInput as wrong:
        # The profile again, whoever's it is (its band), the form open under its treatment with the day typed.
        context = await profile_context(request, db, dossier_id)
        context["stopping"] = {"item_id": item.id, "error": FormError.of(wrong),
                               "ended_on": ended_on.isoformat() if ended_on else ""}
        return Template("profile.html", context=context, status_code=400)
    # Nor does the page's: the line's opaque id says which sentence its page says (views/profile.py `ended_kind`).
    return Redirect(profile_url(dossier_id, "fin") + f"&{ENDED_LINE}={item.id}#item-{item.id}", status_code=303)


# --- a treatment's new dose --------------------------------------------------------------------


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/posologie", guards=[logged_in], status_code=200)
async def dose(request: Request, db: AsyncSession, dossier_id: str, item_id: str, data: Form) -> Response:
    """A treatment in progress, which whoever manages the dossier sees, changed for its new dose from a day
    (profile/dosing.py); 404 for any other line, as for a missing one (a professional states no change of it, as
    they note no stop)."""
    account = request.user.account
    # A relative the patient made a reader (or removed) while she typed: refused, with what she typed given back.
    with giving_back(unsent_dose(data)):
        item, actor = await managed_item(db, account=account, dossier_id=dossier_id, item_id=item_id)
    if item.kind != "treatment" or item.ended_on is not None:
        raise NotFoundException()
    typed = {"detail": text(data, "detail", limit=600), "changed_on": text(data, "changed_on", limit=20),
             "label": text(data, "label", limit=300) if "label" in data else item.label}  # software may send none
    try:
        added = await change_dose(db, item=item, dose=typed["detail"], changed_on=parse_date(typed["changed_on"]),
                                  actor=actor, added_by_account_id=account.id, today=paris_today(),
                                  label=typed["label"])
    except InvalidInput as wrong:
        # The profile again, its form open under the treatment with what was typed, as a refused stop.
        context = await profile_context(request, db, dossier_id)
        context["dosing"] = {"item_id": item.id, "error": FormError.of(wrong)} | typed
        return Template("profile.html", context=context, status_code=400)
    if added is None:  # stopped or deleted meanwhile: the profile as it is now
        return Redirect(profile_url(dossier_id), status_code=303)
    return Redirect(profile_url(dossier_id, "posologie") + f"#item-{added.id}", status_code=303)


def unsent_dose(data: dict) -> Unsent:
    """What a new dose's form refused to a relative who no longer manages the dossier gives back."""
    return Unsent(_("La nouvelle posologie n'a pas été enregistrée. La voici, pour la copier : Carnet ne l'a pas "
                    "gardée."), ((_("Médicament"), text(data, "label", limit=300), False),
                                 (_("Nouvelle posologie"), text(data, "detail", limit=600), False)))


# --- a condition classed anew -----------------------------------------------------------------


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/classement", guards=[logged_in], status_code=200)
async def classify(request: Request, db: AsyncSession, dossier_id: str, item_id: str, data: Form) -> Response:
    item, actor = await managed_item(db, account=request.user.account, dossier_id=dossier_id, item_id=item_id)
    if item.kind != "condition":
        raise NotFoundException()
    nature = text(data, "nature", limit=20)
    if nature not in NATURES:
        return error_response(request, 400, _("Indiquez s'il s'agit d'un problème de santé actuel, d'une maladie "
                                              "passée ou d'une intervention."))
    await set_nature(db, item=item, nature=nature, actor=actor)
    return Redirect(profile_url(dossier_id, "classe") + f"#item-{item.id}", status_code=303)


# --- a position changed -----------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A position (kinds.ONE_AT_A_TIME) that whoever manages the dossier changes, and what they read of the profile."""

    item: ProfileItem
    actor: audit.Actor
    dossier: Dossier
    sees: Visibility


async def standing_position(db: AsyncSession, *, account: Account, dossier_id: str, item_id: str) -> Position:
    """In a chained transaction begun here, the dossier's chain lock taken before anything is read (another manager's
    change committed just before is seen: their line is gone, and this one refused): a position that stands in a
    dossier this account manages, which it sees; 404 for any other line, as for a missing one (a professional states
    none: kinds.PATIENTS_OWN)."""
    await audit.begin_chained(db)
    try:
        await audit.lock_chain(db, dossier_id=dossier_id[:64])
        managed = await managed_dossier(db, account=account, dossier_id=dossier_id)
        sees = visibility(managed.standing, managed.facts, utcnow())
        item = await seen_item(db, dossier_id=managed.dossier.id, item_id=item_id[:64], visible=sees)
        if item is None or item.kind not in ONE_AT_A_TIME:
            raise NotFoundException()
    except BaseException:
        await db.rollback()
        raise
    return Position(item, managed.actor, managed.dossier, sees)


@get("/dossiers/{dossier_id:str}/profil/{item_id:str}/changement", guards=[logged_in])
async def change_form(request: HTMXRequest, db: AsyncSession, dossier_id: str, item_id: str) -> Response:
    account = request.user.account
    try:
        item, actor = await managed_item(db, account=account, dossier_id=dossier_id, item_id=item_id)
    except NotFoundException:
        # Changed or deleted meanwhile by another manager ("Revoir la page" after a refused change leads here): the
        # profile as it is now, as delete_form answers; else the 404.
        await managed_dossier(db, account=account, dossier_id=dossier_id)
        return Redirect(profile_url(dossier_id), status_code=303)
    if item.kind not in ONE_AT_A_TIME:  # a list's line is deleted, or another added beside it
        raise NotFoundException()
    dossier = await db.get(Dossier, item.dossier_id)
    if refused := refusal(item.kind, by=actor.kind, patient=await db.get(Patient, dossier.patient_id)):
        return await not_stated(request, db, dossier_id, refused)
    return await form_page(request, db, dossier_id, item.kind, form={"label": item.label, "detail": item.detail},
                           replacing=item)


@post("/dossiers/{dossier_id:str}/profil/{item_id:str}/changement", guards=[logged_in], status_code=200)
async def change(request: HTMXRequest, db: AsyncSession, dossier_id: str, item_id: str, data: Form) -> Response:
    """One form, one transaction: the position standing is deleted and the new one added, each with its event as a
    deletion's and an addition's (profile/items.py `add_item`'s `replacing`), so the Historique says both and no
    moment holds none; refused as an addition is (and the line gone meanwhile, as a deletion is: 404)."""
    account = request.user.account
    position = await standing_position(db, account=account, dossier_id=dossier_id, item_id=item_id)
    if refused := refusal(position.item.kind, by=position.actor.kind,
                          patient=await db.get(Patient, position.dossier.patient_id)):
        await db.commit()  # nothing written
        return await not_stated(request, db, dossier_id, refused)
    entry = ItemInput(position.item.kind, label=text(data, "label", limit=250), detail=text(data, "detail", limit=600))
    if (entry.label, entry.detail) == (position.item.label, position.item.detail):
        await db.commit()  # the same position again: nothing to end nor to log
        return Redirect(profile_url(dossier_id, "inchange") + f"#item-{position.item.id}", status_code=303)
    try:
        added = await add_item(db, dossier=position.dossier, data=entry, actor=position.actor,
                               added_by_account_id=account.id, today=paris_today(), seen_by=position.sees,
                               replacing=position.item)
    except InvalidInput as invalid:
        # Refused before anything was written (add_item checks first): a rollback would expire the line shown again.
        await db.commit()
        return await form_page(request, db, dossier_id, position.item.kind, form=form_values(data),
                               error=FormError.of(invalid), status=400, replacing=position.item)
    except BaseException:
        await db.rollback()
        raise
    return Redirect(profile_url(dossier_id, "change") + f"#item-{added.id}", status_code=303)


routes = [hide, delete_form, delete, stop, dose, classify, change_form, change]
