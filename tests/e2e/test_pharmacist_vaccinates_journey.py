"""At her counter, a pharmacist whom the patient gave "Vaccination" notes the dose she has just given (an outside
probe's find): the date was empty, and the lot's hint spoke to the patient ("Sur l'étiquette collée dans le carnet
de santé"), not to her, who reads it on the packaging and sticks the label in the carnet herself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from server.i18n.formats import date_fr
from tests.e2e.seeding import paris_today
from tests.e2e.steps import log_in_professional

pytestmark = pytest.mark.e2e


def test_a_pharmacist_notes_the_vaccine_she_has_just_given_dated_today(computer, seed, seed_professional, seed_grant):
    patient = seed()
    pharmacist = seed_professional(given_name="Sophie", family_name="Garnier", profession="pharmacien", feminine=True)
    seed_grant(patient, pharmacist, categories="vaccination")
    desk = computer.page
    log_in_professional(desk, pharmacist)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    desk.get_by_role("link", name="Voir tout le profil médical").click()
    desk.get_by_role("link", name="Ajouter une vaccination").click()

    desk.get_by_label("Vaccin", exact=True).fill("Grippe")
    expect(desk.get_by_label("Date de la vaccination")).to_have_value(paris_today().isoformat())
    lot = desk.get_by_label("Numéro de lot")
    expect(lot).to_have_accessible_description(
        "Sur l'emballage du vaccin ; collez son étiquette dans le carnet de santé de votre patiente")
    lot.fill("AB123")
    desk.get_by_role("button", name="Enregistrer").click()

    vaccinations = desk.get_by_role("region", name="Vaccinations", exact=True)
    expect(vaccinations).to_contain_text("Grippe")
    expect(vaccinations).to_contain_text(re.compile(r"Déclarée par vous le\s" + date_fr(paris_today())))
