"""A treatment's dose changed on her phone (an outside probe's find: a diabetic patient whose doctor raised her
metformine could only stop or delete the line): the new dose is in progress from the day of the change, the old one
stays among the treatments stopped, the day before."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu
from tests.e2e.test_every_page import no_violation

pytestmark = pytest.mark.e2e


def test_a_patient_changes_the_dose_of_her_metformine_and_reads_both_lines(page, seed, console):
    patient = seed()
    console.allow("status of 400")  # the form sent with the dose it already has, on purpose
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=treatment")
    page.get_by_label("Médicament").fill("Metformine")
    page.get_by_label("Posologie").fill("500 mg matin et soir")
    page.get_by_label("Depuis le").fill("2024-01-15")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")

    page.set_viewport_size({"width": 360, "height": 500})  # the form below the fold, as on a phone's long profile
    treatment = page.locator(".profile-item").filter(has_text="Metformine")
    treatment.get_by_text("Modifier la posologie").click()
    # A day before the start: the server says why, in its words and tied to its field (the form leaves its fields to
    # the server, `novalidate`: the browser stopped it a field at a time, in its own language; a probe's find).
    treatment.get_by_label("Médicament").fill("")
    treatment.get_by_label("Nouvelle posologie").fill("1000 mg matin et soir")
    treatment.get_by_label("À partir du").fill("2024-01-10")
    assert_fits_phone(page)
    treatment.get_by_role("button", name="Enregistrer la nouvelle posologie").click()
    expect(page.get_by_role("alert")).to_contain_text("Le changement vient après le début du traitement")
    treatment = page.locator(".profile-item").filter(has_text="Metformine")
    # The wrong field has the focus and is on screen: the page stayed at its top, the form far below (a probe's find).
    expect(treatment.get_by_label("Médicament")).to_be_focused()
    expect(treatment.get_by_label("Médicament")).to_be_in_viewport()
    treatment.get_by_label("Médicament").fill("Metformine")
    # The dose it already has: the server's refusal, tied to its field, what was typed kept.
    changed = date.today() - timedelta(days=7)
    treatment.get_by_label("Nouvelle posologie").fill("500 mg matin et soir")
    treatment.get_by_label("À partir du").fill(changed.isoformat())
    treatment.get_by_role("button", name="Enregistrer la nouvelle posologie").click()
    expect(page.get_by_role("alert")).to_contain_text("C'est la posologie déjà indiquée")
    treatment = page.locator(".profile-item").filter(has_text="Metformine")
    expect(treatment.get_by_label("À partir du")).to_have_value(changed.isoformat())  # kept as typed
    expect(treatment.get_by_label("Nouvelle posologie")).to_have_accessible_description(
        re.compile(r"^C'est la posologie déjà indiquée"))  # the message tied to its field
    no_violation(page)
    treatment.get_by_label("Nouvelle posologie").fill("1000 mg matin et soir")
    treatment.get_by_role("button", name="Enregistrer la nouvelle posologie").click()
    expect(page.get_by_role("status")).to_contain_text("La nouvelle posologie est enregistrée")

    section = page.get_by_role("region", name="Traitements en cours")
    in_progress, stopped = section.get_by_role("list").nth(0), section.get_by_role("list").nth(1)
    expect(section.get_by_role("heading", name="Traitements arrêtés")).to_be_visible()
    expect(in_progress).to_contain_text("1000 mg matin et soir")
    expect(in_progress).not_to_contain_text("500 mg")
    expect(stopped).to_contain_text("500 mg matin et soir")
    expect(stopped).to_contain_text(re.compile(r"arrêté le"))
    assert_fits_phone(page)

    menu(page, "Historique").click()
    said = page.get_by_text("Vous avez noté une nouvelle posologie du traitement « Metformine »")
    expect(said.first).to_be_visible()
