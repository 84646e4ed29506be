"""Practice software end to end (issue 11): the doctor registers hers from "Logiciels", it files a report through
the FHIR API, and the patient's phone shows the report and who sent it, through which software."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.steps import PHONE, assert_fits_phone, log_in, log_in_professional, menu
from tests.fhir_support import Software, as_bundle, provide_bundle, report_pdf

pytestmark = pytest.mark.e2e

TITLE = "Échocardiographie de contrôle"
CLIENT_ID = re.compile(r"^[0-9a-f]{32}$")


def test_software_the_doctor_registers_files_a_report_the_patient_sees(page, computer, server, seed,
                                                                       seed_professional, seed_grant):
    patient = seed()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", city="Paris")
    seed_grant(patient, doctor)  # she may add to the dossier: the software may, for her
    desk = computer.page
    log_in_professional(desk, doctor)

    # From the menu, she registers the practice software with its public key.
    menu(desk, "Logiciels").click()
    expect(desk.get_by_role("heading", name="Mes logiciels")).to_be_visible()
    expect(desk.get_by_text("Aucun logiciel enregistré")).to_be_visible()
    software = Software()
    desk.get_by_label("Nom du logiciel").fill("Logiciel du cabinet")
    desk.get_by_label("Clé publique (JWK)").fill(software.public_jwk())
    desk.get_by_role("button", name="Enregistrer le logiciel").click()

    # The page tells the integrator what to configure.
    settings = desk.get_by_role("region", name="« Logiciel du cabinet » est enregistré")
    expect(settings).to_be_visible()
    token_url = f"{server.url}/fhir/token"
    expect(settings).to_contain_text(token_url)
    expect(settings).to_contain_text("system/DocumentReference.cruds")
    expect(settings.get_by_role("link", name="déclaration de capacités")).to_have_attribute("href", "/fhir/metadata")
    software.client_id = settings.get_by_text(CLIENT_ID).inner_text().strip()
    registered = desk.get_by_role("list", name="Logiciels")
    expect(registered.get_by_text(software.client_id)).to_be_visible()
    expect(registered).to_contain_text("jamais utilisé")
    desk.set_viewport_size(PHONE["viewport"])  # the same page on a phone: nothing runs off the side
    assert_fits_phone(desk)

    # The software, on its own: a token, then a PDF report for the patient.
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as api:
        answer = api.post("/fhir/token", data=software.token_form(token_url))
        assert answer.status_code == 200, answer.text
        bundle = provide_bundle(patient.ins, title=TITLE, data=report_pdf(TITLE))
        sent = api.post("/fhir", content=json.dumps(bundle), headers={
            "authorization": f"Bearer {answer.json()['access_token']}", "content-type": "application/fhir+json"})
    assert as_bundle(sent).entry[1].response.status == "201 Created", sent.text
    desk.reload()
    expect(desk.get_by_role("list", name="Logiciels")).to_contain_text("utilisé pour la dernière fois le")

    # The patient, on her phone, finds the report on top of her timeline, and is told who sent it and how.
    log_in(page, patient)
    banner = page.get_by_role("region", name="Nouveautés sur le dossier")  # a new document: news, not an access
    expect(banner).to_contain_text(re.compile(rf"Claire Bernard, médecin, a ajouté «\s{TITLE}\s»"))
    expect(banner).to_contain_text(re.compile(r"via le logiciel «\sLogiciel du cabinet\s»"))
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert_fits_phone(page)
