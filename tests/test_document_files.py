"""Document files: PDFs are shown within hard bounds, storage faults are answered in French and
leave nothing behind, and `carnet files check` holds the store against the database."""

import asyncio
import errno
import hashlib
import html
import io
import logging
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF
from tests.conftest import AsyncTestClient
from PIL import Image
from sqlmodel import select

from server.access import hiding
from server.dossiers import add_document
from server.files import pages as page_images
from server.files.pages import render_pdf
from server.models import Document, DocumentPage
from tests.cli import carnet_in_process
from tests.conftest import ORIGIN, TEST_SECRET, activate, add_text_document, get_csrf, post_form
from tests.test_professional_documents import PATIENT, granted, pdf_bytes, upload, written

PAGE_SHAPE = "trop étroite ou trop allongée pour être affichée"
TOO_MANY_PAGES = "Ce PDF a plus de 100 pages : envoyez-le en plusieurs documents."
TOO_HEAVY = "Ce PDF est trop lourd à afficher."
NOT_SAVED = "Le stockage des documents est momentanément indisponible : rien n'a été enregistré."
NOT_READABLE = "Ce document ne peut pas être lu pour le moment."


def blank_pdf(width_pt: float, height_pt: float, *, pages: int = 1) -> bytes:
    pdf = FPDF(unit="pt", format=(width_pt, height_pt))
    for _ in range(pages):
        pdf.add_page()
    return bytes(pdf.output())


def incompressible_pdf() -> bytes:
    """A one-page PDF of about 120 kB: a photo of noise, which no compression shrinks."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)), x=10, y=10, w=100)
    return bytes(pdf.output())


def solid_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, format="PNG")  # a few kB however many pixels
    return out.getvalue()


def said(response) -> str:
    return html.unescape(response.text)


def store_files(app) -> list[Path]:
    return sorted(p for p in app.state.storage.root.rglob("*") if p.is_file())


def processes_running(marker: str) -> list[int]:
    """Processes whose command line holds `marker` (psutil is not installed: read /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # ended while we looked
    return found


def children_of(parent: int) -> list[int]:
    """Processes whose parent is `parent` (from /proc: field 4 of stat, after the command's parenthesis)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == parent:
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def fork_server(*behaviour: str) -> list[str]:
    """A fork server whose children misbehave as told (tests/render_children.py)."""
    return [sys.executable, "-m", "tests.render_children", *behaviour]


NO_FORK_SERVER = ["false"]  # from now on any render fails: the fork server ends at once


async def stored_pdf(db, app, dossier, *, data: bytes, title="Compte rendu opératoire", with_pages=True) -> Document:
    """A PDF filed through the app's own function; with_pages=False files it as the demo does, without page images."""
    pages = (await render_pdf(data)).pages if with_pages else None
    return await add_document(db, app.state.storage, dossier=dossier, title=title, category="compte_rendu",
                              event_date=date(2025, 1, 15), filename="cr.pdf", mime_type="application/pdf",
                              data=data, pages=pages)


async def page_rows(db, document) -> list[DocumentPage]:
    await db.commit()
    return list((await db.exec(select(DocumentPage).where(DocumentPage.document_id == document.id)
                               .order_by(DocumentPage.number))).all())


# Refusals made before any transaction opens: the engine plays no part in them, so one is enough.
refused_before_the_database = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)


def second_browser(app, client) -> AsyncTestClient:
    """Another person's browser, on the app `client` started."""
    return AsyncTestClient(app, base_url=ORIGIN)


# --- PDFs that cannot be shown within the bounds are refused at upload --------------------------------


@refused_before_the_database
async def test_a_pdf_with_a_needle_thin_page_is_refused_at_upload_and_nothing_is_written(client, db, app, patient):
    await granted(client, db, patient)
    for width, height in [(1, 14_400), (1, 300), (14_400, 1)]:
        response = await upload(client, patient.dossier, data=blank_pdf(width, height))
        assert response.status_code == 400, (width, height)
        assert PAGE_SHAPE in said(response) and "plus de 8 fois plus haute que large" in said(response)
    assert await written(db, app, patient.dossier) == ([], [], [])


