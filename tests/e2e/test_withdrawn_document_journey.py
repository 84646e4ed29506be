"""A report filed in the wrong dossier, a namesake's, and withdrawn by its author at once: the patient who was sent it
is told of the withdrawal, and reads nothing of it, its title included, on her phone: a line says that a document her
doctor added was withdrawn (an outside probe's find: she read another woman's hospital report)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import assert_fits_phone, back, log_in, log_in_professional
from tests.e2e.test_transparency_journey import database, wait_until_integrated
from tests.test_document_text import report

pytestmark = pytest.mark.e2e

TITLE = "CRH Pneumologie Mme Martin née 1984"


def test_the_patient_sent_another_s_report_reads_only_that_it_was_withdrawn(page, computer, server, seed,
                                                                           seed_professional, seed_grant):
    patient = seed()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", city="Paris")
    seed_grant(patient, doctor)
    desk = computer.page
    log_in_professional(desk, doctor)

    # The doctor files the report in the wrong Mme Martin's dossier, sees her mistake and withdraws it.
    desk.goto(f"/dossiers/{patient.dossier_id}/documents/nouveau")
    desk.get_by_label("Titre").fill(TITLE)
    desk.get_by_label("Catégorie").select_option(label="Compte rendu")
    desk.get_by_label("Date du document").fill(paris_today().isoformat())  # on top of her timeline
    desk.get_by_label("Fichier").set_input_files({"name": "crh.pdf", "mimeType": "application/pdf",
                                                   "buffer": report(TITLE, "Bronchoscopie : aspect inflammatoire.")})
    desk.get_by_role("button", name="Ajouter au dossier").click()
    expect(desk.get_by_role("heading", name=TITLE)).to_be_visible()
    desk.get_by_role("link", name="Retirer ce document (erroné)").click()
    expect(desk.get_by_text("son titre, son fichier et son texte ne seront plus lisibles par personne")).to_be_visible()
    desk.get_by_role("button", name="Retirer ce document").click()
    expect(desk.get_by_role("status")).to_contain_text("son contenu est effacé du dossier")
    expect(desk.get_by_role("heading", name="Document retiré par son auteur")).to_be_visible()

    # The patient is told of the withdrawal, not of an arrival; her timeline has a line without the title.
    log_in(page, patient)
    banner = page.get_by_role("region", name="Nouveautés sur le dossier")
    expect(banner).to_contain_text(re.compile(r"Claire Bernard, médecin, a retiré .*un document, déclaré erroné"))
    expect(banner).not_to_contain_text("a ajouté")
    line = page.get_by_role("link", name=re.compile(r"Document ajouté le .*, retiré par son auteur"))
    expect(line).to_contain_text("Claire Bernard")
    expect(page.locator("body")).not_to_contain_text("Pneumologie")
    assert_fits_phone(page)

    # Its page says what became of it, and offers nothing to read or download; only to delete the line.
    line.click()
    expect(page.get_by_role("heading", name="Document retiré par son auteur")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Retiré par son auteur le .*son contenu \(titre, fichier, texte\) est effacé"))
           ).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger")).to_have_count(0)
    expect(page.get_by_role("region", name="Contenu du document")).to_have_count(0)
    expect(page.get_by_role("link", name="Supprimer")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Pneumologie")

    # Her search finds nothing of it (typed in the timeline Back reloads, not in the page before it).
    back(page)
    page.get_by_role("searchbox", name="Rechercher dans les documents").fill("Pneumologie")
    expect(page.get_by_role("status").filter(has_text="«\u00a0Pneumologie\u00a0»")).to_contain_text("Aucun document")
    expect(page.locator("#timeline-results a.document-link")).to_have_count(0)

    # Her phone verifies her Historique, whose events of the report come without its title: those by their place in
    # the chain and in the signed log, as the verdict and each one's proof say; the others by their fields.
    with database(server) as connection:
        titled = connection.execute("SELECT count(*) FROM accessevent WHERE dossier_id = ? AND document_title != ''",
                                    (patient.dossier_id,)).fetchone()[0]
    assert titled >= 1
    wait_until_integrated(server)
    page.goto(f"/dossiers/{patient.dossier_id}/historique")
    expect(page.get_by_role("status").filter(has_text="Votre appareil a vérifié cet historique")).to_contain_text(
        "Sauf le contenu des événements d'un document retiré : seule leur place a été vérifiée.")  # in the plain verdict, not only in its detail
    status = page.locator("details").filter(has_text="Comment votre appareil l'a vérifié")
    status.get_by_text("Comment votre appareil l'a vérifié").click()
    expect(status).to_contain_text(
        "L'événement d'un document retiré y est inscrit, mais seule sa place dans la chaîne a été vérifiée, pas son "
        "contenu." if titled == 1 else
        f"Les {titled} événements de documents retirés y sont inscrits, mais seule leur place dans la chaîne a été "
        "vérifiée, pas leur contenu.")
    expect(status).to_contain_text("Aucun événement ne manque entre ceux qui sont affichés.")
    line = page.locator("li.log-line").filter(has_text="a ajouté un document retiré par")
    # The device's own words on the line, whatever the server's folded proof says.
    expect(line.locator(".log-journal-withheld")).to_have_text(
        "Document retiré : seule la place de cet événement a été vérifiée.")
    line.get_by_text("Preuve", exact=True).click()
    expect(line).to_contain_text("Contenu retiré : le titre du document n'est plus donné, et votre "
                                 "appareil vérifie seulement la place de cet événement dans la chaîne de l'historique, "
                                 "pas son contenu.")
    assert "Pneumologie" not in page.content()
