"""Take everything with you (issue 12): the whole dossier as a ZIP, logged before it leaves, for its patient and
caregivers only; and that copy read back into an empty dossier of another installation, or refused whole."""

from __future__ import annotations

import csv
import html
import io
import logging
import json
import re
import shutil
import subprocess
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pypdfium2
import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fpdf import FPDF
from sqlalchemy.pool import NullPool
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.access import closing, grants, hiding
from server.auth.accounts import account_for_patient
from server.accesslog.audit import Actor, append
from server.accesslog.verify import verify_chain
from server.db import make_engine, make_sessionmaker
from server.demo import load_demo
from server.dossiers import add_document, create_patient, create_professional, professionals_by_id
from server.export.archive import PATIENT_VIEW, build_export, zip_path
from server.export.restore import TRANSFER, NotRestorable, restore
from server.files.store import DiskStorage
from server.listing import all_documents
from server.models import AccessEvent, Document, Patient, Professional, ProfileItem
from server.profile.dosing import change_dose
from server.profile.items import ItemInput, add_item, profile_of, set_item_hidden
from server.accesslog.csvrows import CSV_COLUMNS
from tests.cli import carnet_in_process
from tests.conftest import (
    ORIGIN, TEST_SECRET, activate, activate_professional, add_text_document, new_patient,
    new_professional, post_form,
)
from tests.databases import create_from_template, drop
from tests.patient_helpers import CAMILLE, MISSING, events, same_404
from tests.test_caregivers import as_account, invitation_code, new_caregiver, years_ago
from tests.test_profile import PATIENT, SAMPLES, TODAY, items_of_every_kind

NOW = datetime(2026, 11, 30, 17, 45, tzinfo=UTC)
DEMO_DAY = date(2026, 3, 20)
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
LOINC = "http://loinc.org"


def pdf_bytes(title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, f"{title} - genou droit")
    return bytes(pdf.output())


def member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(member(data, "journal-acces.csv").decode("utf-8-sig")), delimiter=";"))


def rewritten(data: bytes, change) -> bytes:
    """The same ZIP with `change(name, content)` applied to every member."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return out.getvalue()


def ips_changed(data: bytes, change) -> bytes:
    """The same ZIP with its IPS Bundle changed."""
    return rewritten(data, lambda name, content: json.dumps(change(json.loads(content))).encode()
                     if name == "synthese-ips.json" else content)


# --- dossiers to export ---------------------------------------------------------------------------


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


@pytest.fixture
async def small(db, app, patient):
    """Camille, with a few documents (one hidden, one PDF by her kiné) and a short profile."""
    kine = await new_professional(db, stem=41)
    documents = [await add_text_document(db, app, patient.dossier, title="Bilan lipidique", category="biologie"),
                 await add_document(db, app.state.storage, dossier=patient.dossier, title="Bilan kiné",
                                    category="compte_rendu", event_date=date(2025, 6, 3), filename="bilan.pdf",
                                    mime_type="application/pdf", data=pdf_bytes("Bilan"),
                                    author=kine.professional)]
    await hiding.set_hidden(db, document=documents[0], hidden=True, actor=CAMILLE)
    for kind in ("allergy", "treatment", "contact"):
        await add_item(db, dossier=patient.dossier, data=SAMPLES[kind], actor=PATIENT, today=TODAY)
    return patient


@dataclass
class Installation:
    session: AsyncSession
    storage: DiskStorage
    url: str
    data_dir: Path


@pytest.fixture
async def elsewhere(settings, tmp_path, sqlite_template):
    """Another Carnet installation: its own database, on the same engine, and its own files. Made from the session's
    migrated template, as the test's own database is (the migrations ran once)."""
    data_dir = tmp_path / "ailleurs"
    data_dir.mkdir()
    if settings.database_url.startswith("postgresql"):
        url = f"{settings.database_url}_ailleurs"
        await drop(url)
        await create_from_template(url)
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'carnet.sqlite3'}"
        shutil.copyfile(sqlite_template, data_dir / "carnet.sqlite3")
    engine = make_engine(url, poolclass=NullPool)
    async with make_sessionmaker(engine)() as session:
        yield Installation(session, DiskStorage(data_dir / "files"), url, data_dir)
    await engine.dispose()
    if url.startswith("postgresql"):
        await drop(url)


