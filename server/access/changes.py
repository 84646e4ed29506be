"""What every change of rights shares: whose decisions it stands among, a minor's parents' or the others' (`layer_of`),
the block in force that stops it (`active_block`), whom its event names (`who`), and how it refuses (`refuse`). Each
change and its access event commit together: `audit.begin_chained` takes the dossier's chain lock before anything is
read, `audit.commit_chained` commits both. The changes themselves are in grants.py, blocks.py, medecin_traitant.py,
share_codes.py, emergencies.py, hiding.py and closing.py; this module imports none of them."""

from __future__ import annotations

from typing import NoReturn

from sqlmodel import not_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..caregivers.confidential import keeps_from_parents
from ..caregivers.representatives import of_age
from ..dossiers import InvalidInput
from ..i18n import N_
from ..models import Block, Professional
from ..professionals.professions import written_profession
from .rule import REPRESENTATIVE


async def layer_of(session: AsyncSession, *, dossier_id: str, professional_id: str, given_by: str) -> bool | None:
    """Whose decisions a change about this professional stands among: None, everyone's (the usual case); True, the
    minor's parents' alone, False, everyone's but theirs, when the professional kept care from the parents
    (caregivers/confidential.py). Once the patient is 18, theirs and their helpers' reach the parents' too."""
    if not await keeps_from_parents(session, dossier_id=dossier_id, professional_id=professional_id):
        return None
    if given_by != REPRESENTATIVE and await of_age(session, dossier_id=dossier_id):
        return None
    return given_by == REPRESENTATIVE


async def active_block(session: AsyncSession, *, dossier_id: str, professional_id: str,
                       layer: bool | None = None) -> Block | None:
    """A block in force: one that stops the professional (not the parents' own, `Block.representatives_only`); with
    the parents' `layer` (`layer_of`), one a representative made, of either kind."""
    return (await session.exec(select(Block).where(
        Block.dossier_id == dossier_id, Block.professional_id == professional_id, Block.lifted_at.is_(None),  # type: ignore[union-attr]
        (Block.blocked_by == REPRESENTATIVE) if layer else not_(Block.representatives_only)))).first()


def who(professional: Professional | None) -> str:
    """"Julie Moreau (infirmière)": whom a change of rights is about, in its detail, as written for them."""
    if professional is None:
        return ""
    return f"{professional.given_name} {professional.family_name} ({written_profession(professional)})"


# Said to the patient and to a caregiver who manages the dossier alike.
CLOSED = N_("Ce dossier est fermé : rouvrez-le depuis «\u00a0Accès\u00a0» avant de le partager.")


async def refuse(session: AsyncSession, message: str) -> NoReturn:
    """End a transaction that wrote nothing and refuse; a commit, since a rollback would expire
    the objects the caller still shows on its page."""
    await session.commit()
    raise InvalidInput(message)
