"""The patient the end-to-end tests play: 30 documents over three years, made with the app's own functions."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.accounts import account_for_patient, issue_activation_code
from server.access.rule import PARIS
from server.notifications import notify
from server.accesslog import audit
from server.accesslog.audit import Actor
from server.db import make_engine, make_sessionmaker
from server.dossiers import add_document, create_patient, create_professional
from server.identifiers import rpps_with_key
from server.models import Dossier, Grant, Patient, Professional
from server.access.managing import manage_dossier
from server.access.grants import grant_access, revoke_grant
from server.files.store import DiskStorage
from tests.conftest import make_ins

# (event date, category, title, kind): newest first, as the timeline shows them. With the
# default page size of 20, the 20th and 21st documents share July 2024, so the second page
# continues a month the first one started.
DOCUMENTS = [
    (date(2025, 6, 20), "biologie", "Bilan lipidique", "text"),
    (date(2025, 6, 5), "ordonnance", "Ordonnance de kinésithérapie", "text"),
    (date(2025, 5, 28), "imagerie", "IRM du genou droit", "pdf"),
    (date(2025, 5, 12), "compte_rendu", "Consultation de rhumatologie", "text"),
    (date(2025, 5, 2), "note_patient", "Note : douleurs au genou après la course", "text"),
    (date(2025, 4, 22), "biologie", "Numération formule sanguine", "text"),
    (date(2025, 4, 10), "vaccination", "Rappel diphtérie-tétanos-polio", "text"),
    (date(2025, 3, 30), "imagerie", "Radiographie du genou droit", "png"),
    (date(2025, 3, 14), "remboursement", "Relevé de remboursements de mars", "text"),
    (date(2025, 2, 26), "certificat", "Certificat de non contre-indication au sport", "text"),
    (date(2025, 2, 11), "ordonnance", "Ordonnance d'anti-inflammatoires", "text"),
    (date(2025, 1, 20), "biologie", "Glycémie à jeun", "text"),
    (date(2024, 12, 17), "synthese", "Synthèse médicale annuelle", "text"),
    (date(2024, 11, 29), "compte_rendu", "Consultation de cardiologie", "text"),
    (date(2024, 11, 8), "imagerie", "Échographie abdominale", "text"),
    (date(2024, 10, 15), "vaccination", "Vaccin antigrippal 2024", "text"),
    (date(2024, 9, 23), "biologie", "Bilan thyroïdien", "text"),
    (date(2024, 9, 2), "ordonnance", "Ordonnance de lunettes", "text"),
    (date(2024, 8, 19), "remboursement", "Relevé de remboursements d'août", "text"),
    (date(2024, 7, 30), "compte_rendu", "Compte rendu d'hospitalisation de jour", "text"),
    (date(2024, 7, 12), "biologie", "Dosage de la vitamine D", "text"),
    (date(2024, 6, 4), "certificat", "Certificat médical pour la piscine", "text"),
    (date(2024, 5, 21), "compte_rendu", "Consultation de dermatologie", "text"),
    (date(2024, 4, 9), "ordonnance", "Ordonnance de vitamine D", "text"),
    (date(2024, 3, 18), "imagerie", "Mammographie de dépistage", "text"),
    (date(2024, 2, 7), "biologie", "Ferritine et bilan martial", "text"),
    (date(2024, 1, 15), "vaccination", "Vaccin contre le Covid-19", "text"),
    (date(2023, 12, 5), "compte_rendu", "Consultation d'ophtalmologie", "text"),
    (date(2023, 10, 24), "remboursement", "Relevé de remboursements d'octobre", "text"),
    (date(2023, 9, 12), "synthese", "Synthèse médicale 2023", "text"),
]
PAGE_SIZE = 20  # the server's default
PDF_PAGES = 2


def writer_engine(data_dir: Path):
    """The running server's database, every transaction begun with BEGIN IMMEDIATE: the server's own
    writers (its requests, the transparency log's integrator every second) hold SQLite's write lock at
    moments, and a deferred transaction that reads then writes would fail at once (SQLITE_BUSY) instead
    of waiting its turn, as the app's own writers do (server.db.begin_write).

    One engine per database for the session, which keeps its compiled statements: a seed of 30 documents took
    150 ms of CPU with an engine of its own, 100 ms with this one. Each caller disposes of its connections when
    it is done (`engine.dispose()`, which leaves the engine usable): the next seed runs on another event loop."""
    engine = _engines.get(data_dir)
    if engine is None:
        url = f"sqlite+aiosqlite:///{data_dir / 'carnet.sqlite3'}"
        engine = _engines[data_dir] = make_engine(url).execution_options(sqlite_immediate=True)
    return engine


_engines: dict[Path, object] = {}


def pdf_file(title: str) -> tuple[str, str, bytes]:
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=14)
    for n in range(1, PDF_PAGES + 1):
        pdf.add_page()
        pdf.cell(0, 10, f"{title} - page {n}".encode("latin-1", "replace").decode("latin-1"))
    return "compte-rendu.pdf", "application/pdf", bytes(pdf.output())


def png_file(title: str) -> tuple[str, str, bytes]:
    image = Image.new("L", (320, 400), 20)
    ImageDraw.Draw(image).ellipse((100, 120, 220, 280), fill=200)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "radio.png", "image/png", out.getvalue()


def text_file(title: str) -> tuple[str, str, bytes]:
    return "note.txt", "text/plain", f"{title}\n\nContenu de démonstration pour les tests de bout en bout.".encode()


FILES = {"pdf": pdf_file, "png": png_file, "text": text_file}


@dataclass
class SeededPatient:
    code: str
    birth_date: date
    dossier_id: str
    titles: list[str]  # newest first
    ins: str = ""  # what a professional types for an emergency access

    def titles_in(self, category: str) -> list[str]:
        return [title for _, cat, title, _ in DOCUMENTS if cat == category]


async def seed_patient(data_dir: Path, serial: int) -> SeededPatient:
    engine = writer_engine(data_dir)
    storage = DiskStorage(data_dir / "files")
    birth = date(1984, 3, 12)
    try:
        async with make_sessionmaker(engine)() as db:
            patient, dossier = await create_patient(
                db, ins=make_ins("F", birth.year, birth.month, serial), given_name="Camille",
                family_name="Martin", birth_date=birth, sex="F",
            )
            for when, category, title, kind in DOCUMENTS:
                filename, mime_type, data = FILES[kind](title)
                await add_document(
                    db, storage, dossier=dossier, title=title, category=category, event_date=when,
                    filename=filename, mime_type=mime_type, data=data, source="Laboratoire de test",
                )
            code = await issue_activation_code(db, patient=patient, issued_by="tests e2e")
            return SeededPatient(code, birth, dossier.id, [title for _, _, title, _ in DOCUMENTS], ins=patient.ins)
    finally:
        await engine.dispose()


# --- professionals, and the rights patients give them -----------------------------------------


@dataclass
class SeededProfessional:
    code: str  # the activation code a registration desk hands out (`carnet professional add`)
    rpps: str
    given_name: str
    family_name: str
    profession: str
    city: str
    professional_id: str

    @property
    def name(self) -> str:
        """As Carnet writes it for a professional who is not a doctor."""
        return f"{self.given_name} {self.family_name}"


async def seed_professional(data_dir: Path, *, given_name: str, family_name: str, profession: str,
                            city: str, feminine: bool = False) -> SeededProfessional:
    """A registered professional and their activation code, as `carnet professional add` makes them."""
    # A random RPPS: other tests in this session register professionals in the same database.
    rpps = rpps_with_key(f"3{secrets.randbelow(10**9):09d}")
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            professional = await create_professional(db, rpps=rpps, given_name=given_name, family_name=family_name,
                                                     profession=profession, city=city, feminine=feminine)
            code = await issue_activation_code(db, professional=professional, issued_by="tests e2e")
            return SeededProfessional(code, rpps, given_name, family_name, profession, city, professional.id)
    finally:
        await engine.dispose()


async def as_patient(db: AsyncSession, patient: SeededPatient) -> tuple[Dossier, Actor]:
    """The dossier, and the patient acting on it, as the Accès page finds them."""
    dossier = await db.get(Dossier, patient.dossier_id)
    account = await account_for_patient(db, patient=await db.get(Patient, dossier.patient_id))
    return await manage_dossier(db, account=account, dossier_id=dossier.id)


async def seed_grant(data_dir: Path, *, patient: SeededPatient, professional: SeededProfessional,
                     categories: str = "", duration: str = "1m") -> None:
    """The patient gives this professional access, as from the Accès page (and logged as such)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier, actor = await as_patient(db, patient)
            pro = await db.get(Professional, professional.professional_id)
            await grant_access(db, dossier=dossier, professional=pro, categories=categories, duration=duration,
                               actor=actor)
    finally:
        await engine.dispose()


async def seed_revocation(data_dir: Path, *, patient: SeededPatient, professional: SeededProfessional) -> None:
    """The patient revokes every grant this professional holds, as from the Accès page."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier, actor = await as_patient(db, patient)
            grants = (await db.exec(select(Grant.id).where(
                Grant.dossier_id == dossier.id, Grant.professional_id == professional.professional_id,
                Grant.revoked_at.is_(None),  # type: ignore[union-attr]
            ))).all()
            for grant_id in grants:
                await revoke_grant(db, dossier=dossier, grant_id=grant_id, actor=actor)
    finally:
        await engine.dispose()


async def seed_reads(data_dir: Path, *, patient: SeededPatient, professional: SeededProfessional, reads: int) -> None:
    """This professional read the dossier `reads` times, each notified (the patient asked to be told of every read)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            pro = await db.get(Professional, professional.professional_id)
            actor = Actor(None, "professional", professional.name, pro.profession, pro.rpps)
            await audit.begin_chained(db)
            dossier = await db.get(Dossier, patient.dossier_id, populate_existing=True)
            dossier.notify_every_access = True
            db.add(dossier)
            for _ in range(reads):
                event = await audit.append(db, dossier_id=dossier.id, action="read_timeline", actor=actor,
                                           right="grant")
                await notify.record(db, dossier=dossier, event=event)
            await audit.commit_chained(db)
    finally:
        await engine.dispose()


# --- the day, as in Paris ---------------------------------------------------------------------


def paris_today() -> date:
    return datetime.now(PARIS).date()


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