def carnet(installation: Installation, *args: str) -> subprocess.CompletedProcess:
    """The `carnet` command, as that installation's operator runs it."""
    env = {"CARNET_ENV": "test", "CARNET_SECRET": TEST_SECRET, "CARNET_DATA_DIR": str(installation.data_dir),
           "DATABASE_URL": installation.url, "PATH": "/usr/bin:/bin"}
    return carnet_in_process(env, *args)


async def same_patient_there(session, patient: Patient, professionals: list[Professional] = ()):
    """The patient's empty dossier in the other installation, and the professionals its operator registered."""
    for pro in professionals:
        await create_professional(session, rpps=pro.rpps, given_name=pro.given_name, family_name=pro.family_name,
                                  profession=pro.profession, city=pro.city)
    _, dossier = await create_patient(session, ins=patient.ins, given_name=patient.given_name,
                                      family_name=patient.family_name, birth_date=patient.birth_date, sex=patient.sex)
    return dossier


async def authors_of(db, dossier_id: str) -> list[Professional]:
    documents = await all_documents(db, dossier_id=dossier_id, visible=PATIENT_VIEW)
    items = (await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == dossier_id))).all()
    ids = {x.author_professional_id for x in [*documents, *items] if x.author_professional_id}
    return list((await professionals_by_id(db, ids)).values())


async def documents_as_read(session, storage, dossier_id: str) -> list[tuple]:
    documents = await all_documents(session, dossier_id=dossier_id, visible=PATIENT_VIEW)
    rpps = {i: p.rpps for i, p in (await professionals_by_id(
        session, {d.author_professional_id for d in documents if d.author_professional_id})).items()}
    return sorted(((d.title, d.category, d.event_date, d.filename, d.mime_type, d.hidden,
                    d.hidden_from_representatives, d.source, rpps.get(d.author_professional_id),
                    d.created_at.replace(microsecond=0), storage.get(d.storage_key, sha256=d.sha256))
                   for d in documents), key=repr)


async def profile_as_read(session, dossier_id: str) -> list[tuple]:
    profile = await profile_of(session, dossier_id=dossier_id, visible=PATIENT_VIEW)
    rows = []
    for items in profile.by_kind.values():
        for i in items:
            document = await session.get(Document, i.document_id) if i.document_id else None
            # When it was declared, to the second (the copy's instants), but a contact's (FHIR has no place for it).
            declared = None if i.kind == "contact" else i.created_at.astimezone(UTC).replace(microsecond=0)
            rows.append((i.kind, i.label, i.detail, i.severity, i.nature, i.started_on, i.ended_on, i.value, i.value2,
                         i.unit, i.lot, i.prescriber, i.phone, i.hidden, profile.authors[i.author_professional_id].rpps
                         if i.author_professional_id else None, document.title if document else None, declared))
    return sorted(rows, key=repr)


async def live_items(session, dossier_id: str) -> list[ProfileItem]:
    return list((await session.exec(select(ProfileItem).where(ProfileItem.dossier_id == dossier_id,
                                                              ProfileItem.deleted_at.is_(None)))).all())


async def counts(session, dossier_id: str) -> tuple[int, int, int]:
    await session.commit()
    return tuple([(await session.exec(select(func.count()).select_from(model).where(
        model.dossier_id == dossier_id))).one() for model in (Document, ProfileItem, AccessEvent)])


# --- the copy ---------------------------------------------------------------------------------------


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


# Past the 150 characters the copy kept: cut there, the name lost its ".pdf"; the Russian one (a patient's Russian
# hospital), past the 255 bytes a file system allows in a name, which `unzip` refused ("File name too long").
LONG_NAMES = ("Compte-rendu-échocardiographie-transthoracique-et-épreuve-d'effort-réalisées-à-l'hôpital-européen-"
              "Georges-Pompidou-le-3-juin-2025-évaluation-des-extrasystoles-ventriculaires.pdf",
              "Заключение-эхокардиографии-и-нагрузочной-пробы-в-европейской-больнице-Жоржа-Помпиду-3-июня-2025-"
              "оценка-желудочковых-экстрасистол-у-пациентки-Камиллы-Мартен-повторное.pdf")


