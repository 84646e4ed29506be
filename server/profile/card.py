"""What a professional's timeline opens on: the profil médical's card (allergies, current treatments and a pregnancy in
progress, as they may see them) and the way to the reimbursed care; the patient's "voir comme" of them opens on the
same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import PROFESSIONAL_RIGHTS, DossierView
from ..identifiers import age_on
from ..models import ProfileItem
from .seen import sees_kind, visible_items_clause
from .kinds import SEVERITY_ORDER, offered
from .pregnancy import Term, current, term_on

CARD_KINDS = ("allergy", "treatment")  # each a section of the card, named as not shared when it is not


@dataclass
class Card:
    """Allergies and current treatments, as one professional may see them. `unshared`: those of the two kinds their
    access does not cover (they see only what they declared of them): named as such, never left out, since a missing
    section reads as "none known"."""

    allergies: list[ProfileItem]
    treatments: list[ProfileItem]
    unshared: frozenset[str]
    # A pregnancy in progress, which decides an X-ray, a drug or a vaccine as an allergy does (kinds.py), and how far
    # it is today: said only when there is one, so that no man's or child's card speaks of it.
    pregnancy: ProfileItem | None = None
    term: Term | None = None
    overdue: bool = False  # its expected date passed, its end not noted: not "Enceinte, 47 SA", but to be asked
    # Whether the patient's hidden lines are kept from this reader (all but the médecin traitant): said whatever the
    # profile holds, so that an empty list is not read as "none", and the words tell nothing of what was hidden.
    may_be_hidden: bool = True


async def profile_card(db: AsyncSession, *, view: DossierView, today: date) -> Card:
    """One query: the card above a professional's timeline (its read is the timeline's, timeline.py)."""
    rows = await db.exec(
        select(ProfileItem).where(ProfileItem.dossier_id == view.dossier.id,
                                  col(ProfileItem.kind).in_((*CARD_KINDS, "pregnancy")),
                                  visible_items_clause(view.visible),
                                  col(ProfileItem.ended_on).is_(None) | (col(ProfileItem.ended_on) >= today))
        .order_by(col(ProfileItem.kind), case(SEVERITY_ORDER, value=col(ProfileItem.severity), else_=len(SEVERITY_ORDER)),
                  col(ProfileItem.label)).limit(100))
    found = rows.all()
    pregnancy = current(list(found))
    expected_on = pregnancy.expected_on if pregnancy else None
    overdue = expected_on is not None and expected_on < today
    # A pregnancy their access does not cover is named so, as the profile page names its section, where it would
    # offer one (views/profile.py): left out, it would read as none before an X-ray or a drug.
    may_be = offered("pregnancy", age_on(view.patient.birth_date, today), sex=view.patient.sex)
    kinds = (*CARD_KINDS, "pregnancy") if may_be else CARD_KINDS
    return Card(allergies=[i for i in found if i.kind == "allergy"],
                treatments=[i for i in found if i.kind == "treatment"],
                unshared=frozenset(k for k in kinds if not sees_kind(view.visible, k)), pregnancy=pregnancy,
                term=term_on(expected_on, today) if expected_on and not overdue else None, overdue=overdue,
                may_be_hidden=not view.visible.hidden_too)


@dataclass
class FirstScreen:
    """Above a professional's documents: the card (None on a page filtered to some documents), and whether the
    reimbursed care opens to them (views/care.py asks `open_dossier` for its category, the same condition)."""

    card: Card | None
    care: bool


async def first_screen_of(db: AsyncSession, *, view: DossierView, today: date,
                          card: bool = True) -> FirstScreen | None:
    """What this view of the dossier opens on: the professional's own page (views/timeline.py) and the patient's
    "voir comme" of them (views/see_as.py) both ask here. None for the dossier's holders (their menu leads to the
    profile and the care) and for a professional the dossier does not open to."""
    if view.right not in PROFESSIONAL_RIGHTS:
        return None
    return FirstScreen(card=await profile_card(db, view=view, today=today) if card else None,
                       care=view.visible.sees_category("remboursement"))
