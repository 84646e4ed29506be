"""Through the FHIR API as on the web: a professional whose access ended still finds the documents they added
("Chacun garde la lecture des documents qu'il a lui-même ajoutés"), and every answer that carries a document is
in the patient's log before it leaves, a withdrawal asked again included."""

from __future__ import annotations

import json
import re
from datetime import date

from fhir.resources.R4B.documentreference import DocumentReference

from server.access import blocks, hiding
from server.models import Document
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, add_text_document, make_ins, new_professional,
)
from tests.fhir_support import INS_SYSTEM, as_bundle, as_outcome, provide_bundle, report_pdf
from tests.patient_helpers import Log
from tests.test_fhir_api import PATIENT, practice, push, registered, token_for  # noqa: F401 (a fixture)
from tests.test_pro_own_documents import revoke

VIA = "via le logiciel «\u00a0Logiciel du cabinet\u00a0»"
WITHDRAWAL = json.dumps([{"op": "replace", "path": "/status", "value": "entered-in-error"}])


async def filed(client, practice, patient, title: str, when: date) -> str:
    """A document the practice's software sends, its author the professional: its id."""
    sent = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title=title,
                                                                 data=report_pdf(title), when=when)))
    return sent.entry[1].response.location.split("/")[1]


def by_ins(ins: str, **more: str) -> dict:
    return {"patient.identifier": f"{INS_SYSTEM}|{ins}", **more}


async def titles_page_after_page(client, headers, ask: dict) -> list[list[str]]:
    """Each page's documents, the first asked by INS (POST), the next ones through the `next` links."""
    pages, url = [], None
    while True:
        found = await (client.get(url, headers=headers) if url else
                       client.post("/fhir/DocumentReference/_search", headers=headers, data=ask))
        assert found.status_code == 200, found.text
        page = as_bundle(found)
        pages.append([entry.resource.description for entry in page.entry or []])
        url = {link.relation: link.url for link in page.link}.get("next", "").removeprefix(ORIGIN)
        if not url:
            return pages


async def test_after_a_revoke_the_author_s_search_lists_their_own_documents_page_after_page_and_is_logged(
        client, db, app, patient, practice):
    """As "Mes patients" leads to "vos documents seulement" on the web: the search answers what the rule leaves
    the author, their documents alone (hidden ones too), logged as the web logs that list, naming the software."""
    for n in range(3):
        await filed(client, practice, patient, f"Compte rendu {n}", date(2026, 1, 10 + n))
    not_hers = await add_text_document(db, app, patient.dossier, title="IRM du genou", when=date(2026, 1, 20))
    hidden = await filed(client, practice, patient, "Certificat masqué", date(2026, 1, 5))
    await revoke(db, patient, practice.pro)
    await db.commit()
    await hiding.set_hidden(db, document=await db.get(Document, hidden), hidden=True, actor=PATIENT)

    async with Log(db, patient.dossier.id) as log:
        pages = await titles_page_after_page(client, practice.headers, by_ins(patient.patient.ins, _count="2"))
    assert pages == [["Compte rendu 2", "Compte rendu 1"], ["Compte rendu 0", "Certificat masqué"]]
    assert [(e.action, e.right, e.detail) for e in log.new] == [("read_own_documents", "author", VIA)] * 2
    rpps = f"8{practice.pro.rpps}"
    mine = await titles_page_after_page(client, practice.headers, by_ins(patient.patient.ins, **{
        "author.identifier": rpps}))
    assert mine == [["Compte rendu 2", "Compte rendu 1", "Compte rendu 0", "Certificat masqué"]]
    # Another's document as a cursor: the answer of an unknown id, never the documents dated around it.
    refused = [await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&_count=2&_after={cursor}",
                                headers=practice.headers) for cursor in (not_hers.id, "f" * 32)]
    assert refused[0].status_code == refused[1].status_code == 400 and refused[0].content == refused[1].content
    counted = as_bundle(await client.post("/fhir/DocumentReference/_search", headers=practice.headers,
                                          data=by_ins(patient.patient.ins, _count="0")))
    assert counted.total == 4 and not counted.entry
    # The patient's own words for it, in the Historique: the list of her documents, through her software.
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        history = (await phone.get("/historique")).text
    assert re.search(r"a consulté la liste des documents ajoutés par ses soins à votre dossier [^<]*"
                     r"via le logiciel «\u00a0Logiciel du cabinet\u00a0»", history), history


