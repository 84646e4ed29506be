"""A psychiatrist's probe: her patient wanted her reports in her dossier but read by no other professional, and the
form gave no way to say so; until the patient came to hide it herself, her pharmacist found the report in the
dossier, counted as new on "Mes patients". Hidden as it is filed, it never reaches him."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today, pdf_file
from tests.e2e.steps import document_titles, log_in, log_in_professional

pytestmark = pytest.mark.e2e

TITLE = "Compte rendu de consultation psychiatrique"


def test_a_report_filed_hidden_never_reaches_the_pharmacist(page, computer, another_phone, seed, seed_professional,
                                                            seed_grant):
    patient = seed()
    psychiatrist = seed_professional(given_name="Irène", family_name="Lacan", profession="médecin", feminine=True)
    pharmacist = seed_professional(given_name="Paul", family_name="Durand", profession="pharmacien")
    seed_grant(patient, psychiatrist)
    seed_grant(patient, pharmacist)
    counter = another_phone.page
    log_in_professional(counter, pharmacist)
    counter.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    expect(counter.locator(".timeline .doc-title").first).to_be_visible()

    desk = computer.page
    log_in_professional(desk, psychiatrist)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    desk.get_by_role("link", name="Ajouter un document", exact=True).click()
    desk.get_by_label("Titre").fill(TITLE)
    desk.get_by_label("Catégorie").select_option(label="Compte rendu")
    desk.get_by_label("Date du document").fill(paris_today().isoformat())
    name, mime_type, data = pdf_file(TITLE)
    desk.get_by_label("Fichier").set_input_files({"name": name, "mimeType": mime_type, "buffer": data})
    box = desk.get_by_label("Masquer aux autres soignants")
    expect(box).to_have_accessible_description(re.compile("ni ceux qui ouvriraient son dossier en urgence"))
    box.check()
    desk.get_by_role("button", name="Ajouter au dossier").click()
    expect(desk.get_by_role("status")).to_contain_text("Le document est ajouté au dossier.")
    expect(desk.get_by_role("heading", name=TITLE, level=1)).to_be_visible()

    counter.reload()
    expect(counter.locator(".timeline .doc-title").first).to_be_visible()
    assert TITLE not in document_titles(counter)
    counter.goto("/pro")
    expect(counter.get_by_role("heading", name="Mes patients")).to_be_visible()
    expect(counter.get_by_text("nouveau document")).to_have_count(0)

    # Camille reads it, hidden, and is told who still reads it: her relatives too, whom she wanted kept out.
    log_in(page, patient)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("Masqué aux professionnels : seuls le médecin traitant, l'auteur du document et les "
                            "proches qui ont accès au dossier peuvent encore le lire.")).to_be_visible()
    expect(page.get_by_role("button", name="Ne plus masquer")).to_be_visible()
