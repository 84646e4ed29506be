"""A doctor who misspelt a report's title and got its date wrong corrects them from its page on her phone: a new
version replaces it, as her software's replacement would; the patient reads the corrected one, the first as "Version
remplacée", and her Historique says who added it. Without JavaScript too, a nurse corrects her typed note (an outside
probe: Dr Claire Bernard could only withdraw her document, declared erroneous, to fix a typo)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import PHONE, assert_fits_phone, log_in, log_in_professional
from tests.e2e.test_every_page import no_violation
from tests.test_document_text import report

pytestmark = pytest.mark.e2e

TYPO = "Compte rnedu de consultation"
TITLE = "Compte rendu de consultation"
NOTE = "Pansement refait, jambe droite : plaie propre."


def fits(page: Page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def test_the_author_corrects_a_title_and_a_date_and_the_patient_reads_the_new_version(page, another_phone, console,
                                                                                      seed, seed_professional,
                                                                                      seed_grant):
    console.allow("status of 400")  # the form refused, on purpose
    patient = seed()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", city="Paris")
    seed_grant(patient, doctor)
    desk = another_phone.page
    desk.set_viewport_size({"width": 390, "height": 844})
    log_in_professional(desk, doctor)
    wrong, right = paris_today() - timedelta(days=3), paris_today() - timedelta(days=1)

    desk.goto(f"/dossiers/{patient.dossier_id}/documents/nouveau")
    desk.get_by_label("Titre").fill(TYPO)
    desk.get_by_label("Catégorie").select_option(label="Compte rendu")
    desk.get_by_label("Date du document").fill(wrong.isoformat())
    desk.get_by_label("Fichier").set_input_files({"name": "cr.pdf", "mimeType": "application/pdf",
                                                   "buffer": report(TYPO, "Examen clinique sans particularité.")})
    desk.get_by_role("button", name="Ajouter au dossier").click()
    expect(desk.get_by_role("heading", name=TYPO)).to_be_visible()

    # On her phone, from the document's page: a form filled with what the document says.
    desk.get_by_role("link", name="Corriger ce document").click()
    expect(desk.get_by_role("heading", name=f"Corriger «\u00a0{TYPO}\u00a0»")).to_be_visible()
    expect(desk.get_by_label("Titre")).to_have_value(TYPO)
    expect(desk.get_by_label("Catégorie")).to_have_value("Compte rendu")
    expect(desk.get_by_label("Date du document")).to_have_value(wrong.isoformat())
    expect(desk.get_by_text("Sans nouveau fichier, la nouvelle version garde celui-ci")).to_be_visible()
    fits(desk, 390)
    no_violation(desk)

    # A date in the future is refused, in French, the focus on it, her title kept.
    desk.get_by_label("Titre").fill(TITLE)
    desk.get_by_label("Date du document").fill((paris_today() + timedelta(days=2)).isoformat())
    desk.get_by_role("button", name="Enregistrer la correction").click()
    expect(desk.get_by_role("alert")).to_have_text("La date du document ne peut pas être dans le futur.")
    expect(desk.get_by_label("Date du document")).to_be_focused()
    expect(desk.get_by_label("Titre")).to_have_value(TITLE)

    desk.get_by_label("Date du document").fill(right.isoformat())
    desk.get_by_role("button", name="Enregistrer la correction").click()
    expect(desk.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(desk.get_by_role("status").filter(has_text="Le document est corrigé")).to_be_visible()
    expect(desk.get_by_text(re.compile(r"Cette version remplace celle du"))).to_be_visible()
    expect(desk.get_by_role("link", name="Corriger ce document")).to_be_visible()  # the new one, again if need be
    fits(desk, 390)

    # The patient: the corrected version alone in her timeline, the first a click away, marked as replaced.
    log_in(page, patient)
    page.get_by_role("link", name=re.compile(TITLE)).first.click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("link", name="Corriger ce document")).to_have_count(0)
    page.get_by_role("link", name="Lire la version précédente").click()
    expect(page.get_by_role("heading", name=TYPO)).to_be_visible()
    expect(page.get_by_text("Version remplacée", exact=True)).to_be_visible()
    expect(page.get_by_text("Remplacé par une version plus récente")).to_be_visible()
    assert_fits_phone(page)
    page.goto("/")
    expect(page.locator("#timeline-results")).to_contain_text(TITLE)
    expect(page.locator("#timeline-results")).not_to_contain_text(TYPO)

    page.goto(f"/dossiers/{patient.dossier_id}/historique")
    added = page.locator("li.log-line").filter(has_text=f"a ajouté «\u00a0{TITLE}\u00a0»").first
    expect(added).to_contain_text("Claire Bernard, médecin")
    expect(added).to_contain_text("une nouvelle version, qui remplace la précédente")  # a correction, said so


def test_without_javascript_a_nurse_corrects_her_typed_note(browser, server, another_phone, seed, seed_professional,
                                                             seed_grant):
    patient = seed()
    nurse = seed_professional(given_name="Claire", family_name="Vidal", profession="infirmier")
    seed_grant(patient, nurse)
    log_in_professional(another_phone.page, nurse)  # passkeys need JavaScript; everything after does not
    context = browser.new_context(base_url=server.url, java_script_enabled=False, **PHONE)
    context.add_cookies(another_phone.page.context.cookies())
    bedside = context.new_page()
    try:
        bedside.goto(f"/dossiers/{patient.dossier_id}/documents/nouvelle-note")
        bedside.get_by_label("Titre").fill("Soins de plaie")
        bedside.get_by_label("Texte de la note").fill(NOTE)
        bedside.get_by_role("button", name="Ajouter au dossier").click()
        expect(bedside.get_by_role("heading", name="Soins de plaie")).to_be_visible()

        bedside.get_by_role("link", name="Corriger ce document").click()
        expect(bedside.get_by_label("Texte de la note")).to_have_value(NOTE)
        expect(bedside.get_by_label("Date des soins")).to_have_value(paris_today().isoformat())
        bedside.get_by_label("Titre").fill("Soins de plaie, jambe gauche")
        bedside.get_by_label("Texte de la note").fill(NOTE.replace("droite", "gauche"))
        bedside.get_by_role("button", name="Enregistrer la correction").click()
        expect(bedside.get_by_role("heading", name="Soins de plaie, jambe gauche")).to_be_visible()
        expect(bedside.get_by_role("region", name="Contenu du document")).to_have_text(NOTE.replace("droite", "gauche"))
        bedside.get_by_role("link", name="Lire la version précédente").click()
        expect(bedside.get_by_text("Version remplacée", exact=True)).to_be_visible()
        expect(bedside.get_by_role("region", name="Contenu du document")).to_have_text(NOTE)
        assert_fits_phone(bedside)
    finally:
        context.close()
