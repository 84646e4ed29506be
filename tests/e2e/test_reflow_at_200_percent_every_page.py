"""At 200 % zoom, every page of a patient and of a professional: its heading, its words whole, nothing wider."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.reflow import AT_240, ZOOMED, at_each_size, reflows
from tests.e2e.steps import log_in, log_in_professional

pytestmark = pytest.mark.e2e


def visit_at_200_percent_zoom(page: Page, paths: list[str]) -> None:
    """Each page at 180 px (a 360 px phone at 200 %) and 240 px: its heading, its words whole, nothing wider."""
    page.set_viewport_size(ZOOMED[0])
    for n, path in enumerate(paths):
        page.goto(path)
        for _ in at_each_size(page, (ZOOMED[0], AT_240), n):
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
            reflows(page)


def test_every_page_of_a_patient_keeps_its_words_whole_at_200_percent_zoom(page: Page, seed, seed_professional,
                                                                          seed_grant):
    patient = seed()
    kine = seed_professional(given_name="Lucie", family_name="Bernard")  # a masseur-kinésithérapeute
    seed_grant(patient, kine)
    log_in(page, patient)
    dossier = f"/dossiers/{patient.dossier_id}"
    # Her profile: an allergy of one long word, and two blood pressures, drawn with their keys.
    page.goto(f"{dossier}/profil/ajouter?type=allergy")
    page.get_by_label("Substance").fill("Hydroxychloroquine")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    for systolic, diastolic in (("132", "85"), ("128", "82")):
        page.goto(f"{dossier}/profil/ajouter?type=measurement")
        page.get_by_label("Mesure", exact=True).select_option(label="Tension artérielle (mmHg)")
        page.get_by_label("Valeur").fill(systolic)
        page.get_by_label("Second chiffre de la tension (diastolique)").fill(diastolic)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    page.goto(dossier)
    document = page.get_by_role("link", name=re.compile("Compte rendu d'hospitalisation de jour")).get_attribute("href")
    pro = kine.professional_id
    visit_at_200_percent_zoom(page, [
        dossier, document, f"{document}/suppression", f"{dossier}/acces", f"{dossier}/professionnels/{pro}",
        f"{dossier}/voir-comme/{pro}", f"{dossier}/partage", f"{dossier}/liens-sante", f"{dossier}/proches",
        f"{dossier}/export", f"{dossier}/historique", f"{dossier}/profil", f"{dossier}/soins", f"{dossier}/imprimer",
        f"{dossier}/soins/imprimer", "/cles", "/mes-dossiers"])
    # The list to print, a table on a wide screen: no column narrower than its words ("Rembourse-ments" at 1,280 px),
    # and lines of their own where four columns of whole words would not fit (600 px).
    for width in (600, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{dossier}/imprimer")
        reflows(page)


def test_every_page_of_a_professional_keeps_its_words_whole_at_200_percent_zoom(page: Page, seed, seed_professional,
                                                                               seed_grant):
    patient = seed()
    kine = seed_professional(given_name="Lucie", family_name="Bernard")
    seed_grant(patient, kine)
    log_in_professional(page, kine)
    dossier = f"/dossiers/{patient.dossier_id}"
    page.goto(dossier)
    document = page.get_by_role("link", name=re.compile("Ordonnance de kinésithérapie")).get_attribute("href")
    visit_at_200_percent_zoom(page, [
        "/pro", dossier, document, f"{dossier}/documents/nouveau", f"{dossier}/documents/nouvelle-note",
        f"{dossier}/profil", "/pro/code", "/pro/urgence", "/pro/nouveau-dossier", "/pro/logiciels", "/cles"])