async def test_a_long_file_name_keeps_its_extension_and_fits_a_file_system_in_the_copy(
        db, app, patient, tmp_path):
    pdf = pdf_bytes("Échographie")
    documents = [await add_document(db, app.state.storage, dossier=patient.dossier, title=title,
                                    category="compte_rendu", event_date=date(2025, 6, 3), filename=filename,
                                    mime_type="application/pdf", data=pdf)
                 for title, filename in (("Échographie", LONG_NAMES[0]), ("Échographie, contrôle", LONG_NAMES[0]),
                                         ("Эхокардиография", LONG_NAMES[1]))]
    data = await build_export(db, app.state.storage, dossier=patient.dossier, patient=patient.patient, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = [zip_path(d) for d in documents]
    assert len(set(names)) == 3  # two documents with one name: one folder each
    for name in names:
        assert name.endswith(".pdf") and all(len(part.encode()) <= 255 for part in name.split("/"))
        assert archive.read(name) == pdf
    archive.extractall(tmp_path)  # what unzip does: a name past the file system's limit fails here
    assert all((tmp_path / name).read_bytes() == pdf for name in names)


async def test_the_export_is_in_the_log_before_the_zip_leaves_named_for_its_patient_in_no_url(client, db, small):
    await activate(client, small)
    page = await client.get(f"/dossiers/{small.dossier.id}/export")
    assert page.status_code == 200 and "Télécharger la copie (ZIP)" in page.text and "2 documents" in page.text
    assert f"({len(await events(db, small.dossier.id))} événements)" in page.text  # the head's number: every event
    # In English, the page says which parts of the copy are in French (an outside probe's find: only the LISEZMOI).
    english = (await client.get(f"/dossiers/{small.dossier.id}/export", headers={"accept-language": "en"})).text
    assert "a PDF summary</strong> in French" in english and "as a spreadsheet (in French)" in english
    response = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="carnet-dossier-camille-\d{4}-\d{2}-\d{2}\.zip"',
                        response.headers["content-disposition"])
    assert "martin" not in str(response.url).lower()  # a name never in an address (history, logs, Referer)
    assert "content-encoding" not in response.headers and response.headers["cache-control"] == "no-store"
    # The copy's own log already holds its export: it was committed before the ZIP was made.
    [export] = [r for r in csv_rows(response.content) if r["action"] == "Export du dossier"]
    assert export["qui"] == "Camille Martin"
    assert [e.action for e in await events(db, small.dossier.id)].count("export") == 1
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 2


async def test_another_patient_a_professional_and_a_random_id_get_the_same_404(client, db, app, small):
    url, missing = f"/dossiers/{small.dossier.id}/export", f"/dossiers/{MISSING}/export"
    stranger = await new_patient(db, given_name="Léa", family_name="Durand", serial=7)
    await activate(client, stranger)
    await same_404(client, url, missing)
    await same_404(client, url, missing, data={})
    await same_404(client, url, f"/dossiers/{uuid.uuid4().hex}/export", data={})
    kine = await new_professional(db, stem=42)
    await grants.grant_access(db, dossier=small.dossier, professional=kine.professional, categories="",
                              duration="1m", actor=CAMILLE)  # even with access to every document
    from tests.conftest import AsyncTestClient
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await activate_professional(desk, kine)
        await same_404(desk, url, missing)
        await same_404(desk, url, missing, data={})
    assert "export" not in [e.action for e in await events(db, small.dossier.id)]


