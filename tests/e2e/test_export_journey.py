"""Take everything with you (issue 12): on her phone, the patient reads what the copy holds and downloads it;
the ZIP holds every document, the IPS a health app reads and her reimbursed care, and the Historique says she took
it."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu

pytestmark = pytest.mark.e2e


def test_the_patient_downloads_her_whole_dossier_on_her_phone(page, seed):
    patient = seed()
    log_in(page, patient)

    menu(page, "Accès").click()
    page.get_by_role("link", name="Télécharger une copie de mon dossier").click()
    expect(page.get_by_role("heading", name="Télécharger une copie de mon dossier")).to_be_visible()
    expect(page.get_by_text(f"{len(patient.titles)} documents", exact=True)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="les soins remboursés")).to_be_visible()
    expect(page.get_by_text("Taille approximative")).to_be_visible()
    assert_fits_phone(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la copie (ZIP)").click()
    # Whose copy, by the given name only (a family's copies differ by it; the family name stays off the screen).
    assert re.fullmatch(r"carnet-dossier-camille-\d{4}-\d{2}-\d{2}\.zip", download.value.suggested_filename)
    with zipfile.ZipFile(download.value.path()) as archive:
        ips = Bundle.model_validate(json.loads(archive.read("synthese-ips.json")))
        documents = [n for n in archive.namelist() if n.startswith("documents/")]
        assert {"synthese.pdf", "journal-acces.csv", "journal-acces-auditevent.json", "soins-rembourses.csv",
                "soins-rembourses-explanationofbenefit.json", "LISEZMOI.txt"} <= set(archive.namelist())
        Bundle.model_validate(json.loads(archive.read("soins-rembourses-explanationofbenefit.json")))
    assert ips.type == "document" and len(documents) == len(patient.titles)
    titles = {e.resource.description for e in ips.entry if e.resource.get_resource_type() == "DocumentReference"}
    assert titles == set(patient.titles)

    # The page stayed; the Historique says what she did.
    expect(page.get_by_role("heading", name="Télécharger une copie de mon dossier")).to_be_visible()
    menu(page, "Historique").click()
    expect(page.get_by_role("listitem").filter(has_text="Vous avez téléchargé une copie complète de votre dossier")
           ).to_have_count(1)
