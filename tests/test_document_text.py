"""A PDF is shown as images of its pages; its own text, as written, is on its page too ("Lire le texte du
document"), for a screen reader or a copy (WCAG 1.1.1): kept at upload, extracted once at the first view of a
document added before (migration 0036), erased with the document."""

from __future__ import annotations

import html
import re

from fpdf import FPDF
from sqlmodel import select

from server.files import pages as page_images
from server.models import Document, DocumentText
from tests.conftest import activate, post_form
from tests.test_document_files import NO_FORK_SERVER, blank_pdf, second_browser, stored_pdf
from tests.test_professional_documents import granted, upload

OFFER = "Lire le texte du document"
PRE = re.compile(r'<details class="doc-pdf-text"[^>]*>\s*<summary>([^<]*)</summary>\s*<pre class="doc-text">(.*?)</pre>',
                 re.S)


def report(*lines: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def offered(page: str) -> str | None:
    """The text the page offers under "Lire le texte du document", as a reader gets it; None if it offers none."""
    match = PRE.search(page)
    return html.unescape(match.group(2)) if match and match.group(1) == OFFER else None


async def kept_text(db, document_id: str) -> str | None:
    await db.commit()
    row = await db.get(DocumentText, document_id, populate_existing=True)
    await db.commit()
    return None if row is None else row.text


async def test_a_professional_s_pdf_offers_its_text_as_written_to_the_patient_and_to_its_author(client, db, app, patient):
    await granted(client, db, patient)
    sent = await upload(client, patient.dossier, data=report("Séance de kinésithérapie n° 4", "Douleur lombaire : 3/10.",
                                                             "Poursuivre les exercices <à la maison>."))
    assert sent.status_code in (302, 303)
    [document] = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    await db.commit()
    written = "Séance de kinésithérapie n° 4\nDouleur lombaire : 3/10.\nPoursuivre les exercices <à la maison>."
    author_view = (await client.get(f"/documents/{document.id}")).text
    assert offered(author_view).split() == written.split()
    assert "&lt;à la maison&gt;" in author_view  # escaped, never markup
    her_phone = second_browser(app, client)
    await activate(her_phone, patient)
    page = await her_phone.get(f"/documents/{document.id}")
    assert page.status_code == 200 and f'src="/documents/{document.id}/pages/1"' in page.text
    assert offered(page.text).split() == written.split()
    assert (await kept_text(db, document.id)).split() == written.split()


async def test_a_scan_offers_no_text(client, db, app, patient):
    document = await stored_pdf(db, app, patient.dossier, data=blank_pdf(595, 842))
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert page.status_code == 200 and f'src="/documents/{document.id}/pages/1"' in page.text
    assert OFFER not in page.text and await kept_text(db, document.id) == ""


async def test_a_pdf_added_before_its_text_was_kept_gets_it_at_its_first_view_once(client, db, app, patient, monkeypatch):
    document = await stored_pdf(db, app, patient.dossier, data=report("Ordonnance", "Paracétamol 1 g"))
    assert await kept_text(db, document.id) is None  # what migration 0036 leaves of a document added before it
    await activate(client, patient)
    assert offered((await client.get(f"/documents/{document.id}")).text).split() == ["Ordonnance", "Paracétamol", "1", "g"]
    assert (await kept_text(db, document.id)).split() == ["Ordonnance", "Paracétamol", "1", "g"]
    monkeypatch.setattr(page_images, "FORK_SERVER", NO_FORK_SERVER)  # from now on any extraction would fail
    assert offered((await client.get(f"/documents/{document.id}")).text).split() == ["Ordonnance", "Paracétamol", "1", "g"]


async def test_a_deleted_document_s_text_goes_with_its_file(client, db, app, patient):
    document = await stored_pdf(db, app, patient.dossier, data=report("Compte rendu", "Appendicectomie"))
    await activate(client, patient)
    await client.get(f"/documents/{document.id}")
    assert await kept_text(db, document.id) is not None
    deleted = await post_form(client, f"/documents/{document.id}/suppression", {})
    assert deleted.status_code in (200, 302, 303)
    assert await kept_text(db, document.id) is None
    assert (await client.get(f"/documents/{document.id}")).status_code == 404


async def test_a_pdf_without_its_pages_yet_is_rendered_once_for_its_pages_and_its_text(client, db, app, patient,
                                                                                       monkeypatch):
    """A document filed as the demo files its PDFs (no page images, no text): the first view's render gives both."""
    document = await stored_pdf(db, app, patient.dossier, data=report("Ordonnance", "Paracétamol 1 g"),
                                with_pages=False)
    renders = []
    real = page_images.render_pdf

    async def counted(data, **kwargs):
        renders.append(kwargs)
        return await real(data, **kwargs)
    monkeypatch.setattr(page_images, "render_pdf", counted)
    await activate(client, patient)
    page = (await client.get(f"/documents/{document.id}")).text
    assert offered(page).split() == ["Ordonnance", "Paracétamol", "1", "g"] and f"/documents/{document.id}/pages/1" in page
    assert renders == [{}]  # one render, the pages': not a second for the text