async def test_a_professional_who_never_wrote_there_or_is_blocked_gets_the_404_of_a_missing_patient(
        client, db, app, patient, practice):
    """The author's way in opens nothing else: a professional without a right nor a document of theirs, and an
    author the patient blocked, get the very answer a patient who does not exist gets, and nothing is logged."""
    await filed(client, practice, patient, "Compte rendu", date(2026, 1, 10))
    await revoke(db, patient, practice.pro)
    stranger = await new_professional(db, given_name="Paul", family_name="Girard", profession="médecin", stem=8)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, stranger)
    other = {"authorization": f"Bearer {await token_for(client, await registered(client, db, stranger))}"}
    missing = await client.post("/fhir/DocumentReference/_search", headers=other,
                                data=by_ins(make_ins("F", 1950, 1, 77)))
    assert missing.status_code == 404 and as_outcome(missing).issue[0].code == "not-found"
    async with Log(db, patient.dossier.id) as log:
        foreign = await client.post("/fhir/DocumentReference/_search", headers=other, data=by_ins(patient.patient.ins))
        by_id = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}", headers=other)
        await blocks.block(db, dossier=patient.dossier, professional=practice.pro.professional, actor=PATIENT)
        blocked = await client.post("/fhir/DocumentReference/_search", headers=practice.headers,
                                    data=by_ins(patient.patient.ins))
    assert foreign.content == by_id.content == blocked.content == missing.content
    assert foreign.status_code == by_id.status_code == blocked.status_code == 404
    assert [e.action for e in log.new] == ["block"]


async def test_a_withdrawal_asked_again_answers_the_document_and_logs_that_read_as_a_get_does(
        client, db, patient, practice):
    """The first PATCH's answer is in the log as the withdrawal, which names the document; a second changes
    nothing, so its answer, the same DocumentReference, is a read of it, logged as GET logs one. The author
    whose access ended withdraws and is answered alike."""
    headers = {**practice.headers, "content-type": "application/json-patch+json"}
    document_id = await filed(client, practice, patient, "Radio du genou", date(2026, 1, 10))
    url = f"/fhir/DocumentReference/{document_id}"
    async with Log(db, patient.dossier.id) as log:
        first = await client.patch(url, content=WITHDRAWAL, headers=headers)
        again = await client.patch(url, content=WITHDRAWAL, headers=headers)
        read = await client.get(url, headers=practice.headers)
    assert first.status_code == again.status_code == read.status_code == 200
    assert DocumentReference.model_validate(again.json()).status == "entered-in-error"
    assert again.json() == read.json() == first.json()
    assert [(e.action, e.document_id, e.right, e.detail) for e in log.new] == [
        ("withdraw_document", document_id, "author", VIA), ("read_document", document_id, "author", VIA),
        ("read_document", document_id, "author", VIA)]

    other_id = await filed(client, practice, patient, "Échographie", date(2026, 1, 11))
    await revoke(db, patient, practice.pro)
    url = f"/fhir/DocumentReference/{other_id}"
    async with Log(db, patient.dossier.id) as log:
        for _ in range(2):
            answer = await client.patch(url, content=WITHDRAWAL, headers=headers)
            assert answer.status_code == 200 and answer.json()["id"] == other_id
    assert [(e.action, e.right) for e in log.new] == [("withdraw_document", "author"), ("read_document", "author")]