@refused_before_the_database
async def test_a_pdf_of_101_pages_is_refused_with_a_french_reason(client, db, app, patient):
    await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=blank_pdf(595, 842, pages=101))
    assert response.status_code == 400 and TOO_MANY_PAGES in said(response)
    assert await written(db, app, patient.dossier) == ([], [], [])


def encrypted_pdf(**passwords: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Compte rendu de consultation")
    pdf.set_encryption(**passwords)
    return bytes(pdf.output())


async def test_a_pdf_locked_by_a_password_is_refused_as_protected_not_damaged(client, db, app, patient):
    await granted(client, db, patient)
    locked = await upload(client, patient.dossier, data=encrypted_pdf(owner_password="cabinet", user_password="1234"))
    assert locked.status_code == 400 and "endommagé" not in said(locked)
    assert ("Ce PDF est protégé par un mot de passe : enregistrez-le de nouveau sans mot de passe, puis réessayez."
            in said(locked))
    # A security handler PDFium does not have (a certificate's, here): protected too, in other words.
    foreign = encrypted_pdf(owner_password="cabinet", user_password="1234").replace(b"/Filter /Standard",
                                                                                    b"/Filter /Adobe.PubSec")
    unknown = await upload(client, patient.dossier, data=foreign)
    assert unknown.status_code == 400
    assert "Ce PDF est protégé d'une façon que Carnet ne sait pas ouvrir" in said(unknown)
    assert await written(db, app, patient.dossier) == ([], [], [])

    # An owner password alone forbids printing or copying, not opening: the PDF is shown and searched as any other.
    accepted = await upload(client, patient.dossier, data=encrypted_pdf(owner_password="cabinet"))
    assert accepted.status_code == 303, said(accepted)
    [document], _, _ = await written(db, app, patient.dossier)
    assert len(await page_rows(db, document)) == 1


@refused_before_the_database
async def test_a_render_past_the_wall_clock_limit_is_killed_and_the_pdf_refused(client, db, app, patient, monkeypatch):
    await granted(client, db, patient)
    marker = f"carnet-stuck-render-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setattr(page_images, "FORK_SERVER", fork_server("sleep", marker))
    monkeypatch.setattr(page_images, "WALL_SECONDS", 0.5)
    started = time.monotonic()
    response = await upload(client, patient.dossier, data=pdf_bytes())
    assert time.monotonic() - started < 10
    assert response.status_code == 400 and TOO_HEAVY in said(response)
    page_images.FORKS.stop()  # the fork server ends; a child left to sleep would not
    deadline = time.monotonic() + 30  # a killed process is gone a moment later, seconds on a loaded machine
    while running := processes_running(marker):
        assert time.monotonic() < deadline, running  # killed and reaped
        await asyncio.sleep(0.05)
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_each_pdf_is_read_in_a_process_of_its_own_and_a_dead_fork_server_is_replaced():
    first = await render_pdf(pdf_bytes("Bilan de kinésithérapie"))
    assert len(first.pages) == 1 and "Bilan de kin" in first.text
    # The text alone (what reading a copy back needs) draws no page, and refuses the same shapes.
    text_only = await render_pdf(pdf_bytes("Ordonnance"), draw=False)
    assert text_only.pages == [] and "Ordonnance" in text_only.text
    with pytest.raises(page_images.Unrenderable, match="plus de 8 fois"):
        await render_pdf(blank_pdf(1, 300), draw=False)
    # The fork server reads no PDF: each child is a process of its own. Killed, it is started again.
    server = page_images.FORKS._process
    assert server is not None and server.poll() is None
    deadline = time.monotonic() + 30  # a child ends just after its answer (seconds after, on a loaded machine)
    while (children := children_of(server.pid)):
        assert time.monotonic() < deadline, children  # every child ends, and is reaped
        await asyncio.sleep(0.05)
    server.kill()
    server.wait()
    assert (await render_pdf(pdf_bytes("Échographie"))).pages
    assert page_images.FORKS._process is not server


@refused_before_the_database
async def test_a_renderer_killed_by_its_limits_refuses_the_pdf_as_too_heavy(client, db, app, patient, monkeypatch):
    await granted(client, db, patient)
    # What the kernel does to a worker past its CPU or memory limit: it dies without a word.
    monkeypatch.setattr(page_images, "FORK_SERVER", fork_server("die"))
    response = await upload(client, patient.dossier, data=pdf_bytes())
    assert response.status_code == 400 and TOO_HEAVY in said(response)
    assert await written(db, app, patient.dossier) == ([], [], [])


@refused_before_the_database
async def test_an_image_over_40_million_pixels_is_refused(client, db, app, patient):
    await granted(client, db, patient)
    too_big = await upload(client, patient.dossier, data=solid_png(8000, 5001), filename="scan.png",
                           content_type="image/png", category="imagerie")
    assert too_big.status_code == 400 and "plus de 40 millions de pixels" in said(too_big)
    assert await written(db, app, patient.dossier) == ([], [], [])
    just_fits = await upload(client, patient.dossier, data=solid_png(8000, 5000), filename="scan.png",
                             content_type="image/png", category="imagerie")
    assert just_fits.status_code == 303


# --- reading page images ------------------------------------------------------------------------------


async def test_reading_a_page_image_never_renders(client, db, app, patient, monkeypatch):
    await granted(client, db, patient)
    assert (await upload(client, patient.dossier, data=pdf_bytes())).status_code == 303
    [document], _, _ = await written(db, app, patient.dossier)
    renders = []

    async def no_render(data):
        renders.append(len(data))
        raise AssertionError("a page was rendered on reading")

    monkeypatch.setattr(page_images, "render_pdf", no_render)
    monkeypatch.setattr(page_images, "FORK_SERVER", NO_FORK_SERVER)
    assert (await client.get(f"/documents/{document.id}")).status_code == 200
    image = await client.get(f"/documents/{document.id}/pages/1")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG") and renders == []
    for number in ("0", "2", "-1", "99999999999999999999", "\u0661", "+1", "01", "1.0", "%201"):  # "١" is 1 elsewhere
        assert (await client.get(f"/documents/{document.id}/pages/{number}")).status_code == 404, number


async def test_a_slow_render_does_not_hold_up_another_persons_page_image(client, db, app, patient, monkeypatch, tmp_path):
    """The reader's browser shares the uploader's server process and event loop: a render that
    blocked the loop, or a lock shared with reads, would stop the read until the render ends."""
    await granted(client, db, patient)
    earlier = await stored_pdf(db, app, patient.dossier, data=pdf_bytes("Bilan de kinésithérapie"))
    reader = second_browser(app, client)
    await activate(reader, patient)
    started, go_on = tmp_path / "render.started", tmp_path / "render.go-on"
    monkeypatch.setattr(page_images, "FORK_SERVER", fork_server("wait", str(tmp_path / "render")))
    token = await get_csrf(client)
    finished = {}

    # Both on the test's event loop, which serves the app as a server's does.
    uploading = asyncio.create_task(client.post(
        f"/dossiers/{patient.dossier.id}/documents/nouveau", follow_redirects=False,
        data={"title": "Échographie", "category": "compte_rendu", "event_date": "2025-02-03", "_csrf_token": token},
        files={"file": ("echo.pdf", pdf_bytes("Échographie"), "application/pdf")}))
    uploading.add_done_callback(lambda _: finished.setdefault("upload", time.monotonic()))
    deadline = time.monotonic() + 30
    while not (started.exists() or uploading.done()) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert started.exists(), "the render never started"
    try:
        image = await asyncio.wait_for(reader.get(f"/documents/{earlier.id}/pages/1"), timeout=15)
        finished["read"] = time.monotonic()
    except TimeoutError:
        image = None
    go_on.touch()
    refused = await uploading
    assert image is not None, "another person's page image waited for the render to end"
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert refused.status_code == 400 and TOO_HEAVY in said(refused)
    assert finished["read"] < finished["upload"]


async def test_a_pdf_filed_without_page_images_gets_them_on_first_view_and_keeps_them(client, db, app, patient, monkeypatch):
    document = await stored_pdf(db, app, patient.dossier, data=pdf_bytes("Ordonnance"), with_pages=False)
    assert await page_rows(db, document) == [] and len(store_files(app)) == 1
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert page.status_code == 200 and f'src="/documents/{document.id}/pages/1"' in page.text
    [row] = await page_rows(db, document)
    assert app.state.storage.exists(row.storage_key) and len(store_files(app)) == 2
    monkeypatch.setattr(page_images, "FORK_SERVER", NO_FORK_SERVER)  # from now on any render would fail
    image = await client.get(f"/documents/{document.id}/pages/1")
    assert image.status_code == 200 and hashlib.sha256(image.content).hexdigest() == row.sha256


async def test_a_stored_pdf_that_cannot_be_shown_offers_its_download_and_its_page_answers_404(client, db, app, patient):
    # Filed before the upload check existed (or by the demo): the 1 × 14,400 pt page that made every view a 500.
    needle = blank_pdf(1, 14_400)
    document = await stored_pdf(db, app, patient.dossier, data=needle, with_pages=False)
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert page.status_code == 200 and "/pages/1" not in page.text
    assert (await client.get(f"/documents/{document.id}/pages/1")).status_code == 404
    assert (await client.get(f"/documents/{document.id}/fichier")).content == needle


# --- reading on a phone: the pages first, sharp at 3 device pixels, one at a time full screen ---------

PHONE_CSS_WIDTH, DEVICE_PIXEL_RATIO = 360, 3


async def test_page_images_have_the_pixels_of_a_phones_full_width_at_three_device_pixels(client, db, app, patient):
    document = await stored_pdf(db, app, patient.dossier, data=blank_pdf(595, 842, pages=2))
    await activate(client, patient)
    for row in await page_rows(db, document):
        image = Image.open(io.BytesIO((await client.get(f"/documents/{document.id}/pages/{row.number}")).content))
        assert image.width == row.width >= PHONE_CSS_WIDTH * DEVICE_PIXEL_RATIO
        assert image.height == row.height and abs(row.height - row.width * 842 / 595) <= 1  # the page's own shape


async def test_the_document_page_shows_its_pages_before_its_actions_and_details(client, db, app, patient):
    document = await stored_pdf(db, app, patient.dossier, data=blank_pdf(595, 842, pages=2))
    await activate(client, patient)
    page = (await client.get(f"/documents/{document.id}")).text
    order = [page.index(mark) for mark in (
        "<h1>", f'src="/documents/{document.id}/pages/1"', f'src="/documents/{document.id}/pages/2"',
        ">Télécharger<", ">Supprimer<", "Masquer aux professionnels", "<dt>Date</dt>", "<dt>Auteur ou source</dt>",
    )]
    assert order == sorted(order)


async def test_each_page_opens_alone_full_screen_and_closes_back_to_its_place(client, db, app, patient):
    document = await stored_pdf(db, app, patient.dossier, data=blank_pdf(595, 842, pages=3))
    await activate(client, patient)
    page = (await client.get(f"/documents/{document.id}")).text
    for number in (1, 2, 3):
        assert f'id="page-{number}" href="/documents/{document.id}/pages/{number}/plein-ecran"' in page
    full_screen = await client.get(f"/documents/{document.id}/pages/2/plein-ecran")
    assert full_screen.status_code == 200
    for shown in (page, full_screen.text):  # the browser's history and tab list keep a page's title
        title = re.search(r"<title>([^<]*)</title>", shown)[1]
        assert document.title not in title and "Document" in title, title
    assert f'<img src="/documents/{document.id}/pages/2" alt="Page 2 sur 3"' in full_screen.text
    # "Fermer" goes back to the document, and the pages replace one another in the history (carnet.js).
    assert f'href="/documents/{document.id}#page-2" data-viewer-close>Fermer</a>' in full_screen.text
    assert f'href="/documents/{document.id}/pages/1/plein-ecran" hx-replace-url="true">Page précédente' in full_screen.text
    assert f'href="/documents/{document.id}/pages/3/plein-ecran" hx-replace-url="true">Page suivante' in full_screen.text
    # The viewport lets the browser zoom: no maximum scale, no user-scalable=no.
    viewport = re.search(r'<meta name="viewport" content="([^"]*)"', full_screen.text).group(1)
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport
    # What enlarges it, said true of a computer too (an outside tester's find: "écartez deux doigts sur la page", on a
    # desktop with a mouse): two fingers on a touch screen or a touchpad zoom in (Chromium on a 1,280 px desktop: a
    # touchpad's pinch zoomed 2.5 times); the browser's zoom (Ctrl +) is not promised: the page, as wide as the window
    # already, grew from 1,200 to 1,280 px and no further.
    hint = html.unescape(re.search(r'<p class="page-viewer-hint[^"]*">([^<]*)</p>', full_screen.text)[1])
    assert hint == "Pour agrandir, écartez deux doigts sur l'écran tactile ou le pavé tactile."
    for number in ("0", "4", "99999999999999999999"):
        assert (await client.get(f"/documents/{document.id}/pages/{number}/plein-ecran")).status_code == 404, number


async def test_pages_rendered_before_at_1000_px_stay_as_they_are_and_are_served(client, db, app, patient, monkeypatch):
    data = blank_pdf(595, 842)
    earlier = page_images.PageImage(1, solid_png(1000, 1415), 1000, 1415)  # what the renderer made until issue 13
    document = await add_document(db, app.state.storage, dossier=patient.dossier, title="Ancien compte rendu",
                                  category="compte_rendu", event_date=date(2024, 1, 15), filename="cr.pdf",
                                  mime_type="application/pdf", data=data, pages=[earlier])
    monkeypatch.setattr(page_images, "FORK_SERVER", NO_FORK_SERVER)  # a view that rendered again would lose its pages
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert 'width="1000" height="1415"' in page.text
    image = await client.get(f"/documents/{document.id}/pages/1")
    assert Image.open(io.BytesIO(image.content)).size == (1000, 1415)
    assert (await client.get(f"/documents/{document.id}/pages/1/plein-ecran")).status_code == 200


# --- storage faults -------------------------------------------------------------------------------


@contextmanager
def mounted(target: Path, *commands: list[str]):
    """Run mount commands over `target` (real faults need root and CAP_SYS_ADMIN), then unmount."""
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            subprocess.run(["umount", str(target)], capture_output=True)
            pytest.skip(f"cannot mount here: {result.stderr.strip()}")
    try:
        yield
    finally:
        if subprocess.run(["umount", str(target)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True)


def read_only(directory: Path):
    # chmod is no test here: the tests run as root, and root writes through any permission bits.
    return mounted(directory, ["mount", "--bind", str(directory), str(directory)],
                   ["mount", "-o", "remount,bind,ro", str(directory)])


def small_disk(directory: Path, size: str):
    return mounted(directory, ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)])


