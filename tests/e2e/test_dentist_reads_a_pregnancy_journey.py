"""A dentist's probe: a patient 18 weeks pregnant shared her prescriptions with a new dentist, which opens her
pregnancy to him (profile/kinds.py), yet the card his tablet opened on showed only allergies and treatments (among
them her former contraceptive): the pregnancy, which decides an X-ray or a prescription, was one page further. The card
now says it, on the tablet's first screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from server.i18n.formats import date_fr
from tests.e2e.seeding import paris_today
from tests.e2e.steps import log_in, log_in_professional, menu

pytestmark = pytest.mark.e2e

TABLET = {"width": 1024, "height": 768}


def test_the_dentist_reads_the_pregnancy_on_the_card_his_tablet_opens_on(
        page, computer, seed, seed_professional, seed_grant):
    patient = seed()
    dentist = seed_professional(given_name="Thomas", family_name="Robert", profession="chirurgien-dentiste")
    seed_grant(patient, dentist, categories="compte_rendu,imagerie,ordonnance")
    expected = paris_today() + timedelta(weeks=41 - 18)  # 18 SA today

    log_in(page, patient)
    menu(page, "Profil").click()
    page.get_by_role("region", name="Grossesse", exact=True).get_by_role("link", name="Indiquer une grossesse").click()
    page.get_by_label("Date prévue d'accouchement").fill(expected.isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")

    desk = computer.page
    desk.set_viewport_size(TABLET)
    log_in_professional(desk, dentist)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    card = desk.get_by_role("region", name="Profil médical")
    pregnancy = card.get_by_text("Enceinte", exact=True)
    expect(pregnancy).to_be_visible()
    expect(card).to_contain_text(f"Accouchement prévu le {date_fr(expected)}")
    expect(card).to_contain_text("Aujourd'hui : 18 SA")
    box = pregnancy.bounding_box()
    assert box["y"] + box["height"] <= TABLET["height"], "the pregnancy is below the tablet's first screen"
