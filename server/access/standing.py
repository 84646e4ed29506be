"""What an account is to a dossier, as the rule reads it: the patient, a caregiver, a professional's grants,
blocks, emergency accesses and declarations as médecin traitant, asked in one question before every read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (BindParameter, Boolean, ColumnElement, CompoundSelect, Select, String, and_, bindparam, cast,
                        literal, null, union_all)
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..facts import caregiver_facts, dossier_facts
from ..models import (AccessEvent, Account, Block, Delegation, Dossier, EmergencyAccess, Grant, LogSubject, Patient,
                      Professional)
from .rule import LEGAL_REPRESENTATIVES, REPRESENTATIVE, CaregiverFacts, DossierFacts, GrantFacts, Standing


async def standing_of(session: AsyncSession, *, account: Account, dossier: Dossier, now: datetime) -> Standing:
    """Everything the rule needs to know about this account and this dossier: one question (a professional's
    grants, blocks and emergency accesses come with the delegations their account may hold, as a relative)."""
    is_patient = account.patient_id is not None and account.patient_id == dossier.patient_id
    if account.professional_id is None:
        caregivers: tuple[CaregiverFacts, ...] = ()
        if not is_patient:
            delegations = await session.exec(_standing_delegations(),
                                             params={"dossier_id": dossier.id, "account_id": account.id})
            caregivers = tuple(caregiver_facts(d) for d in delegations.all())
        return Standing(is_patient=is_patient, caregivers=caregivers)
    kinds = await _rows_by_kind(session, professional_id=account.professional_id, dossier=dossier,
                                account_id=account.id)
    standing = _from_kinds(account.professional_id, dossier, kinds, now)
    caregivers = () if is_patient else tuple(caregiver_facts(_AsDelegation(row)) for row in kinds["caregiver"])
    return replace(standing, is_patient=is_patient, caregivers=caregivers)


async def professional_standing(session: AsyncSession, *, professional_id: str, dossier: Dossier, now: datetime) -> Standing:
    """What one professional is to one dossier: also what "voir comme" shows the patient."""
    kinds = await _rows_by_kind(session, professional_id=professional_id, dossier=dossier, account_id=None)
    return _from_kinds(professional_id, dossier, kinds, now)


async def parents_standing(session: AsyncSession, *, professional_id: str, dossier: Dossier, now: datetime) -> Standing:
    """What a professional who kept care from a minor's parents is to the dossier by the parents' decisions alone, as
    a parent is shown them (caregivers/confidential.py): the grants representatives gave, blocked by a block one of
    them made; nothing the minor decided, no emergency access, and their médecin traitant only if a representative
    declared them (the minor's declaration is an event the parents are not shown)."""
    standing = await professional_standing(session, professional_id=professional_id, dossier=dossier, now=now)
    blocked = await session.exec(select(Block.id).where(
        Block.dossier_id == dossier.id, Block.professional_id == professional_id, Block.lifted_at.is_(None),  # type: ignore[union-attr]
        Block.blocked_by == REPRESENTATIVE))
    # Declared by a parent, or declared by the minor and then by a parent (`medecin_traitant.set_medecin_traitant`
    # leaves them the minor's): the log's latest declaration is a parent's.
    declared_by = select(AccessEvent.actor_account_id).where(
        AccessEvent.dossier_id == dossier.id, AccessEvent.action == "medecin_traitant",
    ).order_by(AccessEvent.seq.desc()).limit(1).scalar_subquery()  # type: ignore[attr-defined]
    doctor = standing.is_medecin_traitant and (standing.medecin_traitant_by == REPRESENTATIVE or (await session.exec(
        select(Delegation.id).where(
            Delegation.dossier_id == dossier.id, Delegation.relationship.in_(LEGAL_REPRESENTATIVES),  # type: ignore[attr-defined]
            Delegation.caregiver_account_id == declared_by))).first() is not None)
    return replace(standing, blocked=blocked.first() is not None, representatives_blocked=False, emergency_until=None,
                   is_medecin_traitant=doctor, grants=tuple(g for g in standing.grants if g.given_by == REPRESENTATIVE))


async def _rows_by_kind(session: AsyncSession, *, professional_id: str, dossier: Dossier,
                        account_id: str | None) -> dict[str, list[Any]]:
    params = {"dossier_id": dossier.id, "professional_id": professional_id}
    if account_id is not None:
        params["account_id"] = account_id
    rows = (await session.exec(_standing_rows(account_id is not None), params=params)).all()
    kinds: dict[str, list[Any]] = {"grant": [], "block": [], "emergency": [], "medecin_traitant": [], "caregiver": []}
    for row in rows:
        kinds[row.kind].append(row)
    return kinds


def _from_kinds(professional_id: str, dossier: Dossier, kinds: dict[str, list[Any]], now: datetime) -> Standing:
    return standing_from_rows(professional_id=professional_id, dossier=dossier, blocks=kinds["block"],
                              grants=kinds["grant"], emergencies=kinds["emergency"], now=now,
                              declared_medecin_traitant=bool(kinds["medecin_traitant"]))


class _AsDelegation:
    """A "caregiver" row of `_standing_rows`, read as the delegation it is (`caregiver_facts`' fields)."""

    def __init__(self, row: Any) -> None:
        self.relationship, self.can_manage, self.after_majority = row.categories, row.can_manage, row.after_majority
        self.starts_at, self.ends_at, self.revoked_at = row.starts_at, row.ends_at, row.revoked_at


# The rule's questions, asked before every read: built once (listing says why).
@cache
def _standing_delegations() -> Select:
    return select(Delegation).where(Delegation.dossier_id == bindparam("dossier_id"),
                                    Delegation.caregiver_account_id == bindparam("account_id"))


@cache
def _standing_rows(with_delegations: bool = False) -> CompoundSelect:
    """A professional's grants, blocks not lifted, emergency accesses and whether they were ever declared its médecin
    traitant, on a dossier, in one question: rows named as the models' fields `standing_from_rows` reads (three
    model queries cost three times SQLAlchemy's work).
    `with_delegations`: their account's delegations on it too ("caregiver" rows: a doctor who is also a parent),
    one question where there were two before every professional's read."""
    grant, block, emergency, delegation = (model.__table__.c  # type: ignore[attr-defined]
                                           for model in (Grant, Block, EmergencyAccess, Delegation))
    nothing = null()
    # Typed: PostgreSQL resolves a UNION's column two selects at a time, and two bare NULLs make a text column.
    no_flag, no_text = cast(nothing, Boolean), cast(nothing, String)

    def theirs(table: Any) -> ColumnElement[bool]:
        return and_(table.dossier_id == bindparam("dossier_id"), table.professional_id == bindparam("professional_id"))

    selects = [  # the first select's column types read every row
        select(literal("grant").label("kind"), grant.categories, grant.starts_at, grant.ends_at, grant.revoked_at,
               nothing.label("lifted_at"), no_flag.label("can_manage"), no_text.label("after_majority"),
               grant.given_by, no_flag.label("representatives_only"))
        .where(theirs(grant)),
        select(literal("block"), literal(""), nothing, nothing, nothing, block.lifted_at, no_flag, no_text, no_text,
               block.representatives_only)
        .where(theirs(block), block.lifted_at.is_(None)),
        select(literal("emergency"), literal(""), emergency.starts_at, emergency.ends_at, nothing, nothing, no_flag,
               no_text, no_text, no_flag).where(theirs(emergency)),
        # One row at most, only if the log declared them so (its own ranges: `medecin_traitant_declarations`).
        select(literal("medecin_traitant"), literal(""), nothing, nothing, nothing, nothing, no_flag, no_text, no_text,
               no_flag)
        .where(medecin_traitant_declarations(bindparam("professional_id"))
               .where(LogSubject.dossier_id == bindparam("dossier_id")).exists()),
    ]
    if with_delegations:
        selects.append(select(literal("caregiver"), delegation.relationship, delegation.starts_at, delegation.ends_at,
                              delegation.revoked_at, nothing, delegation.can_manage, delegation.after_majority,
                              no_text, no_flag)
                       .where(delegation.dossier_id == bindparam("dossier_id"),
                              delegation.caregiver_account_id == bindparam("account_id")))
    return union_all(*selects)


def medecin_traitant_declarations(professional_id: str | BindParameter) -> Select:
    """The dossiers whose médecin traitant the log declared this professional, replaced or removed since or not: a
    row for each of its "medecin_traitant" events about them (accesslog/subjects.py keeps a `logsubject` row of
    each, keyed by their RPPS, for the one declared and for the one who was alike), `AccessEvent.at` its time."""
    rpps = select(Professional.rpps).where(Professional.id == professional_id).scalar_subquery()
    return (select(LogSubject.dossier_id)
            .join(AccessEvent, and_(AccessEvent.dossier_id == LogSubject.dossier_id,  # type: ignore[arg-type]
                                    AccessEvent.seq == LogSubject.seq))
            .where(LogSubject.key == rpps, AccessEvent.action == "medecin_traitant"))


def standing_from_rows(*, professional_id: str, dossier: Dossier, blocks: Sequence[Block], grants: Sequence[Grant],
                       emergencies: Sequence[EmergencyAccess], now: datetime,
                       declared_medecin_traitant: bool = False) -> Standing:
    """The same standing from rows already loaded (one professional's rows on one dossier, models or rows with
    their fields), e.g. for "Mes patients"; `declared_medecin_traitant`: whether the log declared them its médecin
    traitant (`medecin_traitant_declarations`)."""
    return Standing(
        professional_id=professional_id,
        is_medecin_traitant=dossier.medecin_traitant_id == professional_id,
        medecin_traitant_by=dossier.medecin_traitant_by,
        blocked=any(b.lifted_at is None and not b.representatives_only for b in blocks),
        representatives_blocked=any(b.lifted_at is None and b.representatives_only for b in blocks),
        grants=tuple(
            GrantFacts(
                categories=frozenset(c for c in g.categories.split(",") if c),
                starts_at=g.starts_at,
                ends_at=g.ends_at,
                revoked=g.revoked_at is not None,
                given_by=g.given_by,
                revoked_at=g.revoked_at,
            )
            for g in grants
        ),
        emergency_until=max((e.ends_at for e in emergencies if e.starts_at <= now), default=None),
        declared_medecin_traitant=declared_medecin_traitant,
    )


async def facts_of(session: AsyncSession, dossier: Dossier) -> DossierFacts:
    return dossier_facts(dossier, await session.get(Patient, dossier.patient_id))