def assert_nothing_saved(response) -> None:
    assert response.status_code == 503, response.text
    assert NOT_SAVED in said(response) and "Réessayez dans quelques minutes." in said(response)


async def test_an_upload_to_a_read_only_store_answers_503_and_the_stored_documents_stay_readable(client, db, app, patient):
    await granted(client, db, patient)
    assert (await upload(client, patient.dossier, data=pdf_bytes(), title="Bilan initial")).status_code == 303
    [earlier], [event], before = await written(db, app, patient.dossier)
    with read_only(app.state.storage.root):
        refused = await upload(client, patient.dossier, data=pdf_bytes("Bilan final"), title="Bilan final")
        assert_nothing_saved(refused)
        assert await written(db, app, patient.dossier) == ([earlier], [event], before)
        assert (await client.get(f"/documents/{earlier.id}/pages/1")).status_code == 200


async def test_an_upload_that_fills_the_disk_mid_file_answers_503_and_leaves_no_temporary_file(
        client, db, app, patient, monkeypatch):
    await granted(client, db, patient)
    data = incompressible_pdf()
    assert len(data) > 100_000
    removed = []
    real_unlink = os.unlink

    def watching_unlink(path, *args, **kwargs):
        if Path(path).name.startswith(".tmp-"):
            removed.append(os.path.getsize(path))
        return real_unlink(path, *args, **kwargs)

    with small_disk(app.state.storage.root, "64k"):
        monkeypatch.setattr("server.files.store.os.unlink", watching_unlink)
        refused = await upload(client, patient.dossier, data=data)
        monkeypatch.undo()
        assert_nothing_saved(refused)
        assert await written(db, app, patient.dossier) == ([], [], [])
    assert len(removed) == 1 and 0 < removed[0] < len(data)  # a half-written temporary file, then removed


