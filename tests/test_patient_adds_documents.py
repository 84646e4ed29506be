"""The patient, or a relative who manages the dossier, adds a document from the timeline (as Mon espace santé lets
its patients): a photo or a PDF, checked by its bytes as a professional's upload is, or a typed note. Each refusal
writes nothing; anyone else gets the 404 of a missing dossier; the Historique, the timeline, the document's page,
the copy of the dossier and the FHIR API say who added it, and the one rule says who reads it."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date, datetime, timedelta

import pypdfium2
import pytest
from PIL import Image
from sqlmodel import select

from server.access import grants, scopes
from server.auth.accounts import account_for_patient, account_for_professional
from server.dossiers import MAX_DOCUMENT_BYTES
from server.fhir.identity import unqualified_ins
from server.models import AccessEvent, Delegation, Document, Notification
from server.templating import PARIS
from tests.conftest import ORIGIN, AsyncTestClient, get_csrf, new_patient, new_professional, wrong_fields, without_csrf
from tests.patient_helpers import CAMILLE, MISSING
from tests.caregiver_helpers import as_account
from tests.export_helpers import downloaded, resources_of
from tests.test_fhir_api import practice  # noqa: F401 - a fixture: Dr Bernard's software, with a grant of everything
from tests.test_professional_documents import pdf_bytes, written

NO_FILE = ("", b"", "application/octet-stream")  # what a browser sends when no file was chosen


def jpeg_bytes() -> bytes:
    """A phone's photo of a paper prescription, small."""
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (240, 236, 220)).save(out, format="JPEG")
    return out.getvalue()


def words(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text)).replace("\u00a0", " ").replace("\u202f", " ")


async def add(client, dossier_id: str, *, title="Ordonnance du Dr Petit", category="ordonnance",
              event_date="2025-02-03", file=NO_FILE, note="", csrf=True):
    fields = {"title": title, "category": category, "event_date": event_date, "note": note}
    if csrf:
        fields["_csrf_token"] = await get_csrf(client)
    return await client.post(f"/dossiers/{dossier_id}/ajouter", data=fields, files={"file": file},
                             follow_redirects=False)


@pytest.fixture
async def camille(client, db, patient):
    """Camille, signed in on `client`."""
    account = await account_for_patient(db, patient=patient.patient)
    await as_account(client, db, account)
    return account


async def relative(db, patient, *, manages: bool):
    """Paul, her husband, who manages her dossier (or only reads it): his account."""
    paul = await new_patient(db, given_name="Paul", family_name="Martin", birth=date(1982, 11, 5), serial=5, sex="M")
    account = await account_for_patient(db, patient=paul.patient)
    db.add(Delegation(dossier_id=patient.dossier.id, caregiver_account_id=account.id, relationship="proche",
                      can_manage=manages))
    await db.commit()
    return account


async def test_the_patient_adds_a_photo_from_the_timeline_and_lands_on_its_page(client, db, app, patient, camille):
    dossier = f"/dossiers/{patient.dossier.id}"
    timeline = await client.get(dossier)
    assert f'href="{dossier}/ajouter"' in timeline.text and "Ajouter<span class=\"visually-hidden\"> un document</span>" in timeline.text
    form = await client.get(f"{dossier}/ajouter")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    assert 'enctype="multipart/form-data"' in form.text and 'accept="application/pdf,image/jpeg,image/png' in form.text
    assert '<option value="note_patient" selected>' in form.text and 'value="remboursement"' not in form.text

    answer = await add(client, patient.dossier.id, file=("IMG_2041.JPG", jpeg_bytes(), "image/jpeg"))
    assert answer.status_code == 303, answer.text
    documents, events, files = await written(db, app, patient.dossier)
    [document] = documents
    assert answer.headers["location"] == f"/documents/{document.id}?fait=document-ajoute"
    assert (document.mime_type, document.filename, document.category, document.event_date) == (
        "image/jpeg", "IMG_2041.JPG", "ordonnance", date(2025, 2, 3))
    assert document.author_professional_id is None and document.added_by_account_id == camille.id
    assert len(files) == 2  # the photo, and its copy sized for a screen (files/screen.py)
    [event] = events
    assert (event.actor_kind, event.document_id, event.on_behalf_of) == ("patient", document.id, "")
    assert (await db.exec(select(Notification))).all() == []  # her own doing is no news to her

    page = words(await client.get(answer.headers["location"]))
    assert "Le document est ajouté au dossier." in page and "Auteur ou sourceVous" in page
    assert "Vous · 3 février 2025" in words(await client.get(dossier))
    log = words(await client.get(f"{dossier}/historique"))
    assert "Vous avez ajouté « Ordonnance du Dr Petit » à votre dossier" in log


