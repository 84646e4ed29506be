"""A treatment marked as stopped, by whoever manages the dossier: kept in the profile with the day it ended, no
longer among a professional's "Traitements en cours" (profile/card.py) nor an active MedicationStatement of the
summary (fhir/ips.py). Deleting it would lose who declared it, and when; the log says it was stopped."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..dossiers import InvalidInput
from ..i18n import _
from ..i18n.formats import long_date
from ..models import Dossier, Patient, ProfileItem
from ..templating import quoted_fr
from .items import not_before_birth
from .kinds import OLDEST


async def end_treatment(session: AsyncSession, *, item: ProfileItem, ended_on: date | None, actor: audit.Actor,
                        today: date, from_copy: bool = False) -> None:
    """Mark a treatment stopped on `ended_on`, with its event, in one transaction; InvalidInput for a day that
    cannot be its end (none, to come, before the patient's birth, before it began). `from_copy`: a stop read back
    from a copy of the dossier (restore.py), whose day was checked when declared, as add_item's items are."""
    if ended_on is None:
        raise InvalidInput(_("Indiquez le jour de l'arrêt (JJ/MM/AAAA)."), "ended_on")
    if not OLDEST <= ended_on <= today:
        raise InvalidInput(_("La date ne peut pas être dans le futur, ni avant 1900."), "ended_on")
    if not from_copy:
        # A treatment without a start date has nothing else to hold its end after the patient's birth.
        dossier = await session.get(Dossier, item.dossier_id)
        patient = await session.get(Patient, dossier.patient_id) if dossier is not None else None
        not_before_birth(ended_on, born=patient.birth_date if patient is not None else None, field="ended_on")
    if item.started_on is not None and ended_on < item.started_on:
        raise InvalidInput(_("L'arrêt ne peut pas précéder le début du traitement (%(date)s).",
                             date=long_date(item.started_on)), "ended_on")
    await audit.begin_chained(session, dossier_id=item.dossier_id)
    item = await session.get(ProfileItem, item.id, populate_existing=True)
    if item is not None and item.deleted_at is None and item.ended_on is None:
        item.ended_on = ended_on
        session.add(item)
        await audit.append(session, dossier_id=item.dossier_id, action="profile_end", actor=actor,
                           detail=quoted_fr(item.label))
    await audit.commit_chained(session)
