"""Inviting a caregiver: a code (and its QR link) the patient gives a relative, valid a few days, once.

Only the code's hash is kept. Who may invite: the patient, for a relative who reads or manages;
and a minor's parent, for the child's other parent. The invited person accepts with their own
passkey account (made from the invitation if they have none); never the account that invited.
An invitation is made in its maker's right and is accepted only while they hold it (`maker_may_invite`),
as a share code is redeemed (access/share_codes.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit, visits
from ..auth.accounts import hash_secret, make_code, normalize_code
from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..models import AccessEvent, Account, CaregiverInvitation, Delegation, Dossier, Patient, utcnow
from ..notifications import banners, notify
from ..access.durations import DURATIONS, LASTING, duration_key, ends_after
from ..access.managing import may_act_on
from ..access.rule import LEGAL_REPRESENTATIVES
from . import notices
from .dossiers import is_minor

INVITATION_LIFETIME = timedelta(days=7)
# An invitation no one accepted is erased this long after it expired (housekeeping.py), cancelled or not: until then
# its page tells whoever made it and comes back to it that it expired, not "page introuvable". Whoever types its code
# is refused as for a code that never was, before and after. An accepted one stays, with whom it let in.
UNUSED_KEPT = timedelta(days=1)
# A minor has two parents or guardians at most: the one who opened the dossier, and the other they invite.
MAX_REPRESENTATIVES = 2
LEVELS = {"lecture": N_("lecture seule"), "gestion": N_("gestion")}  # translated where shown
PARENT_TERMS = N_("parent, gestion")
FULL = N_("Ce dossier a déjà ses deux parents ou tuteurs : cette invitation ne peut plus être acceptée.")


class InvitationRefused(Exception):
    """Wrong, used, cancelled, expired, or not for this account; the message is in the request's language."""


def level_label(can_manage: bool) -> str:
    return LEVELS["gestion" if can_manage else "lecture"]


def terms(invitation: CaregiverInvitation, *, logged: bool = False) -> str:
    """"gestion, 1 an": what the invited person will be able to do, and for how long, in the request's
    language; in French for the log's detail (`logged`), as the log stores every detail."""
    say = str if logged else _
    if invitation.relationship == "parent":
        return say(PARENT_TERMS)
    duration = DURATIONS[duration_key(invitation.access_days)][0]
    return f"{say(level_label(invitation.can_manage))}, {say(duration)}"


# Why a closed dossier takes no new relative, said where the invitation would be made (the patient's page, `invite`).
CLOSED = N_("Ce dossier est fermé : une invitation ne pourrait pas être acceptée. Rouvrez-le d'abord, depuis la page "
            "« Accès », pour inviter un proche.")


