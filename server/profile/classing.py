"""A condition classed anew by whoever manages the dossier: a current problem, a past illness or a procedure
(kinds.NATURES), which the summary's sections follow (fhir/ips.py). Deleting it and declaring it again would lose
who declared it, and when; the log says how it is classed now."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..models import ProfileItem
from .kinds import NATURES
from .wording import summary


async def set_nature(session: AsyncSession, *, item: ProfileItem, nature: str, actor: audit.Actor) -> None:
    """Class a condition as `nature` (one of kinds.NATURES), with its event, in one transaction; the same nature
    again changes nothing and logs nothing."""
    await audit.begin_chained(session, dossier_id=item.dossier_id)
    item = await session.get(ProfileItem, item.id, populate_existing=True)
    if item is not None and item.deleted_at is None and item.kind == "condition" and item.nature != nature:
        item.nature = nature
        session.add(item)
        await audit.append(session, dossier_id=item.dossier_id, action="profile_nature", actor=actor,
                           detail=f"{summary(item)} ({NATURES[nature].heading})")
    await audit.commit_chained(session)
