"""A home nurse, at the bedside on her phone, types her transmission into the patient's dossier rather than making a
file first: from "Mes patients", "Ajouter un document", then "Rédiger une note"; the patient reads it on her own phone,
as text, finds it by its words and downloads it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, log_in_professional, page_ready
from tests.e2e.test_every_page import no_violation

pytestmark = pytest.mark.e2e

TITLE = "Soins de plaie, jambe droite"
NOTE = ("Pansement refait : plaie propre, bourgeonnante, pas d'écoulement.\n"
        "À surveiller : rougeur du bord interne, température ce soir.")


def test_a_nurse_writes_a_note_on_her_phone_and_the_patient_reads_it(page, another_phone, console, seed,
                                                                       seed_professional, seed_grant):
    console.allow("status of 400")  # the form refused, on purpose
    patient = seed()
    nurse = seed_professional(given_name="Claire", family_name="Vidal", profession="infirmier")
    seed_grant(patient, nurse)
    log_in(page, patient)
    bedside = another_phone.page
    log_in_professional(bedside, nurse)

    # From "Mes patients", the form to add a document offers a note instead of a file.
    bedside.get_by_role("link", name="Ajouter un document au dossier de Camille Martin").click()
    expect(bedside.get_by_role("heading", name="Ajouter un document")).to_be_visible()
    bedside.get_by_role("link", name="Rédiger une note").click()
    expect(bedside.get_by_role("heading", name="Rédiger une note")).to_be_visible()
    expect(bedside.get_by_label("Catégorie")).to_have_value("compte_rendu")  # a report of the care given
    expect(bedside.get_by_label("Date des soins")).not_to_have_value("")  # today, unless she says otherwise
    expect(bedside.get_by_label("Fichier")).to_have_count(0)
    assert_fits_phone(bedside)
    no_violation(bedside)

    # Sent without its text: told so, the focus on the text, her title kept.
    bedside.get_by_label("Titre").fill(TITLE)
    bedside.get_by_role("button", name="Ajouter au dossier").click()
    expect(bedside.get_by_role("alert")).to_have_text("Écrivez le texte de la note.")
    expect(bedside.get_by_label("Texte de la note")).to_be_focused()
    expect(bedside.get_by_label("Titre")).to_have_value(TITLE)
    assert_fits_phone(bedside)
    no_violation(bedside)

    bedside.get_by_label("Texte de la note").fill(NOTE)
    bedside.get_by_role("button", name="Ajouter au dossier").click()
    expect(bedside.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(bedside.get_by_role("status").filter(has_text="Le document est ajouté au dossier.")).to_be_visible()
    expect(bedside.get_by_role("region", name="Contenu du document")).to_have_text(NOTE)

    # The patient: first in her timeline, by the nurse; its page reads the text, the width of her phone.
    page.reload()
    line = page.locator("#timeline-results li.document").first
    expect(line.locator(".doc-title")).to_have_text(TITLE)
    expect(line.locator(".doc-meta")).to_contain_text("Claire Vidal")
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("region", name="Contenu du document")).to_have_text(NOTE)
    expect(page.locator(".doc-details")).to_contain_text(re.compile(r"Auteur ou source\s*Claire Vidal"))
    assert_fits_phone(page)
    no_violation(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger").click()
    # Named as Carnet names the files it makes (export/names.py): the day of care, then the title in ASCII.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-soins-de-plaie-jambe-droite\.txt", download.value.suggested_filename)
    with open(download.value.path(), encoding="utf-8") as file:
        assert file.read() == NOTE

    # Found by a word of its text, as a PDF is by its own.
    page.get_by_role("link", name="← Retour au dossier").click()
    expect(page.get_by_role("heading", name="Mon dossier", level=1)).to_be_visible()
    page_ready(page)  # the search is as one types: the document's page, loaded whole, may not have boosted the link
    page.get_by_role("searchbox", name="Rechercher dans les documents").fill("bourgeonnante")
    expect(page.locator("#timeline-results .doc-title")).to_have_text([TITLE])
