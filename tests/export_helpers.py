"""The dossier's copy as its tests make and read it, and another installation (`elsewhere`) to read it back into."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fpdf import FPDF
from sqlalchemy.pool import NullPool
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.access import hiding
from server.db import make_engine, make_sessionmaker
from server.dossiers import add_document, create_patient, create_professional, professionals_by_id
from server.export.archive import PATIENT_VIEW
from server.files.store import DiskStorage
from server.listing import all_documents
from server.models import AccessEvent, Document, Patient, Professional, ProfileItem
from server.profile.items import add_item, profile_of
from tests.cli import carnet_in_process
from tests.conftest import TEST_SECRET, add_text_document, new_professional, post_form
from tests.databases import create_from_template, drop
from tests.patient_helpers import CAMILLE
from tests.test_profile import PATIENT, SAMPLES, TODAY


NOW = datetime(2026, 11, 30, 17, 45, tzinfo=UTC)


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


async def downloaded(client, dossier_id: str) -> zipfile.ZipFile:
    """The copy as its patient or caregiver downloads it, through HTTP."""
    response = await post_form(client, f"/dossiers/{dossier_id}/export", {})
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def resources_of(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
