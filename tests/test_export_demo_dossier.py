"""The demo's ten-year dossier: its copy holds everything, and reads back into another installation the same."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pypdfium2
import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import select

from server.accesslog.verify import verify_chain
from server.demo import load_demo
from server.dossiers import professionals_by_id
from server.export.archive import PATIENT_VIEW, build_export
from server.export.ips_copy import zip_path
from server.export.restore import TRANSFER, restore
from server.listing import all_documents
from server.models import AccessEvent
from server.profile.items import ItemInput, add_item
from server.accesslog.csvrows import CSV_COLUMNS
from tests.export_helpers import NOW, authors_of, csv_rows, live_items, profile_as_read, same_patient_there
from tests.export_helpers import elsewhere  # noqa: F401 - a fixture
from tests.patient_helpers import events
from tests.test_profile import PATIENT, TODAY, items_of_every_kind


DEMO_DAY = date(2026, 3, 20)


@pytest.fixture
async def demo(db, app):
    """The demo's ten-year dossier, with a profil médical of every kind (some hidden, some by her doctor, one
    deleted, advance directives filed as a document)."""
    result = await load_demo(db, app.state.storage, today=DEMO_DAY)
    await items_of_every_kind(db, result.dossier, result.medecin_traitant)
    [letter, *_] = [d for d in await all_documents(db, dossier_id=result.dossier.id, visible=PATIENT_VIEW)
                    if d.category == "synthese"]
    await add_item(db, dossier=result.dossier, data=ItemInput("directive", label="Mes directives anticipées",
                                                               detail="Rédigées avec le Dr Bernard",
                                                               document_id=letter.id),
                   actor=PATIENT, today=TODAY)
    return result


async def documents_as_read(session, storage, dossier_id: str) -> list[tuple]:
    documents = await all_documents(session, dossier_id=dossier_id, visible=PATIENT_VIEW)
    rpps = {i: p.rpps for i, p in (await professionals_by_id(
        session, {d.author_professional_id for d in documents if d.author_professional_id})).items()}
    return sorted(((d.title, d.category, d.event_date, d.filename, d.mime_type, d.hidden,
                    d.hidden_from_representatives, d.source, rpps.get(d.author_professional_id),
                    d.created_at.replace(microsecond=0), storage.get(d.storage_key, sha256=d.sha256))
                   for d in documents), key=repr)


async def test_the_demo_dossier_s_copy_holds_everything_and_reads_back_elsewhere_the_same(db, app, demo, elsewhere):
    """The ten-year demo dossier, built once (the file's costliest world) and copied once, for both proofs: the copy,
    as it is made, and the same copy read back into another installation."""
    data = await build_export(db, app.state.storage, dossier=demo.dossier, patient=demo.patient, now=NOW)
    await the_copy_holds_every_document_byte_for_byte_a_valid_ips_the_whole_log_and_a_readable_pdf(db, app, demo, data)
    await the_demo_dossier_read_back_elsewhere_has_the_same_documents_and_the_same_profile(
        db, app, demo, elsewhere, data)


async def the_copy_holds_every_document_byte_for_byte_a_valid_ips_the_whole_log_and_a_readable_pdf(db, app, demo, data):
    storage = app.state.storage
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    documents = await all_documents(db, dossier_id=demo.dossier.id, visible=PATIENT_VIEW)
    assert len(documents) == demo.documents and sum(d.hidden for d in documents) == 3  # hidden ones too: her copy
    for document in documents:
        assert archive.read(zip_path(document)) == storage.get(document.storage_key, sha256=document.sha256)
    assert {n for n in archive.namelist() if n.startswith("documents/")} == {zip_path(d) for d in documents}

    ips = Bundle.model_validate(json.loads(archive.read("synthese-ips.json")))
    assert ips.type == "document" and ips.entry[0].resource.get_resource_type() == "Composition"
    references = [e.resource for e in ips.entry if e.resource.get_resource_type() == "DocumentReference"]
    urls = {r.content[0].attachment.url for r in references}
    assert len(references) == len(documents) and urls == {zip_path(d) for d in documents}
    items = await live_items(db, demo.dossier.id)
    resources = {e.resource.get_resource_type() for e in ips.entry}
    assert {"AllergyIntolerance", "MedicationStatement", "Condition", "FamilyMemberHistory", "Immunization",
            "Observation", "Practitioner"} <= resources
    carried = {i.value for e in ips.entry for i in getattr(e.resource, "identifier", None) or []
               if i.system == "urn:carnet:fhir:profil"}
    carried |= {c.extension[0].valueString for e in ips.entry if e.resource.get_resource_type() == "Patient"
                for c in e.resource.contact or []}
    assert carried == {i.id for i in items}

    log = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == demo.dossier.id))).all()
    audit_bundle = Bundle.model_validate(json.loads(archive.read("journal-acces-auditevent.json")))
    assert audit_bundle.type == "collection" and len(audit_bundle.entry) == len(log) > 30
    seqs = set()
    for entry in audit_bundle.entry:
        event = AuditEvent.model_validate(entry.resource.model_dump(mode="json"))
        assert event.agent[0].requestor and event.recorded and event.outcome == "0"
        seqs.add(int(next(d.valueString for d in event.entity[0].detail if d.type == "numéro")))
    assert seqs == {e.seq for e in log}
    reads = [e.resource for e in audit_bundle.entry if e.resource.subtype[0].code == "read_document"]
    assert reads and all(r.action == "R" and r.agent[0].who.identifier.value.startswith("8") for r in reads)
    assert all(r.entity[1].what.identifier.value for r in reads)  # the document read

    rows = csv_rows(data)
    assert list(rows[0]) == CSV_COLUMNS
    assert {(int(r["numéro"]), r["hash"]) for r in rows} == {(e.seq, e.hash) for e in log}

    pdf = pypdfium2.PdfDocument(archive.read("synthese.pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Camille Martin" in text and "Pénicilline" in text and "Documents (" in text
    readme = archive.read("LISEZMOI.txt").decode()
    assert all(name in readme for name in ("synthese-ips.json", "journal-acces.csv", "synthese.pdf", "documents/"))


async def the_demo_dossier_read_back_elsewhere_has_the_same_documents_and_the_same_profile(
        db, app, demo, elsewhere, data):
    """(Run by the first test of the copy, on its copy of the demo dossier.)"""
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, demo.patient, await authors_of(db, demo.dossier.id))
    restored = await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert restored.documents == demo.documents and restored.items == len(await live_items(db, demo.dossier.id))
    await there.commit()
    assert (await documents_as_read(there, storage, dossier.id)
            == await documents_as_read(db, app.state.storage, demo.dossier.id))
    assert await profile_as_read(there, dossier.id) == await profile_as_read(db, demo.dossier.id)
    assert await verify_chain(there, dossier_id=dossier.id) is None
    added = [e for e in await events(there, dossier.id) if e.action == "add_document"]
    assert len(added) == demo.documents and all(e.actor_name == "Carnet (transfert de dossier)" for e in added)
    # Each PDF's text came back too, read from the file as an upload's is: a search finds it by its words.
    pdfs = [d for d in await all_documents(there, dossier_id=dossier.id, visible=PATIENT_VIEW)
            if d.mime_type == "application/pdf"]
    assert pdfs and all(len(d.search_text) > 3 * len(d.title) for d in pdfs)
