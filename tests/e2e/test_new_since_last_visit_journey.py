"""A GP's probe: the kiné filed a report about January, which the timeline, in the order of the documents' dates,
put pages down, and nothing said it was new. "Mes patients" now counts, for each patient, what was added since her
last visit that she may read, and the dossier lists those first, each marked "Nouveau"; what the patient hid
meanwhile is neither counted nor shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import document_titles, log_in, log_in_professional, menu, page_ready
from tests.e2e.test_every_page import no_violation
from tests.e2e.test_patient_adds_a_document_journey import a_photo

pytestmark = pytest.mark.e2e

REPORT = "Bilan kiné intermédiaire (janvier)"
HIDDEN = "Séance chez la psychologue"


def test_the_gp_sees_what_was_added_since_her_last_visit_first_and_nothing_hidden(
        page, computer, another_phone, seed, seed_professional, seed_grant):
    patient = seed()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", feminine=True)
    kine = seed_professional()
    seed_grant(patient, doctor)
    seed_grant(patient, kine, categories="compte_rendu,imagerie,ordonnance")
    desk = computer.page
    log_in_professional(desk, doctor)

    # Her visit to Camille's dossier: nothing is new on a first one.
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    expect(desk.get_by_role("heading", name="Dossier", level=1)).to_be_visible()
    expect(desk.get_by_role("link", name=re.compile("Nouveaux depuis votre dernière visite"))).to_have_count(0)

    # Meanwhile the kiné files her report about January, and the patient adds a photo she hides from professionals.
    bedside = another_phone.page
    log_in_professional(bedside, kine)
    bedside.get_by_role("link", name="Ajouter un document au dossier de Camille Martin").click()
    bedside.get_by_role("link", name="Rédiger une note").click()
    expect(bedside.get_by_role("heading", name="Rédiger une note")).to_be_visible()
    bedside.get_by_label("Titre").fill(REPORT)
    bedside.get_by_label("Date des soins").fill("2024-01-15")
    bedside.get_by_label("Texte de la note").fill("Flexion du genou à 110 degrés, marche sans boiterie.")
    bedside.get_by_role("button", name="Ajouter au dossier").click()
    expect(bedside.get_by_role("heading", name=REPORT)).to_be_visible()
    log_in(page, patient)
    page.get_by_role("link", name="Ajouter un document").click()
    expect(page.get_by_role("heading", name="Ajouter un document")).to_be_visible()
    page.get_by_label("Titre").fill(HIDDEN)
    page.get_by_label("Fichier ou photo").set_input_files({"name": "IMG_2042.jpg", "mimeType": "image/jpeg",
                                                          "buffer": a_photo()})
    page.get_by_role("button", name="Ajouter au dossier").click()
    expect(page.get_by_role("heading", name=HIDDEN)).to_be_visible()
    page.get_by_role("button", name="Masquer aux professionnels").click()
    expect(page.get_by_role("status")).to_contain_text("Masqué aux professionnels : seuls le médecin traitant")

    # "Mes patients" says one new document: the report, not the hidden photo.
    menu(desk, "Mes patients").click()
    expect(desk.get_by_role("heading", name="Mes patients")).to_be_visible()
    new = desk.get_by_role("link", name="1 nouveau document dans le dossier de Camille Martin")
    expect(new).to_be_visible()
    no_violation(desk)
    new.click()
    page_ready(desk)

    # It leads to the new documents alone, the report first, marked "Nouveau" in words.
    expect(desk.get_by_text("1 nouveau document depuis votre dernière visite")).to_be_visible()
    assert document_titles(desk) == [REPORT]
    expect(desk.locator("li.document").first.locator(".badge").first).to_have_text("Nouveau")
    expect(desk.get_by_text(HIDDEN)).to_have_count(0)
    no_violation(desk)

    # The whole timeline, by the documents' dates, has it far down; the way to it stays above the list.
    desk.get_by_role("link", name="Tous les documents").click()
    expect(desk.get_by_role("link", name="Nouveaux depuis votre dernière visite (1)")).to_be_visible()
    expect(desk.locator(".timeline .doc-title").first).to_be_visible()
    assert REPORT not in document_titles(desk) and HIDDEN not in document_titles(desk)
    desk.get_by_role("link", name="Nouveaux depuis votre dernière visite (1)").click()
    expect(desk.locator(".timeline .doc-title")).to_have_text([REPORT])
