"""A caregiver removed by the patient, a caregiver who steps down, a parent who attaches a child's dossier.

Each change and its access event commit together; the other party is told: the patient through
their dossier's log and banner, the caregiver through a notice on their next visit (once removed,
they can no longer read that log).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit, notify
from ..accounts import ActivationRefused, check_activation
from ..models import Account, ActivationCode, Delegation, Dossier, Patient, utcnow
from .dossiers import is_minor
from .invitations import tell


def _name(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


async def remove(session: AsyncSession, *, dossier: Dossier, delegation_id: str, actor: audit.Actor) -> bool:
    """The patient (or a minor's parent, for the other parent) ends a caregiver's access at once."""
    await audit.begin_chained(session)
    delegation = await session.get(Delegation, delegation_id, populate_existing=True)
    if delegation is None or delegation.dossier_id != dossier.id or delegation.revoked_at is not None:
        await session.rollback()
        return False
    delegation.revoked_at, delegation.end_reason = utcnow(), "removed"
    caregiver = await session.get(Account, delegation.caregiver_account_id)
    patient = await session.get(Patient, dossier.patient_id)
    session.add(delegation)
    await audit.append(session, dossier_id=dossier.id, action="caregiver_removed", actor=actor,
                       detail=caregiver.display_name if caregiver else "")
    await tell(session, account_id=delegation.caregiver_account_id,
               text=f"{actor.name} vous a retiré l'accès au dossier de {_name(patient)}.")
    await audit.commit_chained(session)
    return True


async def step_down(session: AsyncSession, *, account: Account, dossier_id: str) -> Patient | None:
    """The caregiver stops helping with this dossier; the patient is told. None: no such current delegation."""
    await audit.begin_chained(session)
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
    actor = audit.Actor(account.id, "caregiver", account.display_name, on_behalf_of=_name(patient))
    event = await audit.append(session, dossier_id=dossier.id, action="caregiver_stepped_down", actor=actor)
    await notify.record(session, dossier=dossier, event=event)
    await audit.commit_chained(session)
    return patient


async def attach_child(session: AsyncSession, *, account: Account, code: str, birth_date: date, max_attempts: int,
                       lock: timedelta) -> Dossier:
    """A parent proves a child's activation code with the child's birth date: the child's dossier joins the
    parent's account, managed as a legal representative until the child is 18. The code is spent."""
    activation, patient = await check_activation(session, code=code, max_attempts=max_attempts, lock=lock,
                                                 birth_date=birth_date)
    now = utcnow()
    if not is_minor(patient, now):
        await session.rollback()
        raise ActivationRefused("Ce code est celui d'une personne majeure : elle active son dossier elle-même, "
                                "puis peut vous inviter comme proche.")
    if account.patient_id == patient.id:
        await session.rollback()
        raise ActivationRefused("Ce code est celui de votre propre dossier : utilisez « Activer mon dossier ».")
    await audit.begin_chained(session)
    dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == patient.id))).one()
    activation = await session.get(ActivationCode, activation.id, populate_existing=True)
    if activation.used_at is not None:
        await session.rollback()
        raise ActivationRefused("Ce code d'activation a déjà servi.")
    current = (await session.exec(select(Delegation).where(
        Delegation.dossier_id == dossier.id, Delegation.caregiver_account_id == account.id,
        Delegation.revoked_at.is_(None)))).first()  # type: ignore[union-attr]
    if current is None:
        session.add(Delegation(dossier_id=dossier.id, caregiver_account_id=account.id, relationship="parent",
                               can_manage=True, starts_at=now))
    activation.used_at = now
    session.add(activation)
    actor = audit.Actor(account.id, "caregiver", account.display_name, on_behalf_of=_name(patient))
    await audit.append(session, dossier_id=dossier.id, action="parent_attached", actor=actor)
    await audit.commit_chained(session)
    return dossier
