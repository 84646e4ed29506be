"""A dossier's legal representatives (a minor's parents): who they are, whose a change of rights is (the patient's, a
representative's or another caregiver's), and whether the patient is of age, when their decisions reach their parents'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import LEGAL_REPRESENTATIVES, REPRESENTATIVE, adult_from
from ..facts import caregiver_facts, dossier_facts
from ..models import Delegation, Dossier, Patient, utcnow

if TYPE_CHECKING:  # the log's module reaches this one through the notifications
    from ..accesslog.audit import Actor


async def representatives_of(session: AsyncSession, *, dossier_id: str) -> frozenset[str]:
    """The accounts of the patient's legal representatives, present or past (their decisions stay theirs)."""
    accounts = await session.exec(select(Delegation.caregiver_account_id).where(
        Delegation.dossier_id == dossier_id, Delegation.relationship.in_(LEGAL_REPRESENTATIVES)))  # type: ignore[attr-defined]
    return frozenset(accounts.all())


async def giver(session: AsyncSession, *, dossier_id: str, actor: Actor) -> str:
    """Who makes a change of rights, as a grant, a share code and a block keep it (`rule.GrantFacts.given_by`):
    "patient", REPRESENTATIVE or "caregiver"."""
    if actor.kind != "caregiver":
        return actor.kind
    return REPRESENTATIVE if actor.account_id in await representatives_of(session, dossier_id=dossier_id) \
        else "caregiver"


async def of_age(session: AsyncSession, *, dossier_id: str) -> bool:
    """Whether the dossier's patient is 18 now: their decisions then reach the grants and blocks their parents made
    as legal representatives, which no one else could undo once the parents' rights end (`changes.layer_of`)."""
    dossier = await session.get(Dossier, dossier_id)
    patient = await session.get(Patient, dossier.patient_id) if dossier is not None else None
    return patient is not None and adult_from(patient.birth_date) <= utcnow()


async def parents_read_what_she_writes(session: AsyncSession, *, dossier: Dossier, account_patient_id: str | None) -> bool:
    """Whether the minor herself writes into her dossier while a legal representative reads it: her forms say so (an
    outside probe's find: a teenager's note went to her parents unsaid, where her share code's form offers to keep
    it from them). What a professional writes at her request may be kept from them (confidential.py); what she adds
    herself may not, so she is told before, not after."""
    if account_patient_id is None or account_patient_id != dossier.patient_id:
        return False
    patient = await session.get(Patient, dossier.patient_id)
    now = utcnow()
    if patient is None or adult_from(patient.birth_date) <= now:
        return False
    # Whether a parent reads it now is the rule's to say (CaregiverFacts.active), not a second reading of its dates.
    delegations = await session.exec(select(Delegation).where(
        Delegation.dossier_id == dossier.id, Delegation.relationship.in_(LEGAL_REPRESENTATIVES)))  # type: ignore[attr-defined]
    state = dossier_facts(dossier, patient)
    return any(caregiver_facts(delegation).active(now, state) for delegation in delegations.all())