async def test_a_typed_note_is_filed_as_text_and_read_on_its_page(client, db, app, patient, camille):
    note = "Tension le matin : 13/8.\n\nÀ demander : faut-il continuer le traitement ?"
    answer = await add(client, patient.dossier.id, title="Tension 03/2025", category="note_patient", note=note)
    assert answer.status_code == 303, answer.text
    [document], [event], _files = await written(db, app, patient.dossier)
    assert (document.mime_type, document.filename, event.action) == (
        "text/plain", "2025-02-03-tension-03-2025.txt", "add_document")
    page = await client.get(answer.headers["location"])
    assert html.escape(note, quote=False).replace("'", "&#39;") in page.text
    assert (await client.get(f"/documents/{document.id}/fichier")).content == note.encode()


async def test_a_form_sent_without_its_csrf_token_is_refused(client, db, app, patient, camille):
    answer = await add(client, patient.dossier.id, note="Une note", csrf=False)
    assert answer.status_code == 403
    assert await written(db, app, patient.dossier) == ([], [], [])
    assert (await add(client, patient.dossier.id, note="Une note")).status_code == 303  # the same, with its token


# Two days on, not one: made when the tests are collected, a day on is today for a test run after Paris's midnight.
IN_THE_FUTURE = (datetime.now(PARIS).date() + timedelta(days=2)).isoformat()
REFUSALS = {
    "neither a file nor a note": ({}, "Joignez un fichier ou écrivez une note.", ["file", "note"]),
    "both": ({"file": ("scan.pdf", pdf_bytes(), "application/pdf"), "note": "Et une note"},
             "Joignez un fichier ou écrivez une note, pas les deux.", ["file", "note"]),
    "bytes that are no image": ({"file": ("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")},
                                "Seuls les fichiers PDF, PNG et JPEG sont acceptés.", ["file"]),
    "over 20 Mo": ({"file": ("scan.pdf", pdf_bytes() + b"\0" * MAX_DOCUMENT_BYTES, "application/pdf")},
                   "Le fichier dépasse 20 Mo.", ["file"]),
    "in the future": ({"event_date": IN_THE_FUTURE, "note": "Rendez-vous"}, "ne peut pas être dans le futur", ["event_date"]),
    "before her birth": ({"event_date": "1983-12-31", "note": "Souvenir"},  # not "du patient", to Camille herself
                         "La date du document ne peut pas précéder la naissance.", ["event_date"]),
    # Typed but no day of the calendar: said to be no valid date, not asked for as if empty.
    "a date that does not exist": ({"event_date": "31/02/2025", "note": "Note"},
                                   "La date du document n'est pas valide (JJ/MM/AAAA).", ["event_date"]),
    "no date": ({"event_date": " ", "note": "Note"}, "Indiquez la date du document (JJ/MM/AAAA).", ["event_date"]),
    "an unknown category": ({"category": "autre", "note": "Note"}, "Choisissez une catégorie.", ["category"]),
    "the insurer's statements": ({"category": "remboursement", "note": "Note"}, "Choisissez une catégorie.",
                                 ["category"]),
    "no title": ({"title": " \u200b ", "note": "Note"}, "Donnez un titre au document", ["title"]),
    "a note too long": ({"note": "a" * 20_001}, "La note doit faire 20 000 caractères au plus : raccourcissez-la.", ["note"]),
}


