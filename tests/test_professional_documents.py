"""A professional adds a document to a dossier they may write to, and remains its author."""

import html
import io
from datetime import date, datetime, timedelta

from fpdf import FPDF
from PIL import Image
from sqlmodel import select

from server.access import closing, emergencies, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.dossiers import MAX_DOCUMENT_BYTES
from server.models import AccessEvent, Document, Grant
from server.templating import PARIS
from tests.conftest import activate, activate_professional, get_csrf, new_patient, new_professional, wrong_fields

PATIENT = Actor(None, "patient", "Le patient")


def pdf_bytes(text: str = "Compte rendu de consultation") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def url(dossier) -> str:
    return f"/dossiers/{dossier.id}/documents/nouveau"


async def upload(client, dossier, *, data: bytes, filename="compte-rendu.pdf", content_type="application/pdf",
                 title="Compte rendu de séance", category="compte_rendu", event_date="2025-02-03", csrf=True):
    fields = {"title": title, "category": category, "event_date": event_date}
    if csrf:
        fields["_csrf_token"] = await get_csrf(client)
    return await client.post(url(dossier), data=fields, files={"file": (filename, data, content_type)},
                             follow_redirects=False)


async def granted(client, db, patient, **kwargs):
    """A professional signed in on `client` with a grant on the patient's dossier."""
    pro = await new_professional(db, **kwargs)
    await activate_professional(client, pro)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="", duration="sans",
                              actor=PATIENT)
    return pro


async def written(db, app, dossier) -> tuple[list, list, list]:
    """The documents, the "add_document" events and the stored files, as committed."""
    await db.commit()
    documents = (await db.exec(select(Document).where(Document.dossier_id == dossier.id))).all()
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier.id,
                                                      AccessEvent.action == "add_document"))).all()
    files = [p for p in app.state.storage.root.rglob("*") if p.is_file()]
    return list(documents), list(events), files


async def test_a_granted_professional_adds_a_pdf_and_remains_its_author(client, db, app, patient):
    pro = await granted(client, db, patient)
    form = await client.get(url(patient.dossier))
    assert form.status_code == 200 and "Camille Martin" in form.text and 'enctype="multipart/form-data"' in form.text
    response = await upload(client, patient.dossier, data=pdf_bytes(), filename="C:\\Scans\\séance 3.pdf")
    assert response.status_code == 303, response.text
    documents, events, files = await written(db, app, patient.dossier)
    [document] = documents
    assert response.headers["location"] == f"/documents/{document.id}?fait=document-ajoute"
    assert (document.author_professional_id, document.mime_type, document.filename) == (
        pro.professional.id, "application/pdf", "séance 3.pdf")
    assert (document.title, document.category, document.event_date) == ("Compte rendu de séance", "compte_rendu", date(2025, 2, 3))
    assert len(events) == 1 and events[0].document_id == document.id and events[0].right == "grant"
    assert events[0].actor_rpps == pro.rpps and len(files) == 2  # the PDF and the image of its one page
    page = await client.get(f"/documents/{document.id}")
    assert page.status_code == 200 and "Compte rendu de séance" in page.text
    image = await client.get(f"/documents/{document.id}/pages/1")
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")


async def test_the_form_says_whose_dossier_with_de_elided_before_a_vowel(client, db):
    ines = await new_patient(db, given_name="Inès", family_name="Roux")
    await granted(client, db, ines)
    form = await client.get(url(ines.dossier))
    assert "Au dossier d'<strong>Inès Roux</strong>. Vous en serez" in html.unescape(form.text)


