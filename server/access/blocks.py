"""A patient's blocks: a block stops a professional entirely, over any grant, her authorship and her emergency access
(which it ends: emergencies.end_emergencies); lifting it gives back what others gave. Whether one is in force is
`changes.active_block`, which every change asks."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..caregivers.representatives import giver
from ..models import Block, Dossier, Professional, utcnow
from .changes import active_block, layer_of, who
from .emergencies import end_emergencies
from .rule import REPRESENTATIVE


async def block(session: AsyncSession, *, dossier: Dossier, professional: Professional, actor: audit.Actor) -> None:
    """A block stops the professional entirely, authorship included (issue 4); a minor's parent's block of one who
    kept care from them stops only the grants representatives gave (`Block.representatives_only`)."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    blocked_by = await giver(session, dossier_id=dossier.id, actor=actor)
    layer = await layer_of(session, dossier_id=dossier.id, professional_id=professional.id, given_by=blocked_by)
    if await active_block(session, dossier_id=dossier.id, professional_id=professional.id, layer=layer) is None:
        session.add(Block(dossier_id=dossier.id, professional_id=professional.id, blocked_by=blocked_by,
                          representatives_only=bool(layer)))
        if not layer:  # (a parents' block of one who kept care from them stops only their grants: `rule`)
            await end_emergencies(session, dossier_id=dossier.id, professional_id=professional.id)
        await audit.append(session, dossier_id=dossier.id, action="block", actor=actor, detail=who(professional),
                           about=professional)
    await audit.commit_chained(session)


async def unblock(session: AsyncSession, *, dossier: Dossier, professional: Professional, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=dossier.id)
    rows = (await session.exec(select(Block).where(
        Block.dossier_id == dossier.id, Block.professional_id == professional.id, Block.lifted_at.is_(None)  # type: ignore[union-attr]
    ))).all()
    layer = await layer_of(session, dossier_id=dossier.id, professional_id=professional.id,
                           given_by=await giver(session, dossier_id=dossier.id, actor=actor))
    if layer is not None:  # each side lifts its own (`block`)
        rows = [row for row in rows if (row.blocked_by == REPRESENTATIVE if layer else not row.representatives_only)]
    for row in rows:
        row.lifted_at = utcnow()
        session.add(row)
    if rows:
        await audit.append(session, dossier_id=dossier.id, action="unblock", actor=actor, detail=who(professional),
                           about=professional)
    await audit.commit_chained(session)
