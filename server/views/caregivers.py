"""Caregivers: the patient's "Mes proches" (inviting, removing), an account's dossiers.

The patient (or a minor's parent) invites from the dossier's "Proches" page; how the invited
person joins, and how a parent adds a child's dossier, is views/joining.py. An account's
dossiers, and what it was told while away, are on /mes-dossiers. Coming of age is views/majority.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions
from ..access import durations
from ..accesslog import journal
from ..caregivers import delegations, invitations, majority, patient_devices
from ..caregivers import notices as account_notices
from ..caregivers.confidential import kept_from
from ..caregivers.dossiers import band_of, held_dossiers, helpers_of, is_minor, left_alone, pending_invitations
from ..dossiers import InvalidInput
from ..guards import logged_in
from ..models import Account, AccountNotice, CaregiverInvitation, Delegation, Passkey, utcnow
from ..notifications import banners
from ..access.managing import Managed, managed_dossier
from .account import account_band
from .forms import Form, FormError, text
from .auth import NEXT, my_dossiers_url, next_path
from .recent_login import not_recent
from .share_codes import qr_svg

KEPT_CODES = 5
# In a session's data: whose dossier "Quitter ce dossier" has just left, which "Mes dossiers" then names (never the
# address: "?fait=dossier-quitte" is all it holds).
LEFT_DOSSIER = "left_dossier"
# The same, of the relative "Mes proches" has just removed or made a reader, whom its notice names ("Ce proche" said
# nothing of whom, and "ce" of a woman).
CHANGED_RELATIVE = "changed_relative"


def proches_url(dossier_id: str, done: str = "") -> str:
    return f"/dossiers/{dossier_id}/proches" + (f"?fait={done}" if done else "")


# --- the patient's side: who helps, inviting, removing ----------------------------------------------


def is_parent(managed: Managed, now: datetime) -> bool:
    """A legal representative of the dossier's patient, now (the patient themself is not)."""
    return not managed.standing.is_patient and any(
        c.legal_representative and c.active(now, managed.facts) for c in managed.standing.caregivers)


def invitations_handled(managed: Managed, now: datetime) -> frozenset[str]:
    """The kinds of invitation this account sees and cancels on this dossier: those it may make. The adult patient
    chooses their relatives (an invitation left from before 18 included: it reads as expired, its maker's right
    ended); a minor's parent invites the other parent. A relative who manages never touches the patient's choice of
    relatives."""
    if managed.standing.is_patient:
        return frozenset() if is_minor(managed.patient, now) else frozenset({"proche", "parent"})
    return frozenset({"parent"}) if is_parent(managed, now) and is_minor(managed.patient, now) else frozenset()


async def proches_context(request: Request, db: AsyncSession, dossier_id: str) -> dict[str, Any]:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    now = utcnow()
    own = managed.standing.is_patient
    minor = is_minor(managed.patient, now)
    as_parent = is_parent(managed, now)
    helpers = await helpers_of(db, dossier=managed.dossier, patient=managed.patient, now=now)
    # Not one whose maker may no longer make it (a parent's, at 18): it can no longer be accepted.
    pending = [i for i in await pending_invitations(db, dossier=managed.dossier, now=now)
               if await invitations.maker_may_invite(db, invitation=i, now=now)]
    representatives = sum(h.facts.legal_representative for h in helpers) + sum(i.relationship == "parent" for i in pending)
    handled = invitations_handled(managed, now)
    return {
        "dossier": managed.dossier, "patient": managed.patient, "own": own, "minor": minor,
        "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=now),
        "helpers": helpers,
        "invitations": [i for i in pending if i.relationship in handled],
        # An adult invites and removes their own caregivers; a minor's parents stay until 18 (majority_page). A minor's
        # parent invites the other parent (two parents or guardians at most), and may remove whom they invited (an
        # invitation given by mistake).
        "may_invite_relative": own and not minor,
        "may_invite_parent": as_parent and minor and representatives < invitations.MAX_REPRESENTATIVES,
        "may_remove": own and not minor, "parent_of_minor": as_parent and minor,
        # A relative who manages logs out the patient's devices (views/patient_devices.py), if he has an account.
        "may_log_out_devices": not own and await patient_devices.patient_account(db, patient=managed.patient) is not None,
        "durations": durations.LASTING, "terms": invitations.terms, "levels": invitations.LEVELS,
        "closed_notice": invitations.CLOSED,
        "relative": request.user.data.get(CHANGED_RELATIVE, ""),  # partials/access_notice.html
    }


