"""The card a professional's timeline opens on: allergies and current treatments, as they may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import DossierView
from ..models import ProfileItem
from .seen import visible_items_clause
from .kinds import KINDS, SEVERITY_ORDER

CARD_KINDS = ("allergy", "treatment")


@dataclass
class Card:
    """Allergies and current treatments, as one professional may see them; None: a kind they may not see."""

    allergies: list[ProfileItem] | None
    treatments: list[ProfileItem] | None


async def profile_card(db: AsyncSession, *, view: DossierView, today: date) -> Card:
    """One query: the card above a professional's timeline (its read is the timeline's, timeline.py)."""
    rows = await db.exec(
        select(ProfileItem).where(ProfileItem.dossier_id == view.dossier.id, col(ProfileItem.kind).in_(CARD_KINDS),
                                  visible_items_clause(view.visible),
                                  col(ProfileItem.ended_on).is_(None) | (col(ProfileItem.ended_on) >= today))
        .order_by(col(ProfileItem.kind), case(SEVERITY_ORDER, value=col(ProfileItem.severity), else_=len(SEVERITY_ORDER)),
                  col(ProfileItem.label)).limit(100))
    found = rows.all()

    def of(kind: str) -> list[ProfileItem] | None:
        mine = [i for i in found if i.kind == kind]
        return mine if mine or view.visible.sees_category(KINDS[kind].category) else None

    return Card(allergies=of("allergy"), treatments=of("treatment"))