async def test_a_reading_caregiver_exports_and_the_patient_exports_her_closed_dossier(client, db, app, small):
    await as_account(client, db, await account_for_patient(db, patient=small.patient))
    code = await invitation_code(client, small.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        page = await hugo.get(f"/dossiers/{small.dossier.id}/export")
        assert page.status_code == 200 and "du dossier de Camille" in page.text
        assert "il vous appartient" not in page.text  # it is Camille's: only her own page says it is hers
        copy = await post_form(hugo, f"/dossiers/{small.dossier.id}/export", {})
        assert copy.status_code == 200 and zipfile.ZipFile(io.BytesIO(copy.content)).testzip() is None
    [export] = [e for e in await events(db, small.dossier.id) if e.action == "export"]
    # His own copy: a relative who only reads does nothing for her ("pour votre compte" would say he did).
    assert (export.actor_kind, export.actor_name, export.on_behalf_of) == ("caregiver", "Hugo Martin", "")

    await closing.set_closed(db, dossier=small.dossier, closed=True, actor=CAMILLE)
    closed = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    assert closed.status_code == 200 and len(csv_rows(closed.content)) == len(await events(db, small.dossier.id))


async def test_a_minor_s_parent_exports_no_trace_of_what_was_kept_from_parents(client, db, app):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    vaccine = await add_text_document(db, app, leo.dossier, title="Vaccin ROR", category="vaccination")
    doctor = await new_professional(db, given_name="Anne", family_name="Girard", profession="médecin", stem=43)
    kept = await add_document(db, app.state.storage, dossier=leo.dossier, title="Consultation confidentielle",
                              category="compte_rendu", event_date=date(2025, 2, 3), filename="cr.txt",
                              mime_type="text/plain", data=b"Confidentiel", author=doctor.professional, commit=False)
    kept.hidden_from_representatives = True  # as the doctor's upload form files it, at Léo's request (CSP L1111-5)
    await append(db, dossier_id=leo.dossier.id, action="add_document", document=kept, right="grant",
                 actor=Actor(None, "professional", "Anne Girard", "médecin", doctor.rpps))
    await db.commit()

    page = await client.get(f"/dossiers/{leo.dossier.id}/export")  # the count leaves out what is kept from parents
    shown = len(await events(db, leo.dossier.id)) - 1
    assert f"({shown} événement{'s' if shown > 1 else ''})" in page.text
    assert "<strong>1 document</strong>, tel qu'il a été déposé" in html.unescape(page.text)  # one, said in the singular
    # Deleting it takes it from Léo and his relatives: not from "vos aidants", as if she were the patient.
    deleting = html.unescape((await client.get(f"/documents/{vaccine.id}/suppression")).text)
    assert "ni Léo Martin, ni ses autres proches, ni vous" in deleting and "vos aidants" not in deleting
    copy = await post_form(client, f"/dossiers/{leo.dossier.id}/export", {})
    assert copy.status_code == 200
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 1
        # What a parent sees, never said to be the whole dossier (as every representative's copy, kept or not).
        ips = json.loads(archive.read("synthese-ips.json"))
        assert [t["code"] for t in ips["meta"]["tag"]] == ["dossier-vu-par-un-representant"]
        summary = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(archive.read("synthese.pdf")))
        assert "complète" not in summary and "Copie du dossier, telle que vous le voyez" in summary.replace("\r\n", " ")
        for name in archive.namelist():
            content = archive.read(name)
            text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(content)) \
                if name.endswith(".pdf") else content.decode("utf-8", errors="replace")
            for trace in ("Consultation confidentielle", "Girard", doctor.rpps, kept.id):
                assert trace not in text, (trace, name)


async def downloaded(client, dossier_id: str) -> zipfile.ZipFile:
    """The copy as its patient or caregiver downloads it, through HTTP."""
    response = await post_form(client, f"/dossiers/{dossier_id}/export", {})
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def resources_of(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


async def test_the_copy_s_ips_codes_every_section_and_labels_what_is_hidden_or_kept_from_parents(client, db, app,
                                                                                                   small):
    kept = await add_text_document(db, app, small.dossier, title="Consultation confidentielle")
    kept.hidden_from_representatives = True  # kept by the young adult from her parents (CSP L1111-5)
    db.add(kept)
    await db.commit()
    vaccine = await add_item(db, dossier=small.dossier, data=SAMPLES["vaccination"], actor=PATIENT, today=TODAY)
    await set_item_hidden(db, item=vaccine, hidden=True, actor=PATIENT)
    await activate(client, small)
    ips = json.loads((await downloaded(client, small.dossier.id)).read("synthese-ips.json"))
    Bundle.model_validate(ips)

    [composition] = resources_of(ips, "Composition")
    codings = {s["title"]: s["code"]["coding"][0] for s in composition["section"]}
    assert all(c.get("display") for c in codings.values()) and codings["Vaccinations"]["system"] == LOINC
    assert codings["Documents du dossier"] == {"system": "urn:carnet:fhir:section", "code": "documents",
                                               "display": "Documents du dossier"}
    assert {c["code"] for c in codings.values() if c["system"] == LOINC} == {
        "48765-2", "10160-0", "11450-4", "11369-6"}  # allergies, medications, problems, immunizations
    labels = {r["description"]: r.get("meta", {}).get("security") for r in resources_of(ips, "DocumentReference")}
    assert labels == {"Bilan lipidique": [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}],
                      "Consultation confidentielle": [{"system": CONFIDENTIALITY, "code": "V",
                                                       "display": "very restricted"}],
                      "Bilan kiné": None}
    assert composition["confidentiality"] == "V"  # the highest of what it holds

    [immunization] = resources_of(ips, "Immunization")  # declared by the patient, who did not give the injection
    assert immunization["primarySource"] is False and "performer" not in immunization
    assert immunization["reportOrigin"]["coding"][0]["code"] == "recall"
    assert immunization["meta"]["security"][0]["code"] == "R"


