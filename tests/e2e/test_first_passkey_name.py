"""A first passkey is offered the name of the device the browser says it is on (an outside probe: a professional
activating her account on her practice's computer was offered "Mon téléphone")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_patient_on_her_phone_is_offered_mon_telephone(page, seed):
    patient = seed()
    page.goto("/activer")
    page.get_by_label("Code d'activation").fill(patient.code)
    page.get_by_label("Date de naissance").fill(patient.birth_date.isoformat())
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_label("Nom de cette clé")).to_have_value("Mon téléphone")


def test_a_professional_on_her_practices_computer_is_offered_mon_ordinateur(computer, seed_professional):
    professional, desk = seed_professional(), computer.page
    desk.goto("/pro/activer")
    desk.get_by_label("Code d'activation").fill(professional.code)
    desk.get_by_label("Numéro RPPS").fill(professional.rpps)
    desk.get_by_role("button", name="Continuer").click()
    expect(desk.get_by_label("Nom de cette clé")).to_have_value("Mon ordinateur")
    desk.get_by_role("button", name="Créer ma clé d'accès").click()
    expect(desk.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
