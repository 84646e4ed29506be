"""A document's CI-SIS class, what PDSm software files and searches documents by (an outside integrator's finds): a
search by class finds what the reader sees of every category the class covers, and nothing else; each document
served carries its class after Carnet's own code, which still decides where it goes when sent back or read back
from a copy."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.documentreference import DocumentReference
from sqlmodel import select

from server.access import grants, hiding
from server.export.archive import build_export
from server.models import CATEGORIES, Document
from tests.conftest import ORIGIN, AsyncTestClient, activate_professional, add_text_document, new_professional
from tests.fhir_support import CATEGORY_SYSTEM, as_bundle, provide_bundle, report_pdf
from tests.export_helpers import (  # noqa: F401 - `elsewhere` is a fixture: another installation
    NOW, carnet, elsewhere, member, resources_of, same_patient_there,
)
from tests.test_fhir_api import PATIENT, practice, push, registered, token_for  # noqa: F401 - `practice`: a fixture

CLASS_OID = "urn:oid:1.2.250.1.213.1.1.4.1"  # TRE_A03-ClasseDocument
CLASS_URL = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
# Each category's class as served: its first in CATEGORY_CODES (a lab report is a "Compte rendu").
CLASS_OF = {"compte_rendu": ("10", "Compte rendu"), "biologie": ("10", "Compte rendu"),
            "imagerie": ("31", "Imagerie médicale"), "synthese": ("11", "Synthèse"),
            "vaccination": ("10", "Compte rendu"), "ordonnance": ("42", "Prescription"),
            "certificat": ("52", "Certificat, déclaration"), "remboursement": ("60", "Données de remboursement"),
            "note_patient": ("90", "Autres documents déposés par le patient")}
# Camille's documents: title, category, hidden by her.
FILED = [("Consultation de cardiologie", "compte_rendu", False), ("Bilan sanguin", "biologie", False),
         ("Radio du genou", "imagerie", False), ("Synthèse annuelle", "synthese", False),
         ("Rappel DTP", "vaccination", False), ("Ordonnance de séances", "ordonnance", False),
         ("Certificat de sport", "certificat", False), ("IRM masquée", "imagerie", True),
         ("Bilan masqué", "biologie", True)]


@pytest.fixture
async def filed(db, app, patient) -> dict[str, Document]:
    documents = {}
    for n, (title, category, hidden) in enumerate(FILED):
        document = await add_text_document(db, app, patient.dossier, title=title, category=category,
                                           when=date(2025, 1, 1) + timedelta(days=n))
        if hidden:
            await hiding.set_hidden(db, document=document, hidden=True, actor=PATIENT)
        documents[title] = document
    return documents


async def found(client, headers: dict, patient, category: str, **more: str) -> tuple[list[str], list[str]]:
    """The titles a search by `category` finds, page after page (two a page), and what its searchset says of it."""
    url = "/fhir/DocumentReference"
    params = {"patient": patient.patient.id, "category": category, "_count": "2", **more}
    titles, said = [], []
    while url:
        answer = await client.get(url, headers=headers, params=params)
        assert answer.status_code == 200, answer.text
        page = as_bundle(answer)
        titles += [e.resource.description for e in page.entry or [] if e.search.mode == "match"]
        said += [i.diagnostics for e in page.entry or [] if e.search.mode == "outcome" for i in e.resource.issue]
        url, params = {link.relation: link.url for link in page.link}.get("next", "").removeprefix(ORIGIN), None
    return titles, said


@pytest.mark.parametrize("category, titles", [
    (f"{CLASS_OID}|10", ["Rappel DTP", "Synthèse annuelle", "Radio du genou", "Bilan sanguin",
                         "Consultation de cardiologie"]),  # every category it covers, newest first
    (f"{CLASS_URL}|31", ["Radio du genou"]),
    ("11", ["Rappel DTP", "Synthèse annuelle"]),  # a token without its system: any system's
    (f"{CLASS_OID}|42", ["Ordonnance de séances"]),
    (f"{CLASS_OID}|52", ["Certificat de sport"]),
])
async def test_a_search_by_class_finds_the_documents_of_every_category_it_covers(client, patient, practice, filed,
                                                                                category, titles):
    assert await found(client, practice.headers, patient, category) == (titles, [])


async def test_a_search_by_class_finds_only_what_the_reader_sees(client, db, app, patient, filed):
    """A kinésithérapeute given "biologie" and "certificat": class 10 covers five categories, he reads one of them,
    and not what Camille hid."""
    kine = await new_professional(db, given_name="Léa", family_name="Fontaine",
                                  profession="masseur-kinésithérapeute", stem=9)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, kine)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine.professional,
                              categories="biologie,certificat", duration="1a", actor=PATIENT)
    headers = {"authorization": f"Bearer {await token_for(client, await registered(client, db, kine))}"}
    assert await found(client, headers, patient, f"{CLASS_OID}|10") == (["Bilan sanguin"], [])
    assert await found(client, headers, patient, f"{CLASS_OID}|10", _total="accurate") == (["Bilan sanguin"], [])
    assert await found(client, headers, patient, f"{CLASS_URL}|31") == ([], [])
    assert await found(client, headers, patient, f"{CLASS_OID}|52") == (["Certificat de sport"], [])
    # The document a page starts after is one this search shows, or none: a hidden one is no cursor.
    after = await client.get("/fhir/DocumentReference", headers=headers, params={
        "patient": patient.patient.id, "category": f"{CLASS_OID}|10", "_after": filed["Bilan masqué"].id})
    assert after.status_code == 400


@pytest.mark.parametrize("category", [f"{CLASS_OID}|77", f"{CLASS_URL}|99", f"{CLASS_OID}|44", "urn:x|10"])
async def test_a_class_that_files_nothing_finds_nothing_and_the_searchset_says_so_as_for_a_category(
        client, patient, practice, filed, category):
    """An unknown class, a class no category comes under ("99", "44"), a known code under another system: what an
    unknown category is answered, found nothing, and the searchset's warning names the classes that find some."""
    titles, [said] = await found(client, practice.headers, patient, category)
    assert titles == []
    assert said.startswith(f"Catégorie inconnue : «\u00a0{category}\u00a0» ne désigne aucune catégorie Carnet")
    assert f"une classe de document (système {CLASS_OID}, codes 10, 11, 31, 42, 43, 45, 52, 60, 90, 95)" in said