async def test_the_forms_hints_say_patiente_of_a_woman_and_patient_of_a_man(client, db):
    """An outside probe's find: the hint under "Masquer aux autres soignants" said "votre patient … il" of Camille."""
    camille = await new_patient(db)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", sex="M", serial=2)
    nurse = await granted(client, db, camille, profession="infirmier")
    await grants.grant_access(db, dossier=hugo.dossier, professional=nurse.professional, categories="", duration="sans",
                              actor=PATIENT)

    async def forms(patient) -> str:
        file_form = await client.get(url(patient.dossier))
        note_form = await client.get(f"/dossiers/{patient.dossier.id}/documents/nouvelle-note")
        return html.unescape(file_form.text + note_form.text)

    hers, his = await forms(camille), await forms(hugo)
    assert "À la demande de votre patiente (un suivi psychiatrique, une addiction…) : ni les professionnels à qui elle " \
           "a donné accès" in hers and "votre patiente pourra le montrer de nouveau" in hers
    assert "La patiente la lira dans son dossier." in hers and "votre patient " not in hers
    assert "À la demande de votre patient (un suivi psychiatrique, une addiction…) : ni les professionnels à qui il " \
           "a donné accès" in his and "Le patient la lira dans son dossier." in his and "patiente" not in his


async def test_a_png_is_accepted_whatever_the_browser_claims(client, db, app, patient):
    await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=png_bytes(), filename="radio", content_type="application/octet-stream",
                            category="imagerie")
    assert response.status_code == 303, response.text
    [document], _, _ = await written(db, app, patient.dossier)
    assert (document.mime_type, document.filename) == ("image/png", "radio.png")


async def test_a_file_that_is_not_really_a_pdf_is_refused_and_nothing_is_written(client, db, app, patient):
    await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=b"MZ\x90\x00 not a pdf at all", filename="ordonnance.pdf")
    assert response.status_code == 400
    assert "Seuls les fichiers PDF, PNG et JPEG sont acceptés." in response.text
    assert wrong_fields(response.text) == ["file"] and 'aria-describedby="form-error file-hint"' in response.text
    assert 'value="Compte rendu de séance"' in response.text  # the form keeps what was typed
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_damaged_pdf_is_refused(client, db, app, patient):
    await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=b"%PDF-1.7\n" + b"\x00" * 200)
    assert response.status_code == 400
    assert "endommagé ou illisible" in response.text
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_file_over_20_mb_is_refused(client, db, app, patient):
    await granted(client, db, patient)
    too_big = pdf_bytes() + b"\x00" * (MAX_DOCUMENT_BYTES)
    response = await upload(client, patient.dossier, data=too_big)
    assert response.status_code == 400
    assert "dépasse 20 Mo" in response.text
    far_too_big = await upload(client, patient.dossier, data=b"%PDF-" + b"\x00" * (MAX_DOCUMENT_BYTES + 2 * 1024 * 1024))
    assert far_too_big.status_code == 413
    assert "un document fait 20 Mo au plus" in far_too_big.text and MAX_DOCUMENT_BYTES == 20 * 1024 * 1024
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_document_cannot_be_dated_in_the_future(client, db, app, patient):
    await granted(client, db, patient)
    tomorrow = (datetime.now(PARIS).date() + timedelta(days=1)).isoformat()
    response = await upload(client, patient.dossier, data=pdf_bytes(), event_date=tomorrow)
    assert response.status_code == 400
    assert "dans le futur" in response.text
    # Her file is not sent again by the browser: the refused form says to choose it again (an outside probe's find).
    assert "Choisissez de nouveau le fichier : un formulaire refusé ne le garde pas." in response.text
    today = datetime.now(PARIS).date().isoformat()
    assert (await upload(client, patient.dossier, data=pdf_bytes(), event_date=today)).status_code == 303