async def test_the_copy_s_log_has_an_absolute_stable_full_url_for_every_event(client, db, small):
    await activate(client, small)
    first = json.loads((await downloaded(client, small.dossier.id)).read("journal-acces-auditevent.json"))
    second = json.loads((await downloaded(client, small.dossier.id)).read("journal-acces-auditevent.json"))
    urls = [e["fullUrl"] for e in first["entry"]]
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
               for u in urls)
    assert len(set(urls)) == len(urls) and set(urls) < {e["fullUrl"] for e in second["entry"]}  # one more: the export


async def test_the_readme_names_the_patient_in_french_counts_in_plural_forms_and_says_fhir_r4b(client, db, app):
    ines = await new_patient(db, given_name="Inès", family_name="Martin", serial=6)
    await add_text_document(db, app, ines.dossier, title="Bilan")
    await activate(client, ines)
    archive = await downloaded(client, ines.dossier.id)
    readme = archive.read("LISEZMOI.txt").decode()
    assert readme.startswith("Copie complète du dossier Carnet d'Inès Martin\r\n")
    assert "(1 document)" in readme and "(aucune information :" in readme and "événements)" in readme
    assert "(s)" not in readme and "FHIR R4B" in readme and not re.search(r"FHIR R4(?!B)", readme)
    assert "votre identité, votre profil médical" in readme and "ceux qui sont masqués aux professionnels" in readme
    pdf = pypdfium2.PdfDocument(archive.read("synthese.pdf"))
    assert "Synthèse du dossier d'Inès Martin" in pdf[0].get_textpage().get_text_range()
    log = json.loads(archive.read("journal-acces-auditevent.json"))
    assert {e["resource"]["entity"][0]["what"]["display"] for e in log["entry"]} == {"Dossier d'Inès Martin"}


async def test_the_copy_s_log_says_du_dossier_and_au_dossier(client, db, small):
    await activate(client, small)
    log = json.loads((await downloaded(client, small.dossier.id)).read("journal-acces-auditevent.json"))
    sentences = [e["resource"]["outcomeDesc"] for e in log["entry"]]
    assert any("une copie complète du dossier" in s for s in sentences)
    assert not [s for s in sentences if re.search(r"\b(de|à) le dossier\b", s)]


async def test_a_parent_s_copies_are_named_for_each_child_and_speak_of_the_child(client, db, app):
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    names = []
    for serial, given, of_child in ((4, "Léo", "de Léo"), (8, "Émilie", "d'Émilie")):
        child = await new_patient(db, given_name=given, family_name="Martin", birth=years_ago(9), serial=serial)
        await post_form(client, "/enfant", {"code": child.code, "birth_date": child.birth_date.isoformat()})
        response = await post_form(client, f"/dossiers/{child.dossier.id}/export", {})
        assert response.status_code == 200
        names.append(re.fullmatch(r'attachment; filename="(.*)"', response.headers["content-disposition"]).group(1))
        readme = member(response.content, "LISEZMOI.txt").decode()
        assert f"l'identité {of_child} Martin, son profil médical" in readme and "votre identité" not in readme
    assert [re.sub(r"-\d{4}-\d{2}-\d{2}", "", n) for n in names] == ["carnet-dossier-leo.zip",
                                                                     "carnet-dossier-emilie.zip"]


# --- reading a copy back ----------------------------------------------------------------------------


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


