"""A treatment marked as stopped, or a pregnancy as over (a birth, or another end), by whoever manages the dossier:
kept in the profile with the day it ended. A stopped treatment is no longer among a professional's "Traitements en
cours" (profile/card.py) nor an active MedicationStatement of the summary (fhir/ips.py); a pregnancy over no longer
holds back the vaccinations it put off (profile/vaccines.py), and the summary says "not pregnant" from that day.
Deleting it would lose who declared it, and when; the log says it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..i18n.formats import long_date
from ..models import Dossier, Patient, ProfileItem
from ..templating import quoted_fr
from .checks import not_before_birth
from .kinds import OLDEST
from .pregnancy import last_period
from .wording import summary


@dataclass(frozen=True)
class Ending:
    missing: str  # the day not given
    too_early: str  # before it began (%(date)s)
    action: str  # the log's (accesslog/phrases.py)


ENDINGS = {
    "treatment": Ending(N_("Indiquez le jour de l'arrêt (JJ/MM/AAAA)."),
                        N_("L'arrêt ne peut pas précéder le début du traitement (%(date)s)."), "profile_end"),
    "pregnancy": Ending(N_("Indiquez le jour de la fin de la grossesse (JJ/MM/AAAA)."),
                        N_("La fin de la grossesse ne peut pas précéder son début (%(date)s), que sa date prévue "
                           "d'accouchement fixe."), "profile_pregnancy_end"),
}


def began(item: ProfileItem) -> date | None:
    """The earliest day an item may end: a treatment's start; a pregnancy's last period, as its DPA sets it."""
    if item.kind == "pregnancy":
        return last_period(item.expected_on) if item.expected_on is not None else None
    return item.started_on


async def end_item(session: AsyncSession, *, item: ProfileItem, ended_on: date | None, actor: audit.Actor,
                   today: date, from_copy: bool = False) -> None:
    """Mark a treatment stopped, or a pregnancy over, on `ended_on`, with its event, in one transaction; InvalidInput
    for a day that cannot be its end (none, to come, before the patient's birth, before it began). `from_copy`: an
    end read back from a copy of the dossier (restore.py), whose day was checked when declared, as add_item's items
    are."""
    ending = ENDINGS[item.kind]
    if ended_on is None:
        raise InvalidInput(_(ending.missing), "ended_on")
    if not OLDEST <= ended_on <= today:
        raise InvalidInput(_("La date ne peut pas être dans le futur, ni avant 1900."), "ended_on")
    if not from_copy:
        # An item without a start date has nothing else to hold its end after the patient's birth.
        dossier = await session.get(Dossier, item.dossier_id)
        patient = await session.get(Patient, dossier.patient_id) if dossier is not None else None
        not_before_birth(ended_on, born=patient.birth_date if patient is not None else None, field="ended_on")
    start = began(item)
    if start is not None and ended_on < start:
        raise InvalidInput(_(ending.too_early, date=long_date(start)), "ended_on")
    await audit.begin_chained(session, dossier_id=item.dossier_id)
    item = await session.get(ProfileItem, item.id, populate_existing=True)
    if item is not None and item.deleted_at is None and item.ended_on is None:
        item.ended_on = ended_on
        session.add(item)
        # A treatment's stop names it by its label, as it always has; a pregnancy by its kind, as its addition did
        # (caregivers/confidential.py finds an item kept from a minor's parents by that name).
        await audit.append(session, dossier_id=item.dossier_id, action=ending.action, actor=actor,
                           detail=quoted_fr(item.label) if item.kind == "treatment" else summary(item))
    await audit.commit_chained(session)
