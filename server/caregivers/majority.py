"""Coming of age: what a young adult chooses for their parents, and the 18th birthday that applies it.

The rule (access/rule.py) already stops a parent's rights at the 18th birthday, to the minute, unless
the young adult kept them. `apply_majority` is the scheduled check that records it: it ends each
parent's delegation that was not kept, says so in the dossier's log, and tells the parent (a
notice) and the young adult (the banner). It runs in every app process every few minutes
(housekeeping.py) and as `carnet caregivers majority`; a delegation it has handled is never
handled again, so running it twice, or in two processes at once, changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..access.rule import adult_from
from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..models import Account, Delegation, Dossier, Patient, utcnow
from ..notifications import notify
from ..access.rule import LEGAL_REPRESENTATIVES
from . import notices
from .invitations import LEVELS

CHOICES = {"": N_("ne plus avoir accès"), "lecture": N_("garder l'accès en lecture seule"),  # translated where shown
           "gestion": N_("garder l'accès en gestion")}
SYSTEM = audit.Actor(None, "system", "Carnet")


async def choose(session: AsyncSession, *, dossier: Dossier, delegation_id: str, choice: str, actor: audit.Actor) -> bool:
    """The young person decides, before 18, what one parent keeps at 18 (only the patient decides this). False: no
    such parent, or 18 already (the choice applied at the birthday itself, whenever `apply_majority` records it)."""
    if choice not in CHOICES:
        raise InvalidInput(_("Choisissez ce que ce parent gardera à vos 18 ans."))
    await audit.begin_chained(session, dossier_id=dossier.id)
    delegation = await session.get(Delegation, delegation_id, populate_existing=True)
    patient = await session.get(Patient, dossier.patient_id)
    if (delegation is None or delegation.dossier_id != dossier.id or delegation.revoked_at is not None
            or delegation.relationship not in LEGAL_REPRESENTATIVES or delegation.end_reason
            or adult_from(patient.birth_date) <= utcnow()):
        await session.rollback()
        return False
    parent = await session.get(Account, delegation.caregiver_account_id)
    if delegation.after_majority != choice:
        delegation.after_majority = choice
        session.add(delegation)
        await audit.append(session, dossier_id=dossier.id, action="majority_choice", actor=actor,
                           detail=f"{parent.display_name if parent else ''} : {CHOICES[choice]}")
    await audit.commit_chained(session)
    return True


async def ended_at_majority(session: AsyncSession, *, dossier: Dossier) -> list[Account]:
    """The parents whose rights the patient's 18th birthday ended (not kept), recorded yet or not: the rule ended
    them at the birthday itself. Asked once the patient is 18."""
    rows = await session.exec(
        select(Delegation, Account).join(Account, Account.id == Delegation.caregiver_account_id)  # type: ignore[arg-type]
        .where(Delegation.dossier_id == dossier.id, Delegation.relationship.in_(LEGAL_REPRESENTATIVES),  # type: ignore[attr-defined]
               or_(Delegation.end_reason == "majority",
                   and_(Delegation.end_reason == "", Delegation.revoked_at.is_(None),  # type: ignore[union-attr]
                        Delegation.after_majority == "")))
        .order_by(Delegation.created_at))  # type: ignore[arg-type]
    return [account for _delegation, account in rows.all()]


async def unrecorded(session: AsyncSession, *, account: Account, now: datetime) -> list[tuple[str, datetime]]:
    """What this parent's notices will say once `apply_majority` has run (`notices.MESSAGES`), for the children who
    turned 18 before it did, each with the birthday: "Mes dossiers" reads as of the birthday itself, as the rule does
    (until then, the child's dossier was gone from it unexplained)."""
    rows = (await session.exec(
        select(Delegation, Patient)
        .join(Dossier, Dossier.id == Delegation.dossier_id)  # type: ignore[arg-type]
        .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Delegation.caregiver_account_id == account.id, Delegation.relationship.in_(LEGAL_REPRESENTATIVES),  # type: ignore[attr-defined]
               Delegation.revoked_at.is_(None), Delegation.end_reason == "")  # type: ignore[union-attr]
    )).all()
    told = []
    for delegation, patient in rows:
        birthday = adult_from(patient.birth_date)
        if birthday <= now:
            name = f"{patient.given_name} {patient.family_name}"
            told.append((notices.say("majority_kept", name=name, level=delegation.after_majority)
                         if delegation.after_majority else notices.say("majority_ended", name=name), birthday))
    return sorted(told, key=lambda told: told[1])


async def apply_majority(session: AsyncSession, *, now: datetime | None = None) -> int:
    """End (or keep, as chosen) the rights of every parent whose child has turned 18; return how many were handled."""
    now = now or utcnow()
    rows = (await session.exec(
        select(Delegation.id, Patient.birth_date)
        .join(Dossier, Dossier.id == Delegation.dossier_id)  # type: ignore[arg-type]
        .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Delegation.relationship.in_(LEGAL_REPRESENTATIVES), Delegation.revoked_at.is_(None),  # type: ignore[attr-defined,union-attr]
               Delegation.end_reason == "")
    )).all()
    due = [delegation_id for delegation_id, born in rows if adult_from(born) <= now]
    await session.commit()
    for delegation_id in due:
        await _apply_one(session, delegation_id=delegation_id, now=now)
    return len(due)


async def _apply_one(session: AsyncSession, *, delegation_id: str, now: datetime) -> None:
    # The dossier's chain lock before the delegation is read (PostgreSQL: a removal committed meanwhile is seen, and
    # no second event is logged for it); a delegation never changes dossier, so asking which one first is safe.
    found = await session.get(Delegation, delegation_id)
    await audit.begin_chained(session, dossier_id=found.dossier_id if found else None)
    delegation = await session.get(Delegation, delegation_id, populate_existing=True)
    if delegation is None or delegation.revoked_at is not None or delegation.end_reason:
        await session.rollback()  # another process handled it a moment ago
        return
    dossier = await session.get(Dossier, delegation.dossier_id)
    patient = await session.get(Patient, dossier.patient_id)
    parent = await session.get(Account, delegation.caregiver_account_id)
    name = f"{patient.given_name} {patient.family_name}"
    if delegation.after_majority:
        delegation.end_reason = "kept_at_majority"
        delegation.can_manage = delegation.after_majority == "gestion"
        action, detail = "majority_kept", f"{parent.display_name} ({LEVELS[delegation.after_majority]})"
        notice = {"kind": "majority_kept", "name": name, "level": delegation.after_majority}
    else:
        # Ended at the birthday itself (the rule already stopped it then), whenever this check runs.
        delegation.revoked_at, delegation.end_reason = adult_from(patient.birth_date), "majority"
        action, detail = "majority_ended", parent.display_name
        notice = {"kind": "majority_ended", "name": name}
    session.add(delegation)
    event = await audit.append(session, dossier_id=dossier.id, action=action, actor=SYSTEM, detail=detail)
    await notify.record(session, dossier=dossier, event=event)
    # Runs outside any request (housekeeping.py, the CLI): the notice is written in its reader's language when read.
    await notices.tell(session, account_id=delegation.caregiver_account_id, dossier_id=dossier.id, **notice)
    await audit.commit_chained(session)
