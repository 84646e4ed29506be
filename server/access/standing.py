"""What an account is to a dossier, as the rule reads it: the patient, a caregiver, a professional's grants,
blocks and emergency accesses, asked in one question before every read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, bindparam, literal, null, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..facts import caregiver_facts, dossier_facts
from ..models import Account, Block, Delegation, Dossier, EmergencyAccess, Grant, Patient
from .rule import CaregiverFacts, DossierFacts, GrantFacts, Standing


async def standing_of(session: AsyncSession, *, account: Account, dossier: Dossier, now: datetime) -> Standing:
    """Everything the rule needs to know about this account and this dossier."""
    is_patient = account.patient_id is not None and account.patient_id == dossier.patient_id
    caregivers: tuple[CaregiverFacts, ...] = ()
    if not is_patient:
        delegations = await session.exec(_standing_delegations(), params={"dossier_id": dossier.id, "account_id": account.id})
        caregivers = tuple(caregiver_facts(d) for d in delegations.all())
    if account.professional_id is None:
        return Standing(is_patient=is_patient, caregivers=caregivers)
    standing = await professional_standing(session, professional_id=account.professional_id, dossier=dossier, now=now)
    return replace(standing, is_patient=is_patient, caregivers=caregivers)


async def professional_standing(session: AsyncSession, *, professional_id: str, dossier: Dossier, now: datetime) -> Standing:
    """What one professional is to one dossier: also what "voir comme" shows the patient."""
    rows = (await session.exec(_standing_rows(), params={"dossier_id": dossier.id, "professional_id": professional_id})).all()
    kinds: dict[str, list[Any]] = {"grant": [], "block": [], "emergency": []}
    for row in rows:
        kinds[row.kind].append(row)
    return standing_from_rows(professional_id=professional_id, dossier=dossier, blocks=kinds["block"],
                              grants=kinds["grant"], emergencies=kinds["emergency"], now=now)


# The rule's questions, asked before every read: built once (listing.py says why).
@cache
def _standing_delegations() -> Select:
    return select(Delegation).where(Delegation.dossier_id == bindparam("dossier_id"),
                                    Delegation.caregiver_account_id == bindparam("account_id"))


@cache
def _standing_rows() -> CompoundSelect:
    """A professional's grants, blocks not lifted and emergency accesses on a dossier, in one question: rows named
    as the models' fields `standing_from_rows` reads (three model queries cost three times SQLAlchemy's work)."""
    grant, block, emergency = (model.__table__.c for model in (Grant, Block, EmergencyAccess))  # type: ignore[attr-defined]
    nothing = null()

    def theirs(table: Any) -> ColumnElement[bool]:
        return and_(table.dossier_id == bindparam("dossier_id"), table.professional_id == bindparam("professional_id"))

    return union_all(  # the first select's column types read every row
        select(literal("grant").label("kind"), grant.categories, grant.starts_at, grant.ends_at, grant.revoked_at,
               nothing.label("lifted_at")).where(theirs(grant)),
        select(literal("block"), literal(""), nothing, nothing, nothing, block.lifted_at)
        .where(theirs(block), block.lifted_at.is_(None)),
        select(literal("emergency"), literal(""), emergency.starts_at, emergency.ends_at, nothing, nothing)
        .where(theirs(emergency)),
    )


def standing_from_rows(*, professional_id: str, dossier: Dossier, blocks: Sequence[Block], grants: Sequence[Grant],
                       emergencies: Sequence[EmergencyAccess], now: datetime) -> Standing:
    """The same standing from rows already loaded (one professional's rows on one dossier, models or rows with
    their fields), e.g. for "Mes patients"."""
    return Standing(
        professional_id=professional_id,
        is_medecin_traitant=dossier.medecin_traitant_id == professional_id,
        blocked=any(b.lifted_at is None for b in blocks),
        grants=tuple(
            GrantFacts(
                categories=frozenset(c for c in g.categories.split(",") if c),
                starts_at=g.starts_at,
                ends_at=g.ends_at,
                revoked=g.revoked_at is not None,
            )
            for g in grants
        ),
        emergency_until=max((e.ends_at for e in emergencies if e.starts_at <= now), default=None),
    )


async def facts_of(session: AsyncSession, dossier: Dossier) -> DossierFacts:
    return dossier_facts(dossier, await session.get(Patient, dossier.patient_id))