async def invite(
    session: AsyncSession, *, dossier: Dossier, account: Account, actor: audit.Actor, level: str, duration: str,
    relationship: str = "proche",
) -> tuple[str, CaregiverInvitation]:
    """A new invitation and its code (returned once). A second parent's is "parent, gestion", until 18."""
    if dossier.state != "open":  # no one could accept it (join): a dead end for whoever was given the code
        raise InvalidInput(_(CLOSED))
    if relationship == "parent":
        patient = await session.get(Patient, dossier.patient_id)
        if not is_minor(patient, utcnow()):
            raise InvalidInput(_("Ce dossier est celui d'une personne majeure : elle seule invite ses proches."))
        level, duration = "gestion", "sans"
    if level not in LEVELS:
        raise InvalidInput(_("Choisissez ce que ce proche pourra faire : lire seulement, ou gérer le dossier."),
                           "niveau")
    if duration not in LASTING:
        raise InvalidInput(_("Choisissez une durée."), "duree")
    await audit.begin_chained(session, dossier_id=dossier.id)
    if relationship == "parent" and await representatives(session, dossier_id=dossier.id, pending=True) \
            >= MAX_REPRESENTATIVES:
        await session.commit()  # nothing written; a rollback would expire what the caller shows
        raise InvalidInput(_("Ce dossier a déjà ses deux parents ou tuteurs, ou une invitation en attente pour "
                             "le second : il ne peut pas en avoir d'autre."))
    while True:  # every code kept (accepted, or not long expired) keeps its (unique) hash
        code = make_code(3)
        code_hash = hash_secret(normalize_code(code))
        if (await session.exec(select(CaregiverInvitation.id).where(CaregiverInvitation.code_hash == code_hash))).first() is None:
            break
    invitation = CaregiverInvitation(
        dossier_id=dossier.id, code_hash=code_hash, relationship=relationship, can_manage=level == "gestion",
        access_days=DURATIONS[duration][1], created_by_account_id=account.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    await audit.append(session, dossier_id=dossier.id, action="caregiver_invited", actor=actor,
                       detail=terms(invitation, logged=True))
    await audit.commit_chained(session)
    return code, invitation


async def find_invitation(session: AsyncSession, *, code: str) -> CaregiverInvitation:
    """The open invitation this code names; `InvitationRefused` otherwise (the view counts the attempt)."""
    invitation = (await session.exec(select(CaregiverInvitation).where(
        CaregiverInvitation.code_hash == hash_secret(normalize_code(code))))).first()
    # One refusal whatever the reason: someone typing codes learns nothing of which existed (DESIGN.md).
    if invitation is None or invitation.used_at is not None or invitation.cancelled_at is not None \
            or invitation.expires_at <= utcnow() or not await maker_may_invite(session, invitation=invitation,
                                                                               now=utcnow()):
        raise InvitationRefused(_("Ce code d'invitation n'est pas valable : il est incorrect, a expiré, a été annulé "
                                  "ou a déjà servi. Vérifiez-le avec la personne qui vous l'a donné, ou demandez-lui "
                                  "une nouvelle invitation."))
    if invitation.relationship == "parent" and \
            await representatives(session, dossier_id=invitation.dossier_id) >= MAX_REPRESENTATIVES:
        raise InvitationRefused(_(FULL))  # said before an account is made for it
    return invitation


async def accept(session: AsyncSession, *, invitation_id: str, account: Account) -> Delegation:
    """The invited account becomes a caregiver of the dossier, in the same transaction as the event that says so."""
    await audit.begin_chained(session)
    try:
        delegation = await join(session, invitation_id=invitation_id, account=account)
    except InvitationRefused:
        await session.rollback()
        raise
    await audit.commit_chained(session)
    return delegation


async def join(session: AsyncSession, *, invitation_id: str, account: Account) -> Delegation:
    """`accept`'s work, in the caller's chained transaction, which it leaves open (refused: for the caller to roll
    back). A new account's first passkey accepts its invitation so: both are kept, or neither."""
    invitation = await session.get(CaregiverInvitation, invitation_id, populate_existing=True)
    if invitation is not None:
        # Read again under the dossier's chain lock: an acceptance committed meanwhile (another browser holding the
        # code) is seen, on PostgreSQL too, where the first read may predate it.
        await audit.lock_chain(session, dossier_id=invitation.dossier_id)
        invitation = await session.get(CaregiverInvitation, invitation_id, populate_existing=True)
    now = utcnow()
    if (invitation is None or invitation.used_at is not None or invitation.cancelled_at is not None
            or invitation.expires_at <= now or not await maker_may_invite(session, invitation=invitation, now=now)):
        raise InvitationRefused(_("Cette invitation n'est plus valable. Demandez-en une nouvelle."))
    refused = await refusal(session, invitation=invitation, account=account)
    if refused:
        raise InvitationRefused(refused)
    dossier = await session.get(Dossier, invitation.dossier_id)
    current = await current_delegation(session, dossier_id=dossier.id, account_id=account.id)
    invitation.used_at, invitation.used_by_account_id = now, account.id
    if current is not None:  # a relative already helping: the patient's new terms replace the old ones (read ↔ manage)
        current.revoked_at, current.end_reason = now, "replaced"
        session.add(current)
    delegation = Delegation(
        dossier_id=dossier.id, caregiver_account_id=account.id, relationship=invitation.relationship,
        can_manage=invitation.can_manage, starts_at=now,
        ends_at=ends_after(invitation.access_days, now),
        invited_by_account_id=invitation.created_by_account_id,
    )
    session.add_all([invitation, delegation])
    actor = audit.Actor(account.id, "caregiver", account.display_name)  # acting for themselves, not for the patient
    event = await audit.append(session, dossier_id=dossier.id, action="caregiver_added", actor=actor,
                               detail=terms(invitation, logged=True))
    await notify.record(session, dossier=dossier, event=event)  # the patient is told on their next visit
    await welcome(session, account_id=account.id, dossier_id=dossier.id, event=event)
    # What they were told of their place in it, and have not read (made a reader, removed), is no longer so.
    await notices.settle(session, account_id=account.id, dossier_id=dossier.id, subject="standing")
    return delegation


async def refusal(session: AsyncSession, *, invitation: CaregiverInvitation, account: Account) -> str | None:
    """Why this account may not accept this open invitation, in the request's language, or None: said on the
    invitation's page before any button (its maker was offered "Accepter l'invitation", refused only once tapped),
    and by `join` again, under the dossier's chain lock."""
    if invitation.created_by_account_id == account.id:
        return _("C'est vous qui avez fait cette invitation : donnez-la à la personne que vous invitez.")
    dossier = await session.get(Dossier, invitation.dossier_id, populate_existing=True)
    patient = await session.get(Patient, dossier.patient_id)
    if account.patient_id == patient.id:
        return _("C'est votre propre dossier : vous y avez déjà accès.")
    if dossier.state != "open":
        return _("Ce dossier est fermé : l'invitation ne peut pas être acceptée pour l'instant.")
    current = await current_delegation(session, dossier_id=dossier.id, account_id=account.id)
    if current is not None and not replaces(invitation, current):
        return _("Vous suivez déjà ce dossier.")
    if invitation.relationship == "parent" and \
            await representatives(session, dossier_id=dossier.id) >= MAX_REPRESENTATIVES:
        return _(FULL)
    return None


async def maker_may_invite(session: AsyncSession, *, invitation: CaregiverInvitation, now: datetime) -> bool:
    """Whether the invitation's maker may still make it: act on the dossier (the patient always may; a relative or a
    parent while they manage it), and, for a second parent, the child still a minor (a parent's rights end at 18)."""
    maker = await session.get(Account, invitation.created_by_account_id)
    dossier = await session.get(Dossier, invitation.dossier_id)
    patient = await session.get(Patient, dossier.patient_id)
    if invitation.relationship == "parent" and not is_minor(patient, now):
        return False
    return maker is not None and await may_act_on(session, account=maker, dossier=dossier, patient=patient, now=now)


def replaces(invitation: CaregiverInvitation, current: Delegation) -> bool:
    """A patient's invitation to a relative who already helps changes what they may do (read only, or manage) and
    for how long, as a share code replaces a professional's access; a parent's place is never replaced."""
    return invitation.relationship == "proche" and current.relationship == "proche"


async def current_delegation(session: AsyncSession, *, dossier_id: str, account_id: str) -> Delegation | None:
    return (await session.exec(select(Delegation).where(
        Delegation.dossier_id == dossier_id, Delegation.caregiver_account_id == account_id,
        Delegation.revoked_at.is_(None)))).first()  # type: ignore[union-attr]


async def representatives(session: AsyncSession, *, dossier_id: str, pending: bool = False) -> int:
    """How many parents or guardians a dossier has now; with `pending`, counting the invitations of a second one
    not yet accepted."""
    now = utcnow()
    holders = (await session.exec(select(func.count()).select_from(Delegation).where(
        Delegation.dossier_id == dossier_id, col(Delegation.relationship).in_(LEGAL_REPRESENTATIVES),
        col(Delegation.revoked_at).is_(None), or_(col(Delegation.ends_at).is_(None), col(Delegation.ends_at) > now),
    ))).one()
    if not pending:
        return holders
    return holders + (await session.exec(select(func.count()).select_from(CaregiverInvitation).where(
        CaregiverInvitation.dossier_id == dossier_id, CaregiverInvitation.relationship == "parent",
        col(CaregiverInvitation.used_at).is_(None), col(CaregiverInvitation.cancelled_at).is_(None),
        CaregiverInvitation.expires_at > now,
    ))).one()


async def welcome(session: AsyncSession, *, account_id: str, dossier_id: str, event: AccessEvent) -> None:
    """Someone who starts helping with a dossier, in the transaction of the event that says so: what happened
    before is not news to them, neither in the Historique's count ("99+ nouveaux événements") nor in the banner
    of what the patient was told."""
    await visits.seen_up_to(session, account_id=account_id, dossier_id=dossier_id, seq=event.seq)
    await visits.banner_seen_up_to(session, account_id=account_id, dossier_id=dossier_id,
                                   event_id=await banners.newest(session, dossier_id=dossier_id))


async def cancel(session: AsyncSession, *, dossier: Dossier, invitation_id: str,
                 actor: audit.Actor) -> CaregiverInvitation | None:
    """The invitation, cancelled now or before (logged once: a double tap changes nothing), or left as it was if
    accepted meanwhile; None if the dossier has no such invitation."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    invitation = await session.get(CaregiverInvitation, invitation_id, populate_existing=True)
    ours = invitation is not None and invitation.dossier_id == dossier.id
    if not ours or invitation.used_at or invitation.cancelled_at:
        await session.commit()  # nothing written; a rollback would expire what the caller holds
        return invitation if ours else None
    invitation.cancelled_at = utcnow()
    session.add(invitation)
    await audit.append(session, dossier_id=dossier.id, action="caregiver_invitation_cancelled", actor=actor,
                       detail=terms(invitation, logged=True))
    await audit.commit_chained(session)
    return invitation

