"""The patient adds the photo of a paper prescription from her phone, as Mon espace santé lets its patients add
their own documents: from the timeline, a form that says what it cannot file and why, then the document's page, the
timeline and the Historique, each saying that she added it."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu, wait_for_image
from tests.e2e.test_every_page import no_violation

pytestmark = pytest.mark.e2e

TITLE = "Ordonnance du Dr Petit"


def a_photo() -> bytes:
    """What a phone's camera gives of a sheet of paper, made small: a JPEG, lines of writing on it."""
    image = Image.new("RGB", (300, 400), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    for y in range(40, 360, 24):
        draw.line((30, y, 270 - y % 50, y), fill=(40, 40, 70), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_the_patient_adds_the_photo_of_a_prescription_from_her_phone(page, console, seed):
    console.allow("status of 400")  # the form refused, on purpose
    patient = seed()
    log_in(page, patient)
    page.get_by_role("link", name="Ajouter un document").click()
    expect(page.get_by_role("heading", name="Ajouter un document")).to_be_visible()
    expect(page.get_by_label("Catégorie")).to_have_value("note_patient")  # her own notes, unless she says otherwise
    assert_fits_phone(page)
    no_violation(page)

    # Sent with neither a photo nor a note: told so, the focus on the photo, her title kept.
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_role("button", name="Ajouter au dossier").click()
    expect(page.get_by_role("alert")).to_have_text("Joignez un fichier ou écrivez une note.")
    expect(page.get_by_label("Fichier ou photo")).to_be_focused()
    expect(page.get_by_label("Titre")).to_have_value(TITLE)
    no_violation(page)

    # The photo she takes, dated today (the form's date unless she changes it).
    page.get_by_label("Catégorie").select_option(label="Ordonnance")
    page.get_by_label("Fichier ou photo").set_input_files({"name": "IMG_2041.jpg", "mimeType": "image/jpeg",
                                                          "buffer": a_photo()})
    page.get_by_role("button", name="Ajouter au dossier").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Le document est ajouté au dossier.")).to_be_visible()
    assert wait_for_image(page.get_by_role("img", name=TITLE)) == 300
    expect(page.locator(".doc-details")).to_contain_text(re.compile(r"Auteur ou source\s*Vous"))
    assert_fits_phone(page)

    # First in her timeline, said to be hers; and in her Historique.
    page.get_by_role("link", name="← Retour au dossier").click()
    line = page.locator("#timeline-results li.document").first
    expect(line.locator(".doc-title")).to_have_text(TITLE)
    expect(line.locator(".doc-meta")).to_have_text(re.compile(r"^Vous · "))
    expect(line.locator(".badge").first).to_have_text("Ordonnance")
    menu(page, "Historique").click()
    expect(page.get_by_role("listitem").filter(has_text=f"« {TITLE} »").first).to_contain_text(
        f"Vous avez ajouté « {TITLE} » à votre dossier")
