"""Wherever a reader is told who wrote a document or declared a line of the profil médical, a doctor is "Dr Antoine
Moreau" and anyone else is named with their profession in their own form ("Nathalie Roche, pharmacienne"): a name
alone does not tell the patient who she is."""

from __future__ import annotations

import re
from datetime import date

from server.access import grants
from server.auth.accounts import account_for_professional
from server.dossiers import add_document
from tests.conftest import new_professional, set_cookie
from tests.test_fhir_api import practice  # noqa: F401 (a fixture)
from tests.test_pro_own_documents import PATIENT
from tests.test_professional_documents import pdf_bytes, upload
from tests.profile_page_helpers import add, as_patient, browser, text_of, url

PHARMACIST = "Nathalie Roche, pharmacienne"


async def a_pharmacist_and_a_doctor_wrote(app, db, patient):
    """Nathalie Roche, a pharmacist, files a PDF and a treatment through her pages; Dr Antoine Moreau a report. The
    pharmacist's document, and the line's id."""
    roche = (await new_professional(db, given_name="Nathalie", family_name="Roche", profession="pharmacien",
                                    feminine=True, stem=3)).professional
    moreau = (await new_professional(db, given_name="Antoine", family_name="Moreau", profession="médecin",
                                     stem=4)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=roche, categories="", duration="sans",
                              actor=PATIENT)
    async with browser(app, db, await account_for_professional(db, professional=roche)) as pharmacy:
        filed = await upload(pharmacy, patient.dossier, data=pdf_bytes(), title="Plan de prise", category="ordonnance")
        assert filed.status_code == 303, filed.text
        assert (await add(pharmacy, patient, "treatment", label="Paracétamol 1 g")).status_code == 303
    await add_document(db, app.state.storage, dossier=patient.dossier, title="Compte rendu de consultation",
                       category="compte_rendu", event_date=date(2025, 1, 15), filename="cr.txt",
                       mime_type="text/plain", data=b"Consultation", author=moreau)
    return filed.headers["location"].split("?")[0]


async def test_the_patient_reads_a_non_doctor_author_with_her_profession_on_every_page(app, db, patient):
    document_url = await a_pharmacist_and_a_doctor_wrote(app, db, patient)
    async with await as_patient(app, db, patient) as client:
        timeline = text_of(await client.get(f"/dossiers/{patient.dossier.id}"))
        document = await client.get(document_url)
        profile = text_of(await client.get(url(patient)))
        printed = text_of(await client.get(f"/dossiers/{patient.dossier.id}/imprimer"))
        set_cookie(client, "langue", "en")
        english = text_of(await client.get(document_url))
    assert f"Plan de prise {PHARMACIST} ·" in timeline, timeline
    assert "Compte rendu de consultation Dr Antoine Moreau ·" in timeline, timeline  # his title says it
    said = re.search(r"<dt>Auteur ou source</dt><dd>([^<]*)</dd>", document.text)
    assert said and said.group(1) == PHARMACIST, document.text
    assert f"Déclaré par {PHARMACIST}, le" in profile, profile  # her profession an incise, closed
    assert PHARMACIST in printed and "Dr Antoine Moreau, médecin" not in printed
    assert "Nathalie Roche, pharmacist" in english, english


async def test_a_practice_software_reads_her_named_with_her_profession_in_french(client, app, db, patient, practice):
    document_url = await a_pharmacist_and_a_doctor_wrote(app, db, patient)
    read = await client.get(f"/fhir/DocumentReference/{document_url.rsplit('/', 1)[1]}",
                            headers={**practice.headers, "accept-language": "en"})
    assert read.status_code == 200, read.text
    assert [author["display"] for author in read.json()["author"]] == [PHARMACIST]


async def test_a_dentist_s_title_does_not_say_what_she_is_so_her_profession_does(app, db, patient):
    """"Dr" says médecin to a patient: a dentist's document signed "Dr Sophie Garnier" alone read as her doctor's (a
    dentist's probe). A médecin's title says what he is; a dentist's or a specialist's, their profession with it."""
    garnier = (await new_professional(db, given_name="Sophie", family_name="Garnier",
                                      profession="chirurgien-dentiste", feminine=True, stem=5)).professional
    await add_document(db, app.state.storage, dossier=patient.dossier, title="Détartrage", category="compte_rendu",
                       event_date=date(2025, 2, 3), filename="soins.txt", mime_type="text/plain", data=b"Soins",
                       author=garnier)
    async with await as_patient(app, db, patient) as client:
        timeline = text_of(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert "Détartrage Dr Sophie Garnier, chirurgienne-dentiste ·" in timeline, timeline
