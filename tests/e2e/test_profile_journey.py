"""The profil médical on a phone (issue 12): "Profil" in the menu, an allergy and blood pressures added with
the forms, a refusal in French, and the measurements' chart drawn in the page's colours, light or dark."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu

pytestmark = pytest.mark.e2e


def stroke_of_the_chart(page) -> str:
    return page.locator("svg.chart .chart-line").first.evaluate("line => getComputedStyle(line).stroke")


def test_the_patient_adds_an_allergy_and_blood_pressures_from_the_menu(page, seed, console):
    patient = seed()
    console.allow("status of 400")  # the refused form, on purpose
    log_in(page, patient)

    menu(page, "Profil").click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}/profil$"))
    expect(page.get_by_role("heading", name="Profil médical", level=1)).to_be_visible()
    allergies = page.get_by_role("region", name="Allergies et intolérances")
    expect(allergies.get_by_text("Aucune allergie indiquée.")).to_be_visible()
    assert_fits_phone(page)

    # An allergy: nothing typed first, and the form says what is missing, in French.
    allergies.get_by_role("link", name="Ajouter une allergie").click()
    expect(page.get_by_role("heading", name="Ajouter une allergie")).to_be_visible()
    page.get_by_label("Gravité").select_option(label="Sévère")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_have_text("Indiquez la substance.")
    page.get_by_label("Substance").fill("Pénicilline")
    page.get_by_label("Réaction").fill("Urticaire géante")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    allergies = page.get_by_role("region", name="Allergies et intolérances")
    expect(allergies.get_by_text("Pénicilline", exact=True)).to_be_visible()
    expect(allergies.get_by_text("Gravité : sévère")).to_be_visible()
    expect(allergies.get_by_text("Déclarée par vous")).to_be_visible()

    # Two blood pressures, the first taken at home in the spring: a chart appears with the second.
    for systolic, diastolic, day in (("132", "85", "2025-04-12"), ("128", "82", None)):
        page.get_by_role("region", name="Mesures").get_by_role("link", name="Ajouter une mesure").click()
        page.get_by_label("Mesure", exact=True).select_option(label="Tension artérielle (mmHg)")
        page.get_by_label("Valeur").fill(systolic)
        page.get_by_label("Second chiffre de la tension (diastolique)").fill(diastolic)
        if day:
            page.get_by_label("Date de la mesure").fill(day)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    measures = page.get_by_role("region", name="Mesures")
    chart = measures.get_by_role("img", name=re.compile(r"^Tension artérielle : 2 mesures du 12\s+avril 2025 au"))
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= 360
    # Under the chart, the values one by one, a tap away.
    measures.get_by_text("Toutes les mesures, une par une (2)").click()
    expect(measures.get_by_text("Tension artérielle : 128/82 mmHg")).to_be_visible()
    expect(measures.get_by_text("Tension artérielle : 132/85 mmHg")).to_be_visible()
    assert_fits_phone(page)

    # The chart's line is the page's link colour, whichever theme the phone is in.
    light = stroke_of_the_chart(page)
    page.emulate_media(color_scheme="dark")
    dark = stroke_of_the_chart(page)
    assert light == "rgb(29, 78, 216)" and dark == "rgb(147, 180, 253)", (light, dark)


def test_a_patient_notes_on_her_phone_that_a_treatment_is_stopped(page, seed):
    """Stopped, not deleted: the treatment stays, with the day it ended, and the confirmation is on screen."""
    patient = seed()
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=treatment")
    page.get_by_label("Médicament").fill("Apixaban 5 mg")
    page.get_by_role("button", name="Enregistrer").click()
    treatment = page.locator(".profile-item").filter(has_text="Apixaban 5 mg")
    treatment.get_by_text("Noter l'arrêt").click()
    expect(treatment.get_by_label("Arrêté le")).to_be_visible()
    assert_fits_phone(page)
    treatment.get_by_role("button", name="Enregistrer l'arrêt").click()
    expect(page.get_by_text("Le traitement est noté comme arrêté")).to_be_focused()
    expect(treatment).to_contain_text("arrêté le")
    expect(treatment.get_by_text("Noter l'arrêt")).to_have_count(0)


def test_a_patient_links_her_directives_found_by_a_search_and_changes_her_organ_donation_position(page, seed):
    """The directives' document is searched for by a word of its title, typed without its accent: htmx brings back
    the list alone, what she typed stays, and the status says what was found. Her position on organ donation is then
    changed in one step, never none recorded."""
    patient = seed()
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=directive")
    page.get_by_label("Où les trouver, précisions").fill("Un exemplaire chez ma fille")
    page.get_by_label("Chercher le document dans le dossier").fill("OPHTALMOLOGIE")
    page.get_by_role("button", name="Chercher", exact=True).click()
    expect(page.locator('[data-results-status="document-picker"]')).to_have_text("1 document trouvé")
    picker = page.get_by_label("Document", exact=True)
    expect(picker.locator("option")).to_have_count(2)  # "Aucun document", and hers
    expect(page.get_by_label("Où les trouver, précisions")).to_have_value("Un exemplaire chez ma fille")
    picker.select_option(index=1)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    directives = page.get_by_role("region", name="Directives anticipées")
    expect(directives.get_by_role("link", name="Consultation d'ophtalmologie")).to_be_visible()

    page.get_by_role("link", name="Indiquer la position sur le don d'organes").click()
    page.get_by_label("Favorable au don d'organes").check()
    page.get_by_role("button", name="Enregistrer").click()
    donation = page.get_by_role("region", name="Don d'organes")
    donation.get_by_role("link", name="Changer la position sur le don d'organes").click()
    expect(page.get_by_role("heading", name="Changer la position sur le don d'organes")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_label("Opposé au don d'organes").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("La position est changée")).to_be_focused()
    expect(donation.get_by_text("Opposé au don d'organes", exact=True)).to_be_visible()
    expect(donation.get_by_text("Favorable au don d'organes", exact=True)).to_have_count(0)
