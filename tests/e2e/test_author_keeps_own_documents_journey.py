"""The kiné adds a document and an allergy to the profile; the patient revokes him; he finds both again from "Mes
patients" (DESIGN.md: "Chacun garde la lecture des documents qu'il a lui-même ajoutés", and the profile follows the
documents' rule), withdraws the allergy he entered in error, and sees nothing else of her dossier."""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF
from playwright.sync_api import expect

from tests.e2e.steps import log_in, log_in_professional, menu, open_access_line

pytestmark = pytest.mark.e2e

TITLE = "Bilan kiné intermédiaire"


def a_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Bilan de la 6e séance : flexion 110 degrés")
    return bytes(pdf.output())


def test_after_a_revoke_the_kine_finds_his_document_from_my_patients(page, computer, seed, seed_professional,
                                                                        seed_grant):
    patient, kine = seed(), seed_professional()
    seed_grant(patient, kine)
    desk = computer.page
    log_in(page, patient)
    log_in_professional(desk, kine)

    # He adds his report from "Mes patients", and is told it is in the dossier, which he is led back to.
    desk.get_by_role("link", name="Ajouter un document au dossier de Camille Martin").click()
    desk.get_by_label("Titre").fill(TITLE)
    desk.get_by_label("Catégorie").select_option(label="Compte rendu")
    desk.get_by_label("Date du document").fill("2025-02-03")
    desk.get_by_label("Fichier").set_input_files({"name": "bilan.pdf", "mimeType": "application/pdf",
                                                   "buffer": a_pdf()})
    desk.get_by_role("button", name="Ajouter au dossier").click()
    expect(desk.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(desk.get_by_role("status").filter(has_text="Le document est ajouté au dossier.")).to_be_visible()
    expect(desk.get_by_role("link", name="← Retour au dossier")).to_have_attribute(
        "href", f"/dossiers/{patient.dossier_id}")
    # And an allergy to her profile (as the pharmacist of the probe added a treatment).
    desk.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    desk.get_by_label("Substance").fill("Latex")
    desk.get_by_role("button", name="Enregistrer").click()
    expect(desk.get_by_role("status")).to_contain_text("C'est enregistré")

    # The patient revokes him from her phone.
    menu(page, "Accès").click()
    open_access_line(page, kine.name)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Retirer l'accès de {kine.name}").click()
    expect(page.get_by_role("status")).to_contain_text("L'accès est retiré")

    # "Mes patients": her dossier no longer opens to him; what he added is listed apart, and leads to it alone.
    menu(desk, "Mes patients").click()
    expect(desk.get_by_role("heading", name="Mes patients")).to_be_visible()
    expect(desk.get_by_text("Aucun dossier ne vous est ouvert pour le moment", exact=False)).to_be_visible()
    mine = desk.get_by_role("region", name="Accès terminés")
    expect(mine).to_contain_text("vos ajouts seulement")
    expect(mine.get_by_role("link")).to_have_count(1)  # her dossier, and no other
    mine.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    expect(desk.get_by_role("heading", name="Ce que vous avez ajouté au dossier", level=1)).to_be_visible()
    expect(desk.locator(".timeline .doc-title")).to_have_text([TITLE])  # none of her 30 others
    profile = desk.get_by_role("region", name="Profil médical")
    expect(profile.locator(".profile-item")).to_have_count(1)  # his line alone, none of hers
    expect(profile).to_contain_text("Latex")

    # He entered it in error: he withdraws it, as he could his document, and is led back to what he added.
    profile.get_by_role("link", name=re.compile(r"Retirer \(erreur de saisie\)")).click()
    expect(desk.get_by_role("link", name="← Ce que vous avez ajouté au dossier")).to_be_visible()
    desk.get_by_role("button", name="Retirer").click()
    expect(desk.get_by_role("status")).to_contain_text("L'information est retirée du profil")
    expect(desk.get_by_role("region", name="Profil médical")).to_have_count(0)
    desk.get_by_role("link", name=re.compile(TITLE)).click()
    expect(desk.get_by_role("heading", name=TITLE)).to_be_visible()
    back = desk.get_by_role("link", name="← Ce que vous avez ajouté au dossier")
    expect(back).to_have_attribute("href", f"/pro/dossiers/{patient.dossier_id}/mes-documents")
    back.click()
    desk.get_by_role("link", name="← Mes patients").click()
    expect(desk.get_by_role("heading", name="Mes patients")).to_be_visible()