async def test_a_tampered_file_is_refused_and_nothing_is_written(db, app, small, elsewhere):
    there, storage = elsewhere.session, elsewhere.storage
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    before = await counts(there, dossier.id)
    forged = rewritten(data, lambda name, content: content.replace(b"Contenu", b"Contenu falsifi\xc3\xa9")
                       if name.endswith("note.txt") else content)
    with pytest.raises(NotRestorable, match="a été modifié : son empreinte SHA-256"):
        await restore(there, storage, zip_bytes=forged, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert await counts(there, dossier.id) == before and not list(storage.files())
    # The same copy, untouched, goes in.
    restored = await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert (restored.documents, restored.items) == (2, 3)


async def test_what_is_not_a_copy_of_this_patient_s_dossier_or_goes_into_a_full_one_is_refused(
        db, app, small, elsewhere):
    there, storage = elsewhere.session, elsewhere.storage
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    kine = await authors_of(db, small.dossier.id)
    dossier = await same_patient_there(there, small.patient)  # her kiné is not registered there yet
    other = await new_patient(there, given_name="Léa", family_name="Durand", serial=9)
    before = await counts(there, dossier.id)

    async def refused(copy: bytes, into=dossier) -> str:
        with pytest.raises(NotRestorable) as refusal:
            await restore(there, storage, zip_bytes=copy, dossier=into, actor=TRANSFER, today=TODAY)
        return str(refusal.value)

    assert "pas une archive ZIP" in await refused(b"PK\x03\x04 not really")
    assert "il n'y a pas de synthese-ips.json" in await refused(
        rewritten(data, lambda n, c: c).replace(b"synthese-ips.json", b"synthese-xyz.json"))
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {"timestamp": "hier"}))
    # A date written as a number, which the models read as seconds since 1970 (and restore then could not read).
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {
        "timestamp": 1.7e9}))
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {"entry": [
        {"fullUrl": "urn:x", "resource": {"resourceType": "Nothing"}}]}))
    assert "n'en porte pas la marque" in await refused(ips_changed(data, lambda ips: ips | {"meta": {}}))
    # A legal representative's copy (an outside tester read one back as a whole dossier): what they see, maybe not all.
    seen = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW, chained=False)
    assert "celle d'un représentant légal" in await refused(seen)
    # What no database stores (a NUL, which PostgreSQL refuses), or no parser survives (a nesting past the stack).
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {
        "meta": {**ips["meta"], "versionId": "1\x00"}}))
    assert "n'est pas une synthèse FHIR valide" in await refused(rewritten(
        data, lambda n, c: b'{"entry": ' + b"[" * 3000 + b"]" * 3000 + b"}" if n == "synthese-ips.json" else c))
    assert "celle du dossier d'un autre patient" in await refused(data, into=other.dossier)
    assert "ne sont pas enregistrés ici" in await refused(data) and kine[0].family_name in await refused(data)
    assert await counts(there, dossier.id) == before and not list(storage.files())

    await add_document(there, storage, dossier=dossier, title="Ordonnance", category="ordonnance",
                       event_date=date(2026, 1, 5), filename="o.txt", mime_type="text/plain", data=b"Ordonnance")
    assert "n'est pas vide" in await refused(data)


async def test_carnet_import_dossier_reads_a_copy_into_the_empty_dossier_of_an_ins(db, app, small, elsewhere,
                                                                                    tmp_path):
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(data)
    unknown = carnet(elsewhere, "import", "dossier", str(copy), "--ins", small.patient.ins)
    assert unknown.returncode == 1 and "Aucun patient n'a cet INS ici" in unknown.stderr
    dossier = await same_patient_there(elsewhere.session, small.patient, await authors_of(db, small.dossier.id))
    done = carnet(elsewhere, "import", "dossier", str(copy), "--ins", small.patient.ins)
    assert done.returncode == 0, done.stderr
    assert "2 documents et 3 informations du profil médical relus dans le dossier." in done.stdout
    assert (await counts(elsewhere.session, dossier.id))[:2] == (2, 3)
    again = carnet(elsewhere, "import", "dossier", str(copy), "--ins", small.patient.ins)
    assert again.returncode == 1 and "Copie refusée, rien n'a été écrit : Ce dossier n'est pas vide" in again.stderr


