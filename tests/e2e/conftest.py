"""End-to-end fixtures: one real server, seeded through the app's own functions, and one Chromium.

Each test gets a phone-sized page with a virtual authenticator (WebAuthn over CDP),
and fails if the page logged an error (a CSP violation, a failed request, an exception).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, CDPSession, Page, expect, sync_playwright

from server.accounts import issue_activation_code
from server.db import make_engine, make_sessionmaker
from server.dossiers import add_document, create_patient
from server.storage import DiskStorage
from tests.conftest import make_ins

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONE = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2, "locale": "fr-FR"}

expect.set_options(timeout=10_000)

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
class Server:
    url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class SeededPatient:
    code: str
    birth_date: date
    dossier_id: str
    titles: list[str]  # newest first
    documents: list[tuple[date, str, str, str]] = field(default_factory=lambda: list(DOCUMENTS))

    def titles_in(self, category: str) -> list[str]:
        return [title for _, cat, title, _ in self.documents if cat == category]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"The server exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/sante", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"The server did not answer /sante within {timeout} s:\n{server.log_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    data_dir = tmp_path_factory.mktemp("carnet-e2e")
    port = free_port()
    url = f"http://localhost:{port}"  # WebAuthn refuses the RP ID "localhost" on 127.0.0.1
    env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data_dir), "CARNET_ORIGIN": url}
    env.pop("DATABASE_URL", None)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from server.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    running = Server(url, data_dir, log, process)
    try:
        wait_until_healthy(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed e2e test shows the end of the server's log next to its traceback."""
    outcome = yield
    report = outcome.get_result()
    running = item.funcargs.get("server") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(running, Server):
        report.sections.append(("carnet server log (last 60 lines)", "\n".join(running.log_text().splitlines()[-60:])))


_serials = itertools.count(1)


async def _seed(data_dir: Path, serial: int) -> SeededPatient:
    engine = make_engine(f"sqlite+aiosqlite:///{data_dir / 'carnet.sqlite3'}")
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
            return SeededPatient(code, birth, dossier.id, [title for _, _, title, _ in DOCUMENTS])
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def seed(server):
    """Make a new patient, with 30 documents, in the server's own database; return who they are."""

    def make() -> SeededPatient:
        # Sync Playwright marks its own event loop as running in this thread between calls,
        # so asyncio.run() gets a thread of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, _seed(server.data_dir, next(_serials))).result()

    return make


# Package scope, not session: sync Playwright leaves its loop marked as running in the
# main thread until it stops, which would break the async tests that run after these.
@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Authenticators:
    """The phone's platform authenticators, seen through the DevTools WebAuthn domain."""

    def __init__(self, cdp: CDPSession) -> None:
        self.cdp = cdp
        cdp.send("WebAuthn.enable")
        self.first = self.add()

    def add(self) -> str:
        options = {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True,
        }
        return self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]

    def credentials(self, authenticator_id: str | None = None) -> list[dict]:
        found = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id or self.first})
        return found["credentials"]

    def answers(self, authenticator_id: str, yes: bool) -> None:
        """Whether this authenticator answers at once, as if its user touched it."""
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": authenticator_id, "enabled": yes}
        )

    def remove(self, authenticator_id: str) -> None:
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator_id})


class ConsoleErrors(list):
    """Errors the page logged (CSP violations, failed loads, exceptions), minus the expected ones."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self if not any(a in e for a in self.allowed)]


@pytest.fixture
def console() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def context(browser, server) -> BrowserContext:
    context = browser.new_context(base_url=server.url, **PHONE)
    yield context
    context.close()


@pytest.fixture
def page(context, console) -> Page:
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    yield page
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


@pytest.fixture
def authenticators(context, page) -> Authenticators:
    """A virtual authenticator on the page, attached before its first navigation."""
    return Authenticators(context.new_cdp_session(page))
