"""A mother shows her son's crèche his vaccinations (an outside probe's find): his Profil listed them, but no sheet
did: the list of documents printed two documents' titles, and the copy of the dossier held them in a ZIP with all
the rest. She notes the one given abroad, then prints them on her phone: on paper, whose they are, and no band."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import dossier_band, log_in, page_ready

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


def test_a_mother_notes_a_vaccine_given_abroad_and_prints_her_sons_vaccinations_for_the_creche(
        page: Page, seed_person, seed_minor_with_parent):
    today = paris_today()
    mother = seed_person(given_name="Camille", family_name="Martin", birth_date=years_before(today, 38), sex="F",
                         documents=[])
    leo = seed_minor_with_parent(mother, given_name="Léo", family_name="Martin", birth_date=years_before(today, 4),
                                 sex="M", documents=[(today - timedelta(days=30), "compte_rendu", "Consultation otite")],
                                 kept_from_parents=())
    page.set_viewport_size(PHONE_390)
    log_in(page, mother)
    page.goto(f"/dossiers/{leo.dossier_id}/profil")
    page_ready(page)
    page.get_by_role("link", name="Ajouter une vaccination").click()
    page.get_by_label("Vaccin", exact=True).fill("BCG (fait en Algérie)")
    page.get_by_label("Date de la vaccination").fill((leo.birth_date + timedelta(days=20)).isoformat())
    page.get_by_label("Numéro de lot").fill("X99")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("C'est enregistré.")).to_be_visible()
    page_ready(page)

    page.get_by_role("link", name="Imprimer les vaccinations").click()
    expect(page.get_by_role("heading", level=1, name="Vaccinations de Léo Martin")).to_be_visible()
    page_ready(page)
    expect(dossier_band(page)).to_contain_text("Dossier de Léo Martin")  # on screen, the band says whose
    expect(page.get_by_text("BCG (fait en Algérie)")).to_be_visible()
    lot = page.get_by_text("lot X99", exact=True)
    # Measured before: the lot's cell 0 px wide (a container, sized by nothing), "lot X99" a letter a line.
    box = lot.bounding_box()
    assert box["width"] > 40 and box["height"] < 30, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_390["width"]
    expect(page.get_by_text("Consultation otite")).to_have_count(0)  # his documents are not the crèche's business

    # On paper: whose vaccinations, and not the band (her role in his dossier, his INS behind "Détails").
    page.emulate_media(media="print")
    expect(dossier_band(page)).to_be_hidden()
    expect(page.get_by_role("heading", level=1, name="Vaccinations de Léo Martin")).to_be_visible()
    expect(page.locator(".print-identity")).to_contain_text("Léo Martin")
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
