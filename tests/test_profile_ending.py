"""A treatment marked as stopped (profile/ending.py): it stays in the profile with the day it ended, leaves a
professional's "Traitements en cours" and the summary's active medications, and the log says so. A day that cannot
be its end is refused in French; only whoever manages the dossier may stop a treatment, and only once."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pypdfium2

from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_professional
from server.export.pdf import summary_pdf
from server.fhir.ips import summary_bundle
from server.models import paris_today
from server.profile.items import add_item, profile_of
from tests.conftest import ORIGIN, new_patient, post_form, wrong_fields
from tests.caregiver_helpers import years_ago
from tests.test_ips import PATIENT_VIEW
from tests.test_profile import SAMPLES, TODAY
from tests.profile_page_helpers import CAMILLE, as_patient, browser, card_of, doctor, events_of, text_of, url


def stop_url(fixture, item) -> str:
    return url(fixture, f"/{item.id}/arret")


async def test_a_stopped_treatment_stays_with_its_end_and_leaves_the_treatments_in_progress(app, db, patient):
    treatment = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY)
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    ended = paris_today() - timedelta(days=3)
    async with await as_patient(app, db, patient) as client:
        page = await client.get(url(patient))
        assert "Noter l'arrêt" in page.text and f'max="{paris_today().isoformat()}"' in page.text
        for day, message in ((str(paris_today() + timedelta(days=1)), "ni avant 1900"),
                             ("2025-02-28", "L'arrêt ne peut pas précéder le début du traitement (1er mars 2025)"),
                             ("hier", "Indiquez le jour de l'arrêt")):
            refused = await post_form(client, stop_url(patient, treatment), {"ended_on": day})
            assert refused.status_code == 400 and message in text_of(refused), (day, text_of(refused)[-400:])
        assert await events_of(db, patient, "profile_end") == []  # nothing half-done
        done = await post_form(client, stop_url(patient, treatment), {"ended_on": ended.isoformat()},
                               follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == url(patient, f"?fait=fin&ligne={treatment.id}#item-{treatment.id}")
        shown = text_of(await client.get(done.headers["location"]))
        assert "Le traitement est noté comme arrêté" in shown and "arrêté le" in shown and "Noter l'arrêt" not in shown
        # Under a heading of its own, not under "Traitements en cours" (an outside probe's find: a matter of safety).
        page = (await client.get(url(patient))).text
        assert re.search(r"<h3[^>]*>Traitements arrêtés</h3>\s*<ul[^>]*>\s*<li[^>]*id=\"item-" + treatment.id, page)
        again = await post_form(client, stop_url(patient, treatment), {"ended_on": ended.isoformat()})
        assert again.status_code == 404  # once
        log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert "Vous avez noté l'arrêt du traitement « Apixaban 5 mg »" in log
    [event] = await events_of(db, patient, "profile_end")
    assert event.actor_kind == "patient"

    async with browser(app, db, await account_for_professional(db, professional=medecin)) as pro:
        card = card_of(await pro.get(f"/dossiers/{patient.dossier.id}"))
        refused = await post_form(pro, stop_url(patient, treatment), {"ended_on": ended.isoformat()})
    assert "Apixaban 5 mg" not in card  # no longer in progress
    assert refused.status_code == 404  # a professional does not manage the dossier

    db.expunge_all()  # read as the app wrote it, not as this session loaded it
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={},
                                       base=ORIGIN, now=datetime(2026, 12, 1, 9, tzinfo=UTC)
                                       ).model_dump_json(exclude_none=True))
    [statement] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    assert statement["status"] == "completed"
    assert statement["effectivePeriod"] == {"start": "2025-03-01", "end": ended.isoformat()}
    # Its copies say it too (a probe's find, a matter of safety: a health link, the copy's PDF and its IPS listed it
    # under "Traitements en cours"): the section is "Traitements", its line says when it stopped.
    [section] = [s for s in next(e["resource"] for e in bundle["entry"]
                                 if e["resource"]["resourceType"] == "Composition")["section"]
                 if s["code"]["coding"][0]["code"] == "10160-0"]
    assert section["title"] == "Traitements" and "arrêté le" in section["text"]["div"]
    pdf = pypdfium2.PdfDocument(summary_pdf(patient=patient.patient, profile=profile, documents=[], authors={},
                                            now=datetime(2026, 12, 1, 9, tzinfo=UTC)))
    text = " ".join("".join(page.get_textpage().get_text_range() for page in pdf).split())
    assert "Aucun traitement en cours. Traitements arrêtés" in text and "Apixaban 5 mg" in text
    assert text.index("Traitements arrêtés") < text.index("Apixaban 5 mg") and "arrêté le" in text


async def test_only_a_treatment_of_ones_own_dossier_stops(app, db, patient):
    allergy = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    theirs = await add_item(db, dossier=other.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY)
    async with await as_patient(app, db, patient) as client:
        for item, fixture in ((allergy, patient), (theirs, patient), (theirs, other)):
            answer = await post_form(client, stop_url(fixture, item), {"ended_on": str(paris_today())})
            assert answer.status_code == 404, (item.kind, answer.status_code)
    assert await events_of(db, other, "profile_end") == [] and await events_of(db, patient, "profile_end") == []


async def test_a_wrong_end_is_said_on_the_profile_of_the_dossier_it_was_for(app, db, patient):
    """A mother on her son's profile: the page again, his band above it, the form open under that treatment with its
    message and the day she typed; not a bare error page whose one link leads to her own dossier."""
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    treatment = await add_item(db, dossier=leo.dossier, data=SAMPLES["treatment"],
                               actor=Actor(None, "patient", "Léo Martin"), today=TODAY)
    async with await as_patient(app, db, patient) as client:
        await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
        page = await client.get(url(leo))
        assert 'min="2025-03-01"' in page.text  # the browser refuses an end before the start already
        refused = await post_form(client, stop_url(leo, treatment), {"ended_on": "2025-02-28"})
    assert refused.status_code == 400
    shown = text_of(refused)
    assert "Dossier de Léo Martin" in shown and "Revenir à l'accueil" not in shown
    assert "L'arrêt ne peut pas précéder le début du traitement (1er mars 2025)" in shown
    assert wrong_fields(refused.text, f"arret-erreur-{treatment.id}") == ["ended_on"]
    [stop_form] = re.findall(r'<details class="profile-stop"[^>]*>.*?</details>', refused.text, re.S)
    assert '<details class="profile-stop" open>' in stop_form and 'value="2025-02-28"' in stop_form
    assert await events_of(db, leo, "profile_end") == []


async def test_the_historique_says_it_in_english_too(app, db, patient):
    treatment = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY)
    async with await as_patient(app, db, patient) as client:
        await post_form(client, stop_url(patient, treatment), {"ended_on": str(paris_today())})
        english = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique",
                                           headers={"accept-language": "en"}))
    assert "You recorded that the treatment “Apixaban 5 mg” was stopped" in english, english[-600:]


async def test_a_treatment_without_a_start_cannot_stop_before_the_patients_birth(app, db, patient):
    undated = replace(SAMPLES["treatment"], started_on=None)
    treatment = await add_item(db, dossier=patient.dossier, data=undated, actor=CAMILLE, today=TODAY)
    day_before = patient.birth_date - timedelta(days=1)
    async with await as_patient(app, db, patient) as client:
        for day in ("1901-01-01", day_before.isoformat()):
            refused = await post_form(client, stop_url(patient, treatment), {"ended_on": day})
            assert refused.status_code == 400 and "La date ne peut pas précéder la naissance" in text_of(refused), day
            assert wrong_fields(refused.text, f"arret-erreur-{treatment.id}") == ["ended_on"]
        assert await events_of(db, patient, "profile_end") == []
        born_that_day = await post_form(client, stop_url(patient, treatment),
                                        {"ended_on": patient.birth_date.isoformat()}, follow_redirects=False)
    assert born_that_day.status_code == 303
