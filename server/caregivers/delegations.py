"""A caregiver removed by the patient or made a reader, a caregiver who steps down, a parent who attaches a child's
dossier.

Each change and its access event commit together; the other party is told: the patient through
their dossier's log and banner, the caregiver through a notice on their next visit (once removed,
they can no longer read that log).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..auth.accounts import ActivationRefused, check_activation
from ..facts import caregiver_facts, dossier_facts
from ..i18n import N_, _
from ..models import Account, ActivationCode, Delegation, Dossier, Patient, utcnow
from ..notifications import notify
from .dossiers import is_minor
from . import notices
from .invitations import MAX_REPRESENTATIVES, current_delegation, representatives, welcome

# A parent who holds the dossier already: the code is the child's, for their own account (DESIGN.md: a patient
# opens their dossier with it); spending it would lock them out.
ALREADY_PARENT = N_("Vous gérez déjà ce dossier. Ce code n'a pas servi : il reste à votre enfant, pour activer son "
                    "propre compte.")
# Two parents or guardians at most, however the second came: an invitation (invitations.py) or the child's code.
TWO_PARENTS = N_("Ce dossier a déjà ses deux parents ou tuteurs : il ne peut pas en avoir d'autre.")


def _name(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


async def remove(session: AsyncSession, *, dossier: Dossier, delegation_id: str, actor: audit.Actor) -> bool:
    """The patient (or a minor's parent, for the other parent) ends a caregiver's access at once (logged once:
    removing again changes nothing); False if the dossier has no such caregiver."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    delegation = await session.get(Delegation, delegation_id, populate_existing=True)
    ours = delegation is not None and delegation.dossier_id == dossier.id
    if not ours or delegation.revoked_at is not None:
        await session.commit()  # nothing written; a rollback would expire what the caller holds
        return ours
    delegation.revoked_at, delegation.end_reason = utcnow(), "removed"
    caregiver = await session.get(Account, delegation.caregiver_account_id)
    patient = await session.get(Patient, dossier.patient_id)
    session.add(delegation)
    await audit.append(session, dossier_id=dossier.id, action="caregiver_removed", actor=actor,
                       detail=caregiver.display_name if caregiver else "")
    if actor.kind == "patient":
        await notices.tell(session, account_id=delegation.caregiver_account_id, dossier_id=dossier.id,
                           kind="removed_by_patient", actor=actor.name)
    else:
        await notices.tell(session, account_id=delegation.caregiver_account_id, dossier_id=dossier.id,
                           kind="removed_by_caregiver", actor=actor.name, name=_name(patient))
    await audit.commit_chained(session)
    return True


async def make_reader(session: AsyncSession, *, dossier: Dossier, delegation_id: str, actor: audit.Actor) -> bool:
    """The patient lets a relative who manages the dossier only read it from now on, without a new invitation (less
    than they accepted needs no consent; more takes an invitation they accept). Logged once (a double tap changes
    nothing), the relative told at their next visit. False if no relative of the patient's choosing helps with this
    dossier under that id: one they invited, or a parent they kept at 18 (the caller checks the patient is an adult).
    """
    await audit.begin_chained(session, dossier_id=dossier.id)
    delegation = await session.get(Delegation, delegation_id, populate_existing=True)
    kept_parent = delegation is not None and delegation.relationship != "proche" and bool(delegation.after_majority)
    if (delegation is None or delegation.dossier_id != dossier.id or delegation.revoked_at is not None
            or (delegation.relationship != "proche" and not kept_parent)):
        await session.commit()  # nothing written; a rollback would expire what the caller holds
        return False
    # As the rule reads it (after 18, a parent's level is the young adult's choice: access/rule.py `manages`).
    facts = dossier_facts(dossier, await session.get(Patient, dossier.patient_id))
    if not caregiver_facts(delegation).manages(utcnow(), facts):
        await session.commit()
        return True
    delegation.can_manage = False
    if kept_parent:
        delegation.after_majority = "lecture"
    session.add(delegation)
    caregiver = await session.get(Account, delegation.caregiver_account_id)
    await audit.append(session, dossier_id=dossier.id, action="caregiver_made_reader", actor=actor,
                       detail=caregiver.display_name if caregiver else "")
    await notices.tell(session, account_id=delegation.caregiver_account_id, dossier_id=dossier.id,
                       kind="made_reader_by_patient", actor=actor.name)
    await audit.commit_chained(session)
    return True


async def step_down(session: AsyncSession, *, account: Account, dossier_id: str) -> Patient | None:
    """The caregiver stops helping with this dossier; the patient is told. None: no such current delegation."""
    await audit.begin_chained(session, dossier_id=dossier_id)
    delegations = (await session.exec(select(Delegation).where(
        Delegation.dossier_id == dossier_id, Delegation.caregiver_account_id == account.id,
        Delegation.revoked_at.is_(None)))).all()  # type: ignore[union-attr]
    dossier = await session.get(Dossier, dossier_id)
    if not delegations or dossier is None:
        await session.rollback()
        return None
    now = utcnow()
    for delegation in delegations:
        delegation.revoked_at, delegation.end_reason = now, "stepped_down"
        session.add(delegation)
    patient = await session.get(Patient, dossier.patient_id)
    actor = audit.Actor(account.id, "caregiver", account.display_name)  # acting for themselves, not for the patient
    event = await audit.append(session, dossier_id=dossier.id, action="caregiver_stepped_down", actor=actor)
    await notify.record(session, dossier=dossier, event=event)
    await audit.commit_chained(session)
    return patient


async def attach_child(session: AsyncSession, *, account: Account, code: str, birth_date: date, max_attempts: int,
                       lock: timedelta) -> Dossier:
    """A parent proves a child's activation code with the child's birth date: the child's dossier joins the
    parent's account, managed as a legal representative until the child is 18. The code is spent."""
    activation, patient = await check_minor(session, account=account, code=code, birth_date=birth_date,
                                            max_attempts=max_attempts, lock=lock)
    return await attach_child_by_activation(session, account=account, activation_id=activation.id,
                                            birth_date=birth_date)


async def check_minor(session: AsyncSession, *, account: Account | None, code: str, birth_date: date,
                      max_attempts: int, lock: timedelta) -> tuple[ActivationCode, Patient]:
    """The open activation of a minor's dossier this code and birth date prove (counted like any activation)."""
    activation, patient = await check_activation(session, code=code, max_attempts=max_attempts, lock=lock,
                                                 birth_date=birth_date)
    await session.commit()
    if not is_minor(patient, utcnow()):
        raise ActivationRefused(_("Ce code est celui d'une personne majeure : elle active son dossier elle-même, "
                                  "puis peut vous inviter comme proche."))
    if account is not None and account.patient_id == patient.id:
        raise ActivationRefused(_("Ce code est celui de votre propre dossier : utilisez «\u00a0Activer mon dossier\u00a0»."))
    dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == patient.id))).one()
    refusal = await why_not_attach(session, account=account, dossier=dossier)
    await session.commit()
    if refusal:  # said before an account is made for it
        raise ActivationRefused(_(refusal))
    return activation, patient


