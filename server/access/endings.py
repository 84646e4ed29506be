"""How one professional's access to a dossier last ended, and when: what "voir comme" says of one who cannot open it
(views/see_as.py), where "Vous ne lui avez pas donné accès" would be untrue of a grant that ended, a médecin traitant
removed or replaced, an emergency access over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AccessEvent, Grant, LogSubject, Professional
from .rule import REPRESENTATIVE, Standing


@dataclass(frozen=True)
class AccessEnd:
    # "grant": revoked, or its end date passed; "medecin_traitant": removed, or another declared; "emergency": its
    # 24 hours over, or ended by the patient, a block, a refusal of emergency access or a closing.
    what: Literal["grant", "medecin_traitant", "emergency"]
    at: datetime


async def access_end(session: AsyncSession, *, dossier_id: str, professional: Professional, standing: Standing,
                     now: datetime, parents: bool = False) -> AccessEnd | None:
    """The latest of this professional's accesses to end, None if none did: what ended last is what the patient
    remembers. `standing`: theirs, as "voir comme" asked the rule. `parents`: as a minor's parents are shown one who
    kept care from them (`standing.parents_standing`): the grants representatives gave alone; no emergency access,
    and no médecin traitant either, whose declaration may have been the minor's, an event they are not shown."""
    ends = []
    if (at := await _grant_ended_at(session, dossier_id=dossier_id, professional_id=professional.id, now=now,
                                    parents=parents)) is not None:
        ends.append(AccessEnd("grant", at))
    if standing.emergency_until is not None and standing.emergency_until <= now:
        ends.append(AccessEnd("emergency", standing.emergency_until))
    if standing.declared_medecin_traitant and not standing.is_medecin_traitant and not parents:
        # The log keeps when: the latest "medecin_traitant" event about them is the one that removed or replaced
        # them (medecin_traitant.py makes them its subject either way), as they are its médecin traitant no more.
        at = (await session.exec(
            select(func.max(AccessEvent.at))
            .join(LogSubject, (LogSubject.dossier_id == AccessEvent.dossier_id) & (LogSubject.seq == AccessEvent.seq))
            .where(LogSubject.dossier_id == dossier_id, LogSubject.key == professional.rpps,
                   AccessEvent.action == "medecin_traitant"))).one()
        if at is not None:
            ends.append(AccessEnd("medecin_traitant", at))
    return max(ends, key=lambda end: end.at, default=None)


async def _grant_ended_at(session: AsyncSession, *, dossier_id: str, professional_id: str, now: datetime,
                          parents: bool) -> datetime | None:
    """When this professional's latest grant ended (revoked, or its end date passed), None if none did."""
    found = await session.exec(select(Grant.revoked_at, Grant.ends_at).where(
        Grant.dossier_id == dossier_id, Grant.professional_id == professional_id,
        *([Grant.given_by == REPRESENTATIVE] if parents else [])))
    ends = [min(at for at in (revoked_at, ends_at) if at is not None and at <= now)
            for revoked_at, ends_at in found.all()
            if (revoked_at is not None and revoked_at <= now) or (ends_at is not None and ends_at <= now)]
    return max(ends, default=None)
