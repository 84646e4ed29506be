"""A treatment's dose changed, by whoever manages the dossier (a doctor's new prescription: metformine 500 mg matin et
soir, then 1000 mg): the line in progress stops the day before the change, and a new line, the same medicine and
prescriber with the new dose, starts that day. So the profile reads "500 mg… depuis le 1er mars, arrêté le 5 mai"
under the treatments stopped and "1000 mg… depuis le 6 mai" under those in progress, never both in progress (a
professional's card lists a treatment until the end of the day it stops: profile/card.py), and no line is rewritten:
who declared each, and when, stays. One event in the log says it, naming the treatment as its stop does."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..i18n import _
from ..i18n.formats import long_date
from ..models import Dossier, Patient, ProfileItem
from ..professionals.checks import Problem, refuse
from ..templating import quoted_fr
from ..text_input import clean, readable_length
from .checks import before_birth
from .kinds import OLDEST
from .seen import kept_from_parents

DOSE_LIMIT = 500  # an item's detail
LABEL_LIMIT = 200  # a treatment's name, as the add form takes it (profile/checks.py)


def new_dose(item: ProfileItem, *, dose: str, changed_on: date | None, today: date, born: date | None = None,
             label: str | None = None) -> tuple[str, str, date]:
    """The medicine's name, the dose and the day it starts, checked; InvalidInput, in the request's language, for what
    cannot be one: every problem said at once (`born`: the patient's birth, which the line stopped the day before
    follows). `label`: the name anew, where the strength is in it ("Bisoprolol 2,5 mg", then 5 mg); None keeps it."""
    dose, label = clean(dose), item.label if label is None else clean(label)
    refuse([_label_problem(label), _dose_problem(item, dose, label),
            _day_problem(item, changed_on, today=today, born=born)])
    return label, dose, changed_on


def _label_problem(label: str) -> Problem | None:
    if not readable_length(label):
        return _("Indiquez le médicament (par exemple Bisoprolol 5 mg)."), "label"
    if len(label) > LABEL_LIMIT:
        return _("Le médicament : %(limit)d caractères au plus.", limit=LABEL_LIMIT), "label"
    return None


def _dose_problem(item: ProfileItem, dose: str, label: str) -> Problem | None:
    if not readable_length(dose):
        return _("Indiquez la nouvelle posologie (par exemple 1000 mg matin et soir)."), "detail"
    if len(dose) > DOSE_LIMIT:
        return _("La posologie : %(limit)d caractères au plus.", limit=DOSE_LIMIT), "detail"
    if dose == item.detail and label == item.label:  # a new strength in the name is a change, the same pills a day
        return _("C'est la posologie déjà indiquée : indiquez la nouvelle."), "detail"
    return None


def _day_problem(item: ProfileItem, changed_on: date | None, *, today: date, born: date | None) -> Problem | None:
    if changed_on is None:
        return _("Indiquez le jour du changement (JJ/MM/AAAA)."), "changed_on"
    if not OLDEST < changed_on <= today:
        return _("La date ne peut pas être dans le futur, ni avant 1900."), "changed_on"
    if item.started_on is not None and changed_on <= item.started_on:
        # The day it began, the dose typed was wrong rather than changed: the line is deleted and added again.
        return _("Le changement vient après le début du traitement (%(date)s). Une posologie mal saisie se corrige "
                 "en supprimant la ligne pour l'ajouter de nouveau.", date=long_date(item.started_on)), "changed_on"
    return before_birth(changed_on - timedelta(days=1), born=born, field="changed_on")


async def change_dose(session: AsyncSession, *, item: ProfileItem, dose: str, changed_on: date | None,
                      actor: audit.Actor, added_by_account_id: str | None, today: date,
                      label: str | None = None) -> ProfileItem | None:
    """Stop `item` the day before `changed_on` and add the new line, with its event, in one transaction; None if the
    line stopped or went meanwhile (nothing written). The new line is hidden from professionals, or kept from a
    minor's parents, as the old one was: a change of dose tells no one the treatment it was kept from."""
    dossier = await session.get(Dossier, item.dossier_id)
    patient = await session.get(Patient, dossier.patient_id) if dossier is not None else None
    label, dose, changed_on = new_dose(item, dose=dose, changed_on=changed_on, today=today,
                                       born=patient.birth_date if patient is not None else None, label=label)
    stopped_on = changed_on - timedelta(days=1)
    await audit.begin_chained(session, dossier_id=item.dossier_id)
    item = await session.get(ProfileItem, item.id, populate_existing=True)
    if item is None or item.deleted_at is not None or item.ended_on is not None:
        await session.commit()  # nothing written
        return None
    kept = await kept_from_parents(session, item)
    item.ended_on = stopped_on
    session.add(item)
    added = ProfileItem(dossier_id=item.dossier_id, kind=item.kind, label=label, detail=dose,
                        started_on=changed_on, prescriber=item.prescriber, added_by_account_id=added_by_account_id,
                        hidden=item.hidden, hidden_from_representatives=kept)
    session.add(added)
    # Named as its stop names it (caregivers/confidential.py finds a line kept from a minor's parents so, by the
    # detail's start): the line whose dose changed, by its name then; a new name, on a line of its own, which the
    # sentence says ("désormais nommé …": a renamed treatment was logged under its former name alone, a probe's find).
    renamed = f"\n{quoted_fr(label)}" if label != item.label else ""
    await audit.append(session, dossier_id=item.dossier_id, action="profile_dose", actor=actor,
                       detail=quoted_fr(item.label) + renamed)
    await audit.commit_chained(session)
    return added
