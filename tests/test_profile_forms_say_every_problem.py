"""A form of the profil médical says every problem it has at once, each wrong field marked (profile/checks.py, as the
upload forms do: professionals/checks.refuse): a patient who left the name empty and typed an impossible date learnt
of the date only once the name was given. What depends on another field waits for it: a measure's value for the
measure, the diastolic for a systolic in figures, a phone's form for a phone."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from server.models import paris_today
from server.profile.items import add_item
from tests.conftest import post_form, wrong_fields
from tests.profile_page_helpers import CAMILLE, add, as_patient, events_of, items_of, text_of, url
from tests.test_profile import SAMPLES, TODAY

# In the future whenever the test runs: computed as the tests are collected, a day after today failed a run that
# crossed midnight in Paris (the day it named had come).
AFTER_TOMORROW = (paris_today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("kind", "fields", "said", "wrong"), [
    # The form's order: the name, then the date (a treatment's detail and prescriber are right).
    ("treatment", {"label": " ", "detail": "1 comprimé le soir", "started_on": "31/02/2025"},
     "Indiquez le médicament. La date n'est pas valide (JJ/MM/AAAA).", ["label", "started_on"]),
    ("allergy", {"label": "", "severity": "mortelle"},
     "Indiquez la substance. Choisissez la gravité : faible, modérée, sévère, ou « Je ne sais pas ».",
     ["label", "severity"]),
    # An unknown measure: its value, in no known unit, is not judged, but the date is.
    ("measurement", {"label": "poids_du_chat", "value": "beaucoup", "started_on": "31/02/2025"},
     "Choisissez la mesure dans la liste. La date n'est pas valide (JJ/MM/AAAA).", ["label", "started_on"]),
    ("measurement", {"label": "blood_pressure", "value": "120", "value2": "130", "started_on": AFTER_TOMORROW},
     "La tension diastolique (le second chiffre) doit être plus basse que la systolique. La date ne peut pas être "
     "dans le futur, ni avant 1900.", ["value2", "started_on"]),
    # A systolic in no figures: the diastolic, in figures, is compared with nothing (text_of folds the no-break space).
    ("measurement", {"label": "blood_pressure", "value": "cent vingt", "value2": "130", "started_on": AFTER_TOMORROW},
     "Indiquez la valeur en chiffres (par exemple 120 mmHg). La date ne peut pas être dans le futur, ni avant "
     "1900.", ["value", "started_on"]),
    ("contact", {"label": "", "detail": "Époux", "phone": "appelez-moi"},
     "Indiquez le nom. Le numéro de téléphone n'est pas valide (par exemple 06 12 34 56 78).", ["label", "phone"]),
    # No phone: its form is not judged.
    ("contact", {"label": "", "phone": " "}, "Indiquez le nom. Indiquez le téléphone.", ["label", "phone"]),
    # A condition's form asks its name, its nature, its date, then its details: said in that order.
    ("condition", {"label": "", "nature": "", "started_on": AFTER_TOMORROW, "detail": "x" * 501},
     "Indiquez la maladie ou l'intervention. Indiquez s'il s'agit d'un problème de santé actuel, d'une maladie "
     "passée ou d'une intervention. La date ne peut pas être dans le futur, ni avant 1900. Les précisions : 500 "
     "caractères au plus.", ["label", "nature", "started_on", "detail"]),
    # A vaccination's date typed but none of the calendar is said to be wrong, not to be missing.
    ("vaccination", {"label": "", "started_on": "31/02/2025", "lot": "L" * 41},
     "Indiquez le vaccin. La date n'est pas valide (JJ/MM/AAAA). Le numéro de lot : 40 caractères au plus.",
     ["label", "started_on", "lot"]),
])
async def test_an_add_form_says_every_problem_at_once(app, db, patient, kind, fields, said, wrong):
    async with await as_patient(app, db, patient) as client:
        refused = await add(client, patient, kind, **fields)
    assert refused.status_code == 400
    assert said in text_of(refused), text_of(refused)
    assert wrong_fields(refused.text) == wrong
    assert await items_of(db, patient) == [] and await events_of(db, patient, "profile_") == []


async def test_one_wrong_field_is_said_alone(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        refused = await add(client, patient, "contact", label="Paul Martin", phone="06 12 34 56 7")
    assert refused.status_code == 400 and wrong_fields(refused.text) == ["phone"]
    assert "Ce numéro de téléphone ne peut pas exister" in text_of(refused)
    assert "Indiquez le nom" not in text_of(refused)


async def test_a_new_dose_says_its_missing_dose_and_its_day_to_come_together(app, db, patient):
    treatment = await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=TODAY,
                               data=replace(SAMPLES["treatment"], detail="500 mg matin et soir"))
    async with await as_patient(app, db, patient) as client:
        refused = await post_form(client, url(patient, f"/{treatment.id}/posologie"),
                                  {"detail": " ", "changed_on": AFTER_TOMORROW})
    assert refused.status_code == 400
    assert ("Indiquez la nouvelle posologie (par exemple 1000 mg matin et soir). La date ne peut pas être dans le "
            "futur, ni avant 1900.") in text_of(refused)
    assert wrong_fields(refused.text, f"posologie-erreur-{treatment.id}") == ["detail", "changed_on"]
    assert await events_of(db, patient, "profile_dose") == []


async def test_a_treatments_end_and_dose_forms_leave_their_fields_to_the_server(app, db, patient):
    """The probe of this stop's changes: the "Arrêté le" and "Modifier la posologie" forms, without `novalidate`, were
    stopped by the browser one field at a time, in its own language: the server's every-problem-at-once never came."""
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY)
    async with await as_patient(app, db, patient) as client:
        page = (await client.get(url(patient))).text
    for action in ("arret", "posologie"):
        form = page[page.index(f'/profil/{item.id}/{action}"') - 80:page.index(f'/profil/{item.id}/{action}"') + 120]
        assert "novalidate" in form, (action, form)


async def test_a_long_detail_is_named_as_its_form_labels_it(app, db, patient):
    """An outside probe's find: an allergy's "Réaction" too long was refused as "Les précisions"."""
    async with await as_patient(app, db, patient) as client:
        answer = await add(client, patient, "allergy", label="Pénicilline", detail="x" * 501, severity="severe")
    assert answer.status_code == 400 and "La réaction : 500 caractères au plus." in text_of(answer)
    assert wrong_fields(answer.text) == ["detail"]


async def test_each_wrong_field_is_described_by_its_own_sentence(client):
    """An accessibility probe: with several problems said at once, each field was described by all of them (the INS
    field of an emergency read the date's and the reason's too). Each sentence is a span of the alert, its field's."""
    from tests.conftest import get_csrf
    page = (await client.post("/activer", data={"_csrf_token": await get_csrf(client), "code": "",
                                                "birth_date": "31/02/2025"})).text
    spans = dict(re.findall(r'<span id="(form-error-\d)">([^<]+)</span>', page))
    assert len(spans) == 2, page
    described = {name: re.search(rf'name="{name}"[^>]*aria-describedby="(form-error-\d)', page).group(1)
                 for name in ("code", "birth_date")}
    assert set(described.values()) == set(spans)
    assert "code" in spans[described["code"]].lower() and "date" in spans[described["birth_date"]].lower()