def test_a_server_that_never_made_a_copy_does_not_hold_the_pdf_library():
    """fpdf2 and its fontTools took ~30 MB of every server process at start (bench/RESULTS.md): imported when a copy
    is made, not with the app."""
    import subprocess
    import sys

    held = subprocess.run([sys.executable, "-c", "import sys, server.app; print('fpdf' in sys.modules)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert held == "False"


async def test_a_stopped_treatment_comes_back_stopped_on_its_day(db, app, small, elsewhere):
    """A copy read back keeps a treatment's end (its MedicationStatement's effectivePeriod.end, profile/ending.py);
    an end before the treatment began, or to come, is refused before anything is written."""
    from server.profile.ending import end_item

    [treatment] = [i for i in await live_items(db, small.dossier.id) if i.kind == "treatment"]
    await end_item(db, item=treatment, ended_on=date(2026, 11, 2), actor=PATIENT, today=TODAY)
    there, storage = elsewhere.session, elsewhere.storage
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    before = await counts(there, dossier.id)
    for end in ("2024-01-01", "2027-01-01"):  # before its start (1 March 2025), after TODAY
        odd = ips_changed(data, lambda ips: json.loads(json.dumps(ips).replace('"end": "2026-11-02"',
                                                                               f'"end": "{end}"')))
        with pytest.raises(NotRestorable, match="s'arrête avant d'avoir commencé, ou après aujourd'hui"):
            await restore(there, storage, zip_bytes=odd, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert await counts(there, dossier.id) == before
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    [back] = [i for i in await live_items(there, dossier.id) if i.kind == "treatment"]
    assert (back.label, back.ended_on) == (treatment.label, date(2026, 11, 2))


async def test_an_item_kept_from_the_parents_comes_back_kept(db, app, small, elsewhere):
    """What a professional kept from a minor's parents (profile/seen.py) says so in the copy (an extension, and
    HL7's very-restricted label) and is kept again when the copy is read back."""
    kine = (await db.exec(select(Professional).where(Professional.rpps.is_not(None)))).first()
    await add_item(db, dossier=small.dossier, data=ItemInput("treatment", label="Désogestrel 75 µg",
                                                             started_on=date(2025, 3, 1)),
                   actor=Actor(None, "professional", "Kiné"), author=kine, today=TODAY, kept_from_parents=True)
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    ips = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("synthese-ips.json"))
    [statement] = [e["resource"] for e in ips["entry"] if e["resource"]["resourceType"] == "MedicationStatement"
                   and "Désogestrel" in json.dumps(e["resource"], ensure_ascii=False)]
    assert statement["meta"]["security"][0]["code"] == "V"
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    back = {i.label: i.hidden_from_representatives for i in await live_items(there, dossier.id)}
    assert back["Désogestrel 75 µg"] is True and not any(kept for label, kept in back.items()
                                                         if label != "Désogestrel 75 µg")


async def test_a_new_dose_of_a_kept_treatment_comes_back_kept(db, app, small, elsewhere):
    """A dose changed by the minor (profile/dosing.py) makes a line of hers, kept from her parents as the
    professional's line it follows: read back from the copy, it stays kept, as it was."""
    kine = (await db.exec(select(Professional).where(Professional.rpps.is_not(None)))).first()
    pill = await add_item(db, dossier=small.dossier, data=ItemInput("treatment", label="Désogestrel 75 µg",
                                                                    detail="1 comprimé", started_on=date(2025, 3, 1)),
                          actor=Actor(None, "professional", "Kiné"), author=kine, today=TODAY, kept_from_parents=True)
    await change_dose(db, item=pill, dose="2 comprimés", changed_on=date(2025, 9, 1), actor=PATIENT,
                      added_by_account_id=None, today=TODAY)
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    back = {i.detail: i.hidden_from_representatives for i in await live_items(there, dossier.id)
            if i.label == "Désogestrel 75 µg"}
    assert back == {"1 comprimé": True, "2 comprimés": True}


async def test_making_the_copy_logs_nothing_of_its_pdf(client, db, small, caplog):
    """The PDF library's font subsetter logs at INFO the glyphs it kept: the letters of the patient's name and
    data (an outside probe found them in the server's log). Only Carnet's own lines, and warnings, are logged."""
    await activate(client, small)
    caplog.clear()
    response = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    assert response.status_code == 200
    server_side = [r for r in caplog.records if r.name != "httpx"]  # httpx: the test's own client
    assert [r.name for r in server_side if r.levelno < logging.WARNING and not r.name.startswith("carnet")] == []
