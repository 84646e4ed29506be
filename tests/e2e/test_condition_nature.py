"""An "antécédent" says what it is (an outside probe's find: every one went out as a current problem): on her phone
the patient says an operation is one, classes an illness she had as past, and her emergency card, opened on a
stranger's phone, lists each under its own heading."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu
from tests.e2e.test_shl_journey import PASSCODE, RECIPIENT, make_emergency_link, stranger  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e


def test_a_patient_says_what_each_antecedent_is_and_her_emergency_card_lists_them_apart(page, stranger, seed,
                                                                                         console):
    patient = seed()
    console.allow("status of 400")  # the form sent without its answer, on purpose
    log_in(page, patient)
    menu(page, "Profil").click()
    page.get_by_role("region", name="Antécédents médicaux et chirurgicaux").get_by_role(
        "link", name="Ajouter un antécédent").click()

    # Not said, not guessed: the form asks.
    page.get_by_label("Maladie ou intervention").fill("Appendicectomie")
    page.get_by_label("Date").fill("2020-03-03")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Indiquez s'il s'agit d'un problème de santé actuel, d'une maladie passée ou d'une intervention.")
    choices = page.get_by_role("group", name="Il s'agit de…")
    expect(choices.get_by_role("radio")).to_have_count(3)
    # Each answer tied to the message, then to its example.
    expect(choices.get_by_role("radio", name="Une intervention ou un acte")).to_have_accessible_description(
        re.compile(r"^Indiquez s'il s'agit .+ Une opération, un accouchement, une extraction dentaire$"))
    assert_fits_phone(page)
    choices.get_by_role("radio", name="Une intervention ou un acte").check()
    expect(page.get_by_label("Maladie ou intervention")).to_have_value("Appendicectomie")  # kept as typed
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")

    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=condition")
    page.get_by_label("Maladie ou intervention").fill("Anémie par carence martiale")
    page.get_by_role("radio", name="Un problème de santé actuel").check()
    page.get_by_role("button", name="Enregistrer").click()
    conditions = page.get_by_role("region", name="Antécédents médicaux et chirurgicaux")
    expect(conditions.get_by_role("heading", level=3)).to_have_text(
        ["Problèmes de santé actuels", "Interventions et actes"])
    expect(conditions.get_by_role("list").nth(1)).to_contain_text("Appendicectomie")

    # Corrected since: she classes it anew, and it moves under "Maladies passées".
    anaemia = page.locator(".profile-item").filter(has_text="Anémie par carence martiale")
    anaemia.get_by_text("Changer le classement").click()
    anaemia.get_by_role("radio", name="Une maladie passée, guérie").check()
    assert_fits_phone(page)
    anaemia.get_by_role("button", name="Enregistrer le classement").click()
    expect(page.get_by_text("Le classement de l'antécédent est enregistré.")).to_be_visible()
    conditions = page.get_by_role("region", name="Antécédents médicaux et chirurgicaux")
    expect(conditions.get_by_role("heading", level=3)).to_have_text(["Maladies passées", "Interventions et actes"])
    expect(conditions.get_by_role("list").nth(0)).to_contain_text("Anémie par carence martiale")

    address = make_emergency_link(page, patient)
    stranger.goto(address)
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("heading", name="Carte d'urgence — Camille Martin")).to_be_visible()
    # A link's reader never sees what the patient hid: the section says so as its narrative does (fhir/ips.py), not
    # "none known" (an outside probe read both for one link).
    expect(stranger.get_by_role("region", name="Problèmes de santé actuels")).to_contain_text(
        "Aucune information transmise.")
    expect(stranger.get_by_role("region", name="Maladies passées")).to_contain_text("Anémie par carence martiale")
    operations = stranger.get_by_role("region", name="Interventions et actes")
    expect(operations).to_contain_text(re.compile(r"Appendicectomie — 3\s+mars 2020"))
    assert_fits_phone(stranger)