async def test_title_category_and_date_are_required_and_the_missing_one_is_marked(client, db, app, patient):
    await granted(client, db, patient)
    for fields, message in [({"title": ""}, "Donnez un titre"), ({"category": "note_patient"}, "Choisissez une catégorie"),
                            ({"event_date": "31/02/2024"}, "La date du document n&#39;est pas valide"),
                            ({"event_date": ""}, "Indiquez la date")]:
        response = await upload(client, patient.dossier, data=pdf_bytes(), **fields)
        assert response.status_code == 400 and message in response.text
        assert wrong_fields(response.text) == list(fields), fields
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_an_upload_without_the_csrf_token_is_refused(client, db, app, patient):
    await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=pdf_bytes(), csrf=False)
    assert response.status_code == 403
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_professional_without_a_right_gets_404_even_with_bad_input(client, db, app, patient):
    stranger = await new_professional(db)
    await activate_professional(client, stranger)
    assert (await client.get(url(patient.dossier))).status_code == 404
    for data in (pdf_bytes(), b"not a pdf"):
        assert (await upload(client, patient.dossier, data=data)).status_code == 404
    assert (await client.get("/dossiers/0123456789abcdef0123456789abcdef/documents/nouveau")).status_code == 404
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_revoked_grant_stops_the_next_upload(client, db, app, patient):
    pro = await granted(client, db, patient)
    assert (await client.get(url(patient.dossier))).status_code == 200
    await db.commit()
    grant = (await db.exec(select(Grant).where(Grant.professional_id == pro.professional.id))).one()
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=PATIENT)
    assert (await upload(client, patient.dossier, data=pdf_bytes())).status_code == 403  # told her access ended
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_after_a_revocation_the_author_reads_their_document_and_is_sent_back_to_their_documents(client, db,
                                                                                                      app, patient):
    pro = await granted(client, db, patient)
    added = await upload(client, patient.dossier, data=pdf_bytes())
    document_url = added.headers["location"]
    await db.commit()
    grant = (await db.exec(select(Grant).where(Grant.professional_id == pro.professional.id))).one()
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=PATIENT)
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 403  # told it ended
    page = await client.get(document_url)
    assert page.status_code == 200  # as the author
    mine = f"/pro/dossiers/{patient.dossier.id}/mes-documents"
    assert f'class="back-link" href="{mine}"' in page.text and f'href="/dossiers/{patient.dossier.id}"' not in page.text


async def test_a_closed_dossier_takes_no_new_document(client, db, app, patient):
    await granted(client, db, patient)
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=PATIENT)
    assert (await upload(client, patient.dossier, data=pdf_bytes())).status_code == 403  # told her access ended


async def test_the_medecin_traitant_and_an_emergency_may_write_too(client, db, app, patient):
    doctor = await new_professional(db, profession="médecin")
    await activate_professional(client, doctor)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=PATIENT)
    assert (await upload(client, patient.dossier, data=pdf_bytes())).status_code == 303
    client.cookies.clear()
    rescuer = await new_professional(db, stem=2, given_name="Paul", family_name="Girard", profession="infirmier")
    await activate_professional(client, rescuer)
    account = await account_for_professional(db, professional=rescuer.professional)
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=rescuer.professional,
                                reason="Malaise à domicile, patiente confuse", actor=Actor.professional(account, rescuer.professional))
    assert (await upload(client, patient.dossier, data=png_bytes(), filename="plaie.png", category="imagerie")).status_code == 303
    _, events, _ = await written(db, app, patient.dossier)
    assert sorted(e.right for e in events) == ["emergency", "medecin_traitant"]


async def test_the_patient_does_not_reach_the_professional_upload(client, db, patient):
    await activate(client, patient)
    assert (await client.get(url(patient.dossier))).status_code == 404


async def test_an_empty_file_is_said_empty_not_asked_for_as_if_none_was_chosen(client, db, app, patient):
    """A file of no byte (a scan that failed, a download cut short) was refused with "Choisissez un fichier", though one
    was chosen (an outside probe's find); no file at all still is asked for."""
    await granted(client, db, patient)
    empty = await upload(client, patient.dossier, data=b"", filename="scan.pdf")
    assert empty.status_code == 400 and "Ce fichier est vide : choisissez-en un autre." in empty.text
    assert wrong_fields(empty.text) == ["file"]
    none = await upload(client, patient.dossier, data=b"", filename="")
    assert none.status_code == 400 and "Choisissez un fichier PDF, PNG ou JPEG." in none.text
    assert await written(db, app, patient.dossier) == ([], [], [])