async def test_an_upload_to_a_read_only_store_simulated_answers_503(client, db, app, patient, monkeypatch):
    # The same fault as above where mounting is not possible: the OS refuses to create the temporary file.
    await granted(client, db, patient)

    def read_only_fs(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("server.files.store.tempfile.mkstemp", read_only_fs)
    assert_nothing_saved(await upload(client, patient.dossier, data=pdf_bytes()))
    assert await written(db, app, patient.dossier) == ([], [], [])


class FillsUp:
    """A file on a disk that fills after half of what is written to it."""

    def __init__(self, real):
        self.real = real

    def write(self, data):
        self.real.write(data[: len(data) // 2])
        self.real.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


async def test_a_disk_full_mid_file_simulated_answers_503_and_leaves_nothing(client, db, app, patient, monkeypatch):
    """The disk fills during the PDF's write, then during its page image's: both on one dossier and one professional
    (a refusal leaves nothing, so the second meets what the first did), each said."""
    await granted(client, db, patient)
    real_fdopen, wrong = os.fdopen, []
    for failing_write, what in ((1, "the PDF"), (2, "its page image")):
        writes = []

        def fdopen(fd, *args, writes=writes, failing_write=failing_write, **kwargs):
            writes.append(fd)
            file = real_fdopen(fd, *args, **kwargs)
            return FillsUp(file) if len(writes) == failing_write else file

        monkeypatch.setattr("server.files.store.os.fdopen", fdopen)
        refused = await upload(client, patient.dossier, data=pdf_bytes())
        monkeypatch.undo()
        left = await written(db, app, patient.dossier)
        if not (refused.status_code == 503 and NOT_SAVED in said(refused)
                and "Réessayez dans quelques minutes." in said(refused)
                and len(writes) == failing_write and left == ([], [], [])):
            wrong.append((what, refused.status_code, said(refused), len(writes), left))
    assert wrong == []


async def test_a_page_image_or_file_that_cannot_be_read_answers_the_french_503(client, db, app, patient, monkeypatch):
    document = await stored_pdf(db, app, patient.dossier, data=pdf_bytes())
    await activate(client, patient)
    root, real_read_bytes = app.state.storage.root, Path.read_bytes

    def failing_disk(path):
        if root in path.parents:
            raise OSError(errno.EIO, "Input/output error")
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", failing_disk)
    for url in (f"/documents/{document.id}/pages/1", f"/documents/{document.id}/fichier"):
        response = await client.get(url)
        assert response.status_code == 503, url
        assert NOT_READABLE in said(response) and str(root) not in said(response)


async def test_a_file_a_restore_lost_or_damaged_is_said_to_the_reader_and_logged_for_the_operator(
        client, db, app, patient, caplog):
    """An operator's probe: a backup restored without one of its files answered "Page introuvable" for a document the
    timeline lists, and logged nothing but the request: no one knew to restore it."""
    lost = await add_text_document(db, app, patient.dossier, title="Compte rendu de coloscopie")
    damaged = await add_text_document(db, app, patient.dossier, title="Lettre du cardiologue")
    path_of(app.state.storage, lost.storage_key).unlink()
    path_of(app.state.storage, damaged.storage_key).write_bytes(b"something else entirely")
    await activate(client, patient)
    errors_log = logging.getLogger("carnet.errors")  # Carnet's loggers do not propagate to caplog's (app.py)
    errors_log.addHandler(caplog.handler)
    try:
        answers = [await client.get(f"/documents/{document.id}/fichier") for document in (lost, damaged)]
    finally:
        errors_log.removeHandler(caplog.handler)
    for answer in answers:
        assert answer.status_code == 503 and NOT_READABLE in said(answer)
    # Once each, whether the record reached caplog through the handler added or through the root logger's.
    logged = list(dict.fromkeys((r.created, r.getMessage()) for r in caplog.records if r.name == "carnet.errors"))
    assert [message for _, message in logged] == [f"document file {what} on GET /documents/{document.id}/fichier: `carnet files check` names it; "
                      "restore it from a backup" for what, document in (("missing", lost), ("damaged", damaged))]


# --- deleting a document ---------------------------------------------------------------------


async def test_deleting_a_document_erases_its_files_only_when_no_other_live_document_holds_them(client, db, app, patient):
    data = pdf_bytes("Compte rendu de consultation")
    first = await stored_pdf(db, app, patient.dossier, data=data, title="Consultation")
    second = await stored_pdf(db, app, patient.dossier, data=data, title="Consultation (copie)")
    other = await stored_pdf(db, app, patient.dossier, data=pdf_bytes("Autre chose"), title="Autre")
    files = store_files(app)
    assert len(files) == 4  # one PDF and one page image per distinct content
    await activate(client, patient)
    assert (await post_form(client, f"/documents/{first.id}/suppression", {}, follow_redirects=False)).status_code == 303
    assert store_files(app) == files  # the copy still holds the same PDF and page image
    assert (await client.get(f"/documents/{second.id}/pages/1")).status_code == 200
    assert (await post_form(client, f"/documents/{second.id}/suppression", {}, follow_redirects=False)).status_code == 303
    other_keys = {other.storage_key, *(p.storage_key for p in await page_rows(db, other))}
    assert {p.name for p in store_files(app)} == other_keys


# --- carnet files check -----------------------------------------------------------------------


def path_of(storage, key: str) -> Path:
    return storage.root / key[:2] / key


def carnet_files_check(settings, *args):
    env = {"CARNET_ENV": "test", "CARNET_SECRET": TEST_SECRET, "CARNET_DATA_DIR": str(settings.data_dir),
           "DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    return carnet_in_process(env, "files", "check", *args)


async def test_files_check_names_missing_and_damaged_files_and_repair_removes_only_what_nothing_holds(
        db, app, settings, patient):
    storage = app.state.storage
    kept = await add_text_document(db, app, patient.dossier, title="Analyse de sang")
    lost = await add_text_document(db, app, patient.dossier, title="Radio du genou")
    damaged = await add_text_document(db, app, patient.dossier, title="Lettre du cardiologue")
    deleted = await add_text_document(db, app, patient.dossier, title="Brouillon")
    deleted_key = deleted.storage_key  # its row forgets it
    await hiding.delete_document(db, document=deleted, actor=PATIENT)  # as if killed before its file was erased
    stray_bytes = b"bytes no row holds"
    stray_key = hashlib.sha256(stray_bytes).hexdigest()
    (storage.root / stray_key[:2]).mkdir(exist_ok=True)
    (storage.root / stray_key[:2] / stray_key).write_bytes(stray_bytes)
    beside_kept = path_of(storage, kept.storage_key).parent
    old_tmp, fresh_tmp = beside_kept / ".tmp-old1", beside_kept / ".tmp-new1"
    old_tmp.write_bytes(b"half a PDF")
    fresh_tmp.write_bytes(b"a PDF being written")
    os.utime(old_tmp, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    lost_path, damaged_path = path_of(storage, lost.storage_key), path_of(storage, damaged.storage_key)
    lost_bytes, damaged_bytes = lost_path.read_bytes(), damaged_path.read_bytes()
    lost_path.unlink()
    damaged_path.write_bytes(b"something else entirely")
    await db.commit()

    check = carnet_files_check(settings)
    assert check.returncode == 1, check.stderr
    assert f"Manquant : {lost.storage_key} (document {lost.id})" in check.stdout
    assert f"Endommagé : {damaged.storage_key}" in check.stdout
    assert "3 fichier(s) inutile(s)" in check.stdout  # the deleted document's file, the stray one, the old temporary file
    assert not any(title in check.stdout for title in ("Radio du genou", "Lettre du cardiologue", "Brouillon"))
    assert storage.exists(stray_key) and old_tmp.exists()  # a check alone removes nothing

    repair = carnet_files_check(settings, "--repair")
    assert repair.returncode == 1 and "3 fichier(s) inutile(s) supprimé(s)." in repair.stdout, repair.stdout + repair.stderr
    assert not storage.exists(stray_key) and not storage.exists(deleted_key) and not old_tmp.exists()
    assert fresh_tmp.exists() and storage.exists(kept.storage_key) and damaged_path.exists()

    lost_path.write_bytes(lost_bytes)  # restored from a backup
    damaged_path.write_bytes(damaged_bytes)
    healthy = carnet_files_check(settings)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "Chaque document a ses fichiers, intacts." in healthy.stdout and "inutile" not in healthy.stdout