async def test_the_capability_statement_says_a_category_search_reads_a_class(client):
    statement = CapabilityStatement.model_validate((await client.get("/fhir/metadata")).json())
    [documents] = [r for r in statement.rest[0].resource if r.type == "DocumentReference"]
    [category] = [p for p in documents.searchParam if p.name == "category"]
    assert f"classe du document ({CLASS_OID}|code" in category.documentation
    assert "Carnet sert les deux" in documents.documentation


async def test_a_document_served_carries_its_class_after_carnet_s_code(client, patient, practice, filed):
    for title, category, hidden in FILED:
        if hidden:
            continue
        answer = await client.get(f"/fhir/DocumentReference/{filed[title].id}", headers=practice.headers)
        served = DocumentReference.model_validate(answer.json())
        [concept] = served.category  # MHD's Minimal DocumentReference: one category, coded twice
        assert [(c.system, c.code, c.display) for c in concept.coding] == [
            (CATEGORY_SYSTEM, category, CATEGORIES[category]), (CLASS_OID, *CLASS_OF[category])], title
    searched = as_bundle(await client.get("/fhir/DocumentReference", headers=practice.headers, params={
        "patient": patient.patient.id, "category": f"{CLASS_OID}|31"}))
    [radio] = [e.resource for e in searched.entry]
    assert [c.code for c in radio.category[0].coding] == ["imagerie", "31"]


@pytest.mark.parametrize("title", ["Bilan sanguin", "Synthèse annuelle", "Rappel DTP", "Certificat de sport"])
async def test_a_document_sent_back_as_served_is_filed_in_its_category_without_a_warning(
        client, db, patient, practice, filed, title):
    """Software that sends a document on as Carnet served it: a lab report's class "10" alone would file a
    compte rendu; Carnet's code, served first, files it where it was."""
    served = (await client.get(f"/fhir/DocumentReference/{filed[title].id}", headers=practice.headers)).json()
    category = filed[title].category
    assert [c["code"] for c in served["category"][0]["coding"]] == [category, CLASS_OF[category][0]]
    bundle = provide_bundle(patient.patient.ins, title=f"{title} (renvoyé)", data=report_pdf(title))
    bundle["entry"][1]["resource"] |= {"category": served["category"], "type": served["type"]}
    answer = await push(client, practice, bundle)
    assert answer.status_code == 200, answer.text
    created = as_bundle(answer).entry[1].response
    assert created.status == "201 Created" and created.outcome is None, created.outcome
    document = await db.get(Document, created.location.split("/")[1])
    assert document.category == category


async def test_a_copy_read_back_keeps_each_document_s_category(db, app, patient, filed, elsewhere,  # noqa: F811
                                                                tmp_path):
    data = await build_export(db, app.state.storage, dossier=patient.dossier, patient=patient.patient, now=NOW)
    copied = resources_of(json.loads(member(data, "synthese-ips.json")), "DocumentReference")
    assert {(r["description"], tuple(c["code"] for c in r["category"][0]["coding"])) for r in copied} == {
        (title, (category, CLASS_OF[category][0])) for title, category, _ in FILED}
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(data)
    dossier = await same_patient_there(elsewhere.session, patient.patient)
    done = carnet(elsewhere, "import", "dossier", str(copy), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr
    read_back = (await elsewhere.session.exec(select(Document.title, Document.category)
                                              .where(Document.dossier_id == dossier.id))).all()
    assert sorted(read_back) == sorted((title, category) for title, category, _ in FILED)