@get("/dossiers/{dossier_id:str}/proches", guards=[logged_in])
async def proches(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    return Template("caregivers.html", context=await proches_context(request, db, dossier_id))


@post("/dossiers/{dossier_id:str}/proches/invitations", guards=[logged_in], status_code=200)
async def invite(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    context = await proches_context(request, db, dossier_id)
    relationship = "parent" if text(data, "lien", limit=10) == "parent" else "proche"
    # A parent's form from before the second parent joined is told why (invitations.invite), not "no such page".
    allowed = context["parent_of_minor"] if relationship == "parent" else context["may_invite_relative"]
    if not allowed:
        raise NotFoundException()
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    if old := await not_recent(request, db):  # a relative who manages it lasts as long as the patient lets them
        context["error"] = old
        context["form"] = {"niveau": text(data, "niveau", limit=10), "duree": text(data, "duree", limit=10)}
        return Template("caregivers.html", context=context, status_code=403)
    try:
        code, invitation = await invitations.invite(
            db, dossier=managed.dossier, account=request.user.account, actor=managed.actor,
            level=text(data, "niveau", limit=10), duration=text(data, "duree", limit=10), relationship=relationship)
    except InvalidInput as refused:
        context["error"] = FormError.of(refused)
        context["form"] = {"niveau": text(data, "niveau", limit=10), "duree": text(data, "duree", limit=10)}
        return Template("caregivers.html", context=context, status_code=400)
    current = request.user
    session_data = current.data
    kept = dict(list(session_data.get("invitations", {}).items())[-(KEPT_CODES - 1):])
    session_data["invitations"] = {**kept, invitation.id: code}
    await sessions.save_session_data(db, current=current, data=session_data)
    return Redirect(f"/invitations/{invitation.id}", status_code=303)


async def handled_invitation(request: Request, db: AsyncSession,
                             invitation_id: str) -> tuple[CaregiverInvitation, Managed]:
    """An invitation this account sees and cancels, and its dossier; 404 as for a missing one otherwise."""
    invitation = await db.get(CaregiverInvitation, invitation_id)
    if invitation is None:
        raise NotFoundException()
    managed = await managed_dossier(db, account=request.user.account, dossier_id=invitation.dossier_id)
    if invitation.relationship not in invitations_handled(managed, utcnow()):
        raise NotFoundException()
    return invitation, managed


async def invitation_state(request: Request, db: AsyncSession, invitation_id: str) -> dict[str, Any]:
    invitation, managed = await handled_invitation(request, db, invitation_id)
    now = utcnow()
    state = ("used" if invitation.used_at else "cancelled" if invitation.cancelled_at
             else "expired" if invitation.expires_at <= now
             or not await invitations.maker_may_invite(db, invitation=invitation, now=now) else "waiting")
    return {
        "invitation": invitation, "dossier": managed.dossier, "patient": managed.patient, "state": state,
        "code": request.user.data.get("invitations", {}).get(invitation.id) if state == "waiting" else None,
        "terms": invitations.terms(invitation),
        "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=now),
    }


@get("/invitations/{invitation_id:str}", guards=[logged_in])
async def show_invitation(request: Request, db: AsyncSession, invitation_id: str) -> Template:
    return Template("invitation_code.html", context=await invitation_state(request, db, invitation_id))


@get("/invitations/{invitation_id:str}/qr.svg", guards=[logged_in])
async def invitation_qr(request: Request, db: AsyncSession, invitation_id: str) -> Response:
    context = await invitation_state(request, db, invitation_id)
    if context["code"] is None:
        raise NotFoundException()
    origin = request.app.state.settings.origin.rstrip("/")
    # After "#": never sent to a server or a proxy; carnet.js fills the invitation form with it.
    return Response(qr_svg(f"{origin}/invitation#i={context['code']}"), media_type="image/svg+xml")


@post("/invitations/{invitation_id:str}/annulation", guards=[logged_in], status_code=200)
async def cancel_invitation(request: Request, db: AsyncSession, invitation_id: str) -> Response:
    _invitation, managed = await handled_invitation(request, db, invitation_id)
    invitation = await invitations.cancel(db, dossier=managed.dossier, invitation_id=invitation_id,
                                          actor=managed.actor)
    if invitation is None:
        raise NotFoundException()
    if invitation.cancelled_at is None:  # accepted meanwhile: its page says when, and nothing was cancelled
        return Redirect(f"/invitations/{invitation.id}", status_code=303)
    # Cancelled now or by a first tap: the same answer.
    return Redirect(proches_url(managed.dossier.id, "invitation-annulee"), status_code=303)


@post("/dossiers/{dossier_id:str}/proches/{delegation_id:str}/retrait", guards=[logged_in], status_code=200)
async def remove(request: Request, db: AsyncSession, dossier_id: str, delegation_id: str) -> Response:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    adult_patient = managed.standing.is_patient and not is_minor(managed.patient, utcnow())
    if not adult_patient and not await removes_whom_they_invited(request, db, managed, delegation_id):
        # A caregiver never removes another, nor the patient's control; a minor's parents stay until 18, unless
        # she keeps one then ("Préparer mes 18 ans").
        raise NotFoundException()
    if not await delegations.remove(db, dossier=managed.dossier, delegation_id=delegation_id, actor=managed.actor):
        raise NotFoundException()
    await remember_relative(request, db, delegation_id)
    return Redirect(proches_url(dossier_id, "proche-retire"), status_code=303)


@post("/dossiers/{dossier_id:str}/proches/{delegation_id:str}/lecture-seule", guards=[logged_in], status_code=200)
async def make_reader(request: Request, db: AsyncSession, dossier_id: str, delegation_id: str) -> Response:
    """The adult patient lets a relative who manages only read, from now on."""
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    if not managed.standing.is_patient or is_minor(managed.patient, utcnow()) or not await delegations.make_reader(
            db, dossier=managed.dossier, delegation_id=delegation_id, actor=managed.actor):
        raise NotFoundException()
    await remember_relative(request, db, delegation_id)
    return Redirect(proches_url(dossier_id, "proche-lecture"), status_code=303)


async def remember_relative(request: Request, db: AsyncSession, delegation_id: str) -> None:
    """Whom a change on "Mes proches" was about, for the page it leads to (never in the address, as LEFT_DOSSIER)."""
    delegation = await db.get(Delegation, delegation_id)
    caregiver = await db.get(Account, delegation.caregiver_account_id) if delegation else None
    data = request.user.data
    data[CHANGED_RELATIVE] = caregiver.display_name if caregiver else ""
    await sessions.save_session_data(db, current=request.user, data=data)


async def removes_whom_they_invited(request: Request, db: AsyncSession, managed: Managed, delegation_id: str) -> bool:
    """A minor's parent removing the person they invited as the other parent: the only caregiver a caregiver
    removes (a code given to the wrong person is otherwise there until the child is 18)."""
    now = utcnow()
    account = request.user.account
    delegation = await db.get(Delegation, delegation_id)
    return (is_parent(managed, now) and is_minor(managed.patient, now) and delegation is not None
            and delegation.dossier_id == managed.dossier.id and delegation.invited_by_account_id == account.id)


# --- the caregiver's side: my dossiers, stepping down -------------------------------------------------


@get("/mes-dossiers", guards=[logged_in])
async def my_dossiers(request: Request, db: AsyncSession, suite: str | None = None) -> Template:
    account = request.user.account
    notices = await account_notices.unseen(db, account=account,
                                           logged_in_with=request.user.data.get(sessions.LOGGED_IN_WITH))
    now = utcnow()
    held = await held_dossiers(db, account=account, now=now)
    return Template("my_dossiers.html", context={"held": held, "notices": notices,
                                                 "news": await news_of(db, held=held, account=account),
                                                 "account_band": await account_band(request, db, held=held),
                                                 "coming": await majority.unrecorded(db, account=account, now=now),
                                                 "alone": await left_alone(db, held=held, account=account, now=now),
                                                 "left": request.user.data.get(LEFT_DOSSIER, ""),
                                                 # A login led here first, to say the notices (auth.told_first).
                                                 "way_on": next_path(suite)})


async def news_of(db: AsyncSession, *, held: list, account) -> dict[str, int]:
    """Each dossier's notifications this account has not marked seen, as its timeline's banner counts them (what is
    kept from a minor's parents left out): a mother learns here that her son's dossier received a document."""
    news = {}
    for item in held:
        kept = await kept_from(db, dossier_id=item.dossier.id, account=account)
        viewer = journal.Viewer(account.id, is_patient=account.patient_id == item.dossier.patient_id)
        news[item.dossier.id] = await banners.unseen_count(db, dossier=item.dossier, viewer=viewer,
                                                           visible=kept.events())
    return news


@post("/avis/{notice_id:str}/vu", guards=[logged_in], status_code=200)
async def notice_seen(request: Request, db: AsyncSession, notice_id: str, data: Form) -> Response:
    notice = await db.get(AccountNotice, notice_id)
    logged_in_with = request.user.data.get(sessions.LOGGED_IN_WITH)
    if notice is None or notice.account_id != request.user.account.id or not account_notices.told_to(
            notice, await db.get(Passkey, logged_in_with) if logged_in_with else None):
        raise NotFoundException()
    notice.seen_at = utcnow()
    db.add(notice)
    await db.commit()
    return Redirect(my_dossiers_url(next_path(text(data, NEXT, limit=1000))), status_code=303)


@post("/dossiers/{dossier_id:str}/quitter", guards=[logged_in], status_code=200)
async def step_down(request: Request, db: AsyncSession, dossier_id: str) -> Response:
    patient = await delegations.step_down(db, account=request.user.account, dossier_id=dossier_id)
    if patient is None:
        raise NotFoundException()
    data = request.user.data
    data[LEFT_DOSSIER] = f"{patient.given_name} {patient.family_name}"
    await sessions.save_session_data(db, current=request.user, data=data)
    return Redirect("/mes-dossiers?fait=dossier-quitte", status_code=303)


routes = [
    proches, invite, show_invitation, invitation_qr, cancel_invitation, remove, make_reader, my_dossiers, notice_seen,
    step_down,
]