@pytest.mark.parametrize("case", REFUSALS)
async def test_each_refusal_says_why_in_french_and_writes_nothing(client, db, app, patient, camille, case):
    fields, message, wrong = REFUSALS[case]
    answer = await add(client, patient.dossier.id, **{"title": "Ordonnance du Dr Petit", **fields})
    assert answer.status_code == 400, answer.text
    assert message in words(answer) and wrong_fields(answer.text) == wrong
    if "title" not in fields:
        assert 'value="Ordonnance du Dr Petit"' in answer.text  # what was typed is kept
    # A typed note is kept in its field: only a chosen file is to be chosen again (a browser sends none back).
    again = "Choisissez de nouveau le fichier" in words(answer)
    assert again == ("note" not in fields or not fields["note"]), case
    assert await written(db, app, patient.dossier) == ([], [], [])


async def professional_with_a_grant(db, patient, *, categories: str = ""):
    pro = await new_professional(db, given_name="Julien", family_name="Petit", profession="médecin", stem=3)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories=categories,
                              duration="sans", actor=CAMILLE)
    return await account_for_professional(db, professional=pro.professional)


@pytest.mark.parametrize("who", ["a relative who only reads", "a professional with a grant", "another patient"])
async def test_anyone_but_a_manager_is_refused_as_for_a_missing_dossier_a_reader_as_one(client, db, app, patient, who):
    if who == "a relative who only reads":
        account = await relative(db, patient, manages=False)
    elif who == "a professional with a grant":
        account = await professional_with_a_grant(db, patient)
    else:
        other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 7, 23), serial=9, sex="M")
        account = await account_for_patient(db, patient=other.patient)
    dossier_id = patient.dossier.id
    async with AsyncTestClient(app, base_url=ORIGIN) as her_phone:  # the same address opens to her
        await as_account(her_phone, db, await account_for_patient(db, patient=patient.patient))
        assert (await her_phone.get(f"/dossiers/{dossier_id}/ajouter")).status_code == 200
    await as_account(client, db, account)
    form, missing = await client.get(f"/dossiers/{dossier_id}/ajouter"), await client.get(f"/dossiers/{MISSING}/ajouter")
    sent, missing_sent = await add(client, dossier_id, note="Une note"), await add(client, MISSING, note="Une note")
    if who == "a relative who only reads":  # she reads the dossier: told her rights do not reach this (the one rule)
        assert form.status_code == 403 and "Vous pouvez le lire, mais pas le gérer." in words(form)
        assert sent.status_code == 403
        assert "Rien n'a été fait : vous pouvez lire le dossier de Camille Martin, mais pas le gérer." in words(sent)
    else:
        assert form.status_code == missing.status_code == 404 and without_csrf(form.text) == without_csrf(missing.text)
        assert sent.status_code == missing_sent.status_code == 404
        assert without_csrf(sent.text) == without_csrf(missing_sent.text)
    refused = await add(client, dossier_id, event_date="1900-01-01", file=("x.pdf", b"MZ", "application/pdf"))
    # Neither tells the birth date nor reads. The year as a number of its own: the digits 1900 turn up in the page's
    # random ids (hex) by chance, in about one run of the three refusals in a hundred.
    assert refused.status_code in (403, 404) and not re.search(r"\b1900\b", without_csrf(refused.text))
    timeline = await client.get(f"/dossiers/{dossier_id}")
    assert f"/dossiers/{dossier_id}/ajouter" not in timeline.text
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_relative_who_manages_adds_for_the_patient_who_is_told_who_did(client, db, app, patient):
    paul = await relative(db, patient, manages=True)
    async with AsyncTestClient(app, base_url=ORIGIN) as his_phone:
        await as_account(his_phone, db, paul)
        assert f"/dossiers/{patient.dossier.id}/ajouter" in (await his_phone.get(f"/dossiers/{patient.dossier.id}")).text
        answer = await add(his_phone, patient.dossier.id, title="Questions pour le cardiologue",
                           category="note_patient", note="Les palpitations reviennent le soir.")
        assert answer.status_code == 303, answer.text
        assert "Auteur ou sourceVous" in words(await his_phone.get(answer.headers["location"]))
    [document], [event], _ = await written(db, app, patient.dossier)
    assert (document.added_by_account_id, event.actor_kind, event.actor_name, event.on_behalf_of) == (
        paul.id, "caregiver", "Paul Martin", "Camille Martin")
    assert [n.event_id for n in (await db.exec(select(Notification))).all()] == [event.id]

    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    assert "Paul Martin (proche) · 3 février 2025" in words(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert "Auteur ou sourcePaul Martin (proche)" in words(await client.get(f"/documents/{document.id}"))
    log = words(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert "Paul Martin, pour votre compte, a ajouté « Questions pour le cardiologue » à votre dossier" in log
    await add(client, patient.dossier.id, title="Mes questions", category="note_patient", note="Et ce traitement ?")
    printed = words(await client.get(f"/dossiers/{patient.dossier.id}/imprimer"))  # for a new doctor: no "Vous"
    assert re.search(r"Mes questions\s*Camille Martin\s", printed)
    assert re.search(r"Questions pour le cardiologue\s*Paul Martin \(proche\)", printed)


async def test_a_professional_reads_what_she_added_under_the_one_rule_named_as_her(client, db, app, patient, camille):
    await add(client, patient.dossier.id, file=("ordonnance.png", jpeg_bytes(), "image/jpeg"))
    await add(client, patient.dossier.id, title="Mes questions", category="note_patient", note="Et ce traitement ?")
    [prescription] = [d for d in (await written(db, app, patient.dossier))[0] if d.category == "ordonnance"]
    doctor = await professional_with_a_grant(db, patient, categories=scopes.parse_scope(["ordonnance"]))
    async with AsyncTestClient(app, base_url=ORIGIN) as computer:
        await as_account(computer, db, doctor)
        timeline = words(await computer.get(f"/dossiers/{patient.dossier.id}"))
        assert "Ordonnance du Dr Petit" in timeline and "Camille Martin · 3 février 2025" in timeline
        assert "Mes questions" not in timeline  # out of his grant's categories, as any note of hers
        assert "Auteur ou sourceCamille Martin" in words(await computer.get(f"/documents/{prescription.id}"))
        hidden = await client.post(f"/documents/{prescription.id}/masquage",
                                   data={"masque": "oui", "_csrf_token": await get_csrf(client)})
        assert hidden.status_code == 200
        assert (await computer.get(f"/documents/{prescription.id}")).status_code == 404  # hidden, like any
    gone = await client.post(f"/documents/{prescription.id}/suppression", data={"_csrf_token": await get_csrf(client)})
    assert gone.status_code == 200 and (await db.get(Document, prescription.id, populate_existing=True)).deleted_at
    await db.commit()
    actions = (await db.exec(select(AccessEvent.action).where(AccessEvent.document_id == prescription.id,
                                                              AccessEvent.actor_kind == "patient")
                             .order_by(AccessEvent.seq))).all()
    assert actions == ["add_document", "hide", "delete"]


async def test_the_copy_and_the_fhir_api_name_who_added_it(client, db, app, patient, practice):  # noqa: F811
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await as_account(phone, db, await account_for_patient(db, patient=patient.patient))
        await add(phone, patient.dossier.id, title="Mes questions", category="note_patient", note="Et ce traitement ?")
        archive = await downloaded(phone, patient.dossier.id)
    [document], _, _ = await written(db, app, patient.dossier)
    bundle = json.loads(archive.read("synthese-ips.json"))
    [patient_entry] = [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    [reference] = resources_of(bundle, "DocumentReference")
    assert reference["author"] == [{"reference": patient_entry, "display": "Camille Martin"}]
    log = list(csv.DictReader(io.StringIO(archive.read("journal-acces.csv").decode("utf-8-sig")), delimiter=";"))
    assert [(r["qui"], r["action"]) for r in log if r["document"] == "Mes questions"] == [
        ("Camille Martin", "Ajout d'un document")]
    audit = [e["resource"] for e in json.loads(archive.read("journal-acces-auditevent.json"))["entry"]]
    [added] = [e for e in audit if e["subtype"][0]["code"] == "add_document"]
    assert (added["action"], added["agent"][0]["who"]["display"]) == ("C", "Camille Martin")
    summary = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(archive.read("synthese.pdf")))
    assert re.search(r"Mes questions\W*Notes du patient\W*Camille Martin", summary)
    read = await client.get(f"/fhir/DocumentReference/{document.id}", headers=practice.headers)
    named = unqualified_ins(patient.patient)  # no Patient is served; never under the INS OID (fhir/identity.py)
    assert read.json()["author"] == [{"identifier": named, "display": "Camille Martin"}]