async def why_not_attach(session: AsyncSession, *, account: Account | None, dossier: Dossier) -> str | None:
    """Why this account may not become a parent of this dossier (a catalogue text), or None: it holds it already,
    or the dossier has its two parents or guardians."""
    if account is not None and await current_delegation(session, dossier_id=dossier.id, account_id=account.id):
        return ALREADY_PARENT
    if await representatives(session, dossier_id=dossier.id) >= MAX_REPRESENTATIVES:
        return TWO_PARENTS
    return None


async def attach_child_by_activation(session: AsyncSession, *, account: Account, activation_id: str,
                                     birth_date: date) -> Dossier:
    """Spend a child's activation (checked a moment ago, checked again here) and make this account their parent."""
    await audit.begin_chained(session)
    try:
        dossier = await join_as_parent(session, account=account, activation_id=activation_id, birth_date=birth_date)
    except ActivationRefused:
        await session.rollback()  # the code stays unspent
        raise
    await audit.commit_chained(session)
    return dossier


async def join_as_parent(session: AsyncSession, *, account: Account, activation_id: str, birth_date: date) -> Dossier:
    """`attach_child_by_activation`'s work, in the caller's chained transaction, which it leaves open (refused: for
    the caller to roll back). A new parent's first passkey attaches the child's dossier so: both are kept, or
    neither."""
    activation = await session.get(ActivationCode, activation_id, populate_existing=True)
    patient = await session.get(Patient, activation.patient_id) if activation and activation.patient_id else None
    dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == patient.id))).one() if patient else None
    if dossier is not None:
        # A second parent joining meanwhile is counted, and the code read again under the lock: spent meanwhile by
        # another browser holding it, it is seen spent, on PostgreSQL too, where the first read may predate it.
        await audit.lock_chain(session, dossier_id=dossier.id)
        activation = await session.get(ActivationCode, activation_id, populate_existing=True)
    now = utcnow()
    if (activation is None or patient is None or activation.used_at is not None or activation.revoked_at is not None
            or activation.expires_at <= now or patient.birth_date != birth_date or not is_minor(patient, now)):
        raise ActivationRefused(_("Ce code d'activation n'est plus valable. Demandez-en un nouveau."))
    refusal = await why_not_attach(session, account=account, dossier=dossier)
    if refusal:
        raise ActivationRefused(_(refusal))
    session.add(Delegation(dossier_id=dossier.id, caregiver_account_id=account.id, relationship="parent",
                           can_manage=True, starts_at=now))
    activation.used_at = now
    session.add(activation)
    actor = audit.Actor(account.id, "caregiver", account.display_name)  # acting for themselves, not for the patient
    event = await audit.append(session, dossier_id=dossier.id, action="parent_attached", actor=actor)
    await welcome(session, account_id=account.id, dossier_id=dossier.id, event=event)
    return dossier
