"""A professional with a right to write types a note into a dossier instead of a file (a nurse's transmission at the
bedside): filed as a document like an uploaded one, by the same checks, as its author, logged before the answer; read
as text by the patient, found by its words; every refusal in French, nothing written; no right, the missing dossier's
404."""

from __future__ import annotations

import html
import re
from contextlib import asynccontextmanager
from datetime import date, timedelta

import pytest

from server.access import closing
from server.auth.accounts import account_for_patient
from tests.conftest import AsyncTestClient, ORIGIN, get_csrf, new_patient, new_professional, post_form, wrong_fields
from tests.fhir_support import as_bundle
from tests.test_fhir_api import registered, token_for
from tests.patient_helpers import MISSING, Log, same_404
from tests.caregiver_helpers import as_account
from tests.test_professional_documents import PATIENT, granted, written

NOTE = ("Pansement jambe droite refait : plaie propre, bourgeonnante, pas d'écoulement.\n\n"
        "À surveiller : rougeur du bord interne ; température ce soir.")


def note_url(dossier_id: str) -> str:
    return f"/dossiers/{dossier_id}/documents/nouvelle-note"


async def send(client, dossier_id: str, *, title="Soins de plaie", category="compte_rendu", event_date="2025-02-03",
               note=NOTE, **fields):
    return await post_form(client, note_url(dossier_id), {"title": title, "category": category,
                                                          "event_date": event_date, "note": note, **fields},
                           follow_redirects=False)


def words(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text)).replace("\u00a0", " ")


@asynccontextmanager
async def her_phone(app, db, patient):
    """The patient's browser, signed in."""
    await db.commit()  # a fresh snapshot: the app wrote since the test's session last read
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await as_account(phone, db, await account_for_patient(db, patient=patient.patient))
        yield phone


async def nurse_with_a_grant(client, db, patient):
    return await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier",
                         stem=4)


async def test_the_upload_form_offers_a_note_whose_form_is_opened_as_the_files_is(client, db, patient):
    await nurse_with_a_grant(client, db, patient)
    async with Log(db, patient.dossier.id) as log:
        form = await client.get(note_url(patient.dossier.id))
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    assert log.actions == ["open_to_add"]  # the patient's name and birth date shown: an opening, logged
    async with Log(db, patient.dossier.id) as log:
        upload_form = await client.get(f"/dossiers/{patient.dossier.id}/documents/nouveau")
    assert log.actions == []  # the same opening, a moment later (access/reading.py, OPENED_ONCE)
    assert f'href="{note_url(patient.dossier.id)}">Rédiger une note</a>' in upload_form.text
    assert "Camille Martin" in words(form) and "12/03/1984" in form.text
    assert 'enctype="multipart/form-data"' not in form.text and '<textarea id="note" name="note"' in form.text
    assert '<option value="compte_rendu" selected>' in form.text and 'value="note_patient"' not in form.text
    assert "Date des soins" in form.text


async def test_a_nurses_note_is_a_document_of_the_dossier_she_is_the_author_of_logged(client, db, app, patient):
    nurse = await nurse_with_a_grant(client, db, patient)
    answer = await send(client, patient.dossier.id, title="Soins de plaie 03/02")
    assert answer.status_code == 303, answer.text
    [document], [event], files = await written(db, app, patient.dossier)
    assert answer.headers["location"] == f"/documents/{document.id}?fait=document-ajoute"
    assert (document.mime_type, document.filename, document.category, document.event_date) == (
        "text/plain", "2025-02-03-soins-de-plaie-03-02.txt", "compte_rendu", date(2025, 2, 3))
    assert (document.author_professional_id, document.size) == (nurse.professional.id, len(NOTE.encode()))
    assert len(files) == 1  # its text, and no page image
    assert (event.action, event.document_id, event.right, event.actor_rpps) == (
        "add_document", document.id, "grant", nurse.rpps)
    page = await client.get(answer.headers["location"])
    assert "Le document est ajouté au dossier." in words(page) and NOTE in words(page)

    # The patient: in her timeline, by its author; its page shows the text; "Télécharger" gives the .txt.
    async with her_phone(app, db, patient) as phone:
        timeline = words(await phone.get(f"/dossiers/{patient.dossier.id}"))
        assert "Soins de plaie 03/02" in timeline and "Claire Vidal" in timeline
        shown = await phone.get(f"/documents/{document.id}")
        assert f'<pre class="doc-text">{html.escape(NOTE)}</pre>' in shown.text.replace("&#39;", "&#x27;")
        assert "Auteur ou sourceClaire Vidal" in words(shown)
        download = await phone.get(f"/documents/{document.id}/fichier")
        assert download.content == NOTE.encode() and download.headers["content-type"] == "text/plain; charset=utf-8"
        assert download.headers["content-disposition"].startswith("attachment;")
        found = await post_form(phone, f"/dossiers/{patient.dossier.id}/recherche", {"q": "bourgeonnante"})
        assert "Soins de plaie 03/02" in words(found)
        log = words(await phone.get(f"/dossiers/{patient.dossier.id}/historique"))
        assert "Claire Vidal, infirmier, a ajouté « Soins de plaie 03/02 » à votre dossier" in log


async def test_a_nurses_note_is_served_as_a_report_of_care_and_a_doctors_as_a_consult_note(client, db, app, patient):
    """Software read every typed note as its category's type, 11488-4 "Consult note", a nurse's too: a nurse's or a
    kinésithérapeute's report is LOINC's of the care given, 11506-3, read and searched so; a doctor's stays a consult
    note."""
    await nurse_with_a_grant(client, db, patient)
    assert (await send(client, patient.dossier.id, title="Soins de plaie")).status_code == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as doctors_browser:
        doctor = await granted(doctors_browser, db, patient, given_name="Julie", family_name="Moreau",
                               profession="médecin", stem=5)
        assert (await send(doctors_browser, patient.dossier.id, title="Consultation du jour")).status_code == 303
    headers = {"authorization": f"Bearer {await token_for(client, await registered(client, db, doctor))}"}

    async def types(**search) -> dict[str, tuple]:
        answer = await client.get("/fhir/DocumentReference", headers=headers,
                                  params={"patient": patient.patient.id, **search})
        assert answer.status_code == 200, answer.text
        return {e.resource.description: tuple((c.system, c.code, c.display) for c in e.resource.type.coding)
                for e in as_bundle(answer).entry or []}

    assert await types() == {
        "Soins de plaie": (("http://loinc.org", "11506-3", "Progress note"),),
        "Consultation du jour": (("http://loinc.org", "11488-4", "Consult note"),),
    }
    assert list(await types(type="http://loinc.org|11506-3")) == ["Soins de plaie"]
    assert list(await types(type="http://loinc.org|11488-4")) == ["Consultation du jour"]
    [nurses] = [d for d in (await written(db, app, patient.dossier))[0] if d.title == "Soins de plaie"]
    read = await client.get(f"/fhir/DocumentReference/{nurses.id}", headers=headers)
    assert read.status_code == 200 and read.json()["type"]["coding"][0]["code"] == "11506-3"


REFUSALS = {
    "no text": ({"note": ""}, "Écrivez le texte de la note.", ["note"]),
    "only blanks": ({"note": " \u200b\n\u3164 \n"}, "Écrivez le texte de la note.", ["note"]),
    "too long": ({"note": "a" * 20_001}, "La note doit faire 20 000 caractères au plus : raccourcissez-la.", ["note"]),
    "no title": ({"title": ""}, "Donnez un titre au document", ["title"]),
    "the patient's own category": ({"category": "note_patient"}, "Choisissez une catégorie.", ["category"]),
    # Each date refusal names the field as the note's form labels it, "Date des soins".
    "no date": ({"event_date": ""}, "Indiquez la date des soins (JJ/MM/AAAA).", ["event_date"]),
    "no such day": ({"event_date": "31/02/2025"}, "La date des soins n'est pas valide (JJ/MM/AAAA).", ["event_date"]),
    "a date to come": ({"event_date": (date.today() + timedelta(days=2)).isoformat()},
                       "La date des soins ne peut pas être dans le futur.", ["event_date"]),
    "before 1900": ({"event_date": "1899-12-31"}, "La date des soins n'est pas plausible.", ["event_date"]),
    "before the patient's birth": ({"event_date": "1984-03-11"},
                                   "La date des soins ne peut pas précéder la naissance.", ["event_date"]),
}


@pytest.mark.parametrize("case", REFUSALS)
async def test_each_refusal_says_why_in_french_keeps_what_was_typed_and_writes_nothing(client, db, app, patient,
                                                                                        case):
    await nurse_with_a_grant(client, db, patient)
    fields, message, wrong = REFUSALS[case]
    async with Log(db, patient.dossier.id) as log:
        answer = await send(client, patient.dossier.id, **fields)
    assert answer.status_code == 400, answer.text
    assert message in words(answer) and wrong_fields(answer.text) == wrong
    assert f'action="{note_url(patient.dossier.id)}"' in answer.text  # the note's form again, not the file's
    assert '<label for="event_date">Date des soins</label>' in answer.text
    if "note" not in fields:
        assert html.escape(NOTE) in answer.text.replace("&#39;", "&#x27;")
    assert await written(db, app, patient.dossier) == ([], [], []) and log.actions == []


async def test_a_note_exactly_as_long_as_allowed_is_filed_whole(client, db, app, patient):
    await nurse_with_a_grant(client, db, patient)
    note = "é" * 9_999 + "\n" + "è" * 10_000
    assert len(note) == 20_000 and (await send(client, patient.dossier.id, note=note)).status_code == 303
    [document], _, _ = await written(db, app, patient.dossier)
    assert document.size == len(note.encode())


async def test_the_same_note_sent_again_within_the_hour_is_asked_about(client, db, app, patient):
    await nurse_with_a_grant(client, db, patient)
    assert (await send(client, patient.dossier.id)).status_code == 303
    again = await send(client, patient.dossier.id)
    assert again.status_code == 400 and "Cette note a déjà été ajoutée à ce dossier" in words(again)
    assert wrong_fields(again.text) == ["note"]
    assert (await send(client, patient.dossier.id, seconde_copie="oui")).status_code == 303
    documents, _, _ = await written(db, app, patient.dossier)
    assert len(documents) == 2


@pytest.mark.parametrize("bad", [{}, {"note": ""}, {"note": "a" * 20_001}, {"event_date": "1900-01-01"}])
async def test_without_a_right_the_answer_is_the_missing_dossiers_whatever_was_sent(client, db, app, patient, bad):
    """A nurse with a grant on another patient's dossier, sending its id to this one, or a professional with no grant:
    the 404 of a dossier that does not exist, good input or bad (nor does the birth date leak by dates)."""
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 7, 23), serial=9, sex="M")
    await nurse_with_a_grant(client, db, other)
    await same_404(client, note_url(patient.dossier.id), note_url(MISSING))
    fields = {"title": "Soins", "category": "compte_rendu", "event_date": "2025-02-03", "note": NOTE, **bad}
    await same_404(client, note_url(patient.dossier.id), note_url(MISSING), data=fields)
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_closed_dossier_takes_no_note_and_the_patient_has_no_such_form(client, db, app, patient):
    await nurse_with_a_grant(client, db, patient)
    assert (await client.get(note_url(patient.dossier.id))).status_code == 200
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=PATIENT)
    assert (await send(client, patient.dossier.id)).status_code == 403  # she held it: told her access ended
    async with her_phone(app, db, patient) as phone:  # hers is "Ajouter un document" on her timeline
        assert (await phone.get(note_url(patient.dossier.id))).status_code == 404
        assert (await send(phone, patient.dossier.id)).status_code == 404
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_note_sent_without_its_csrf_token_is_refused(client, db, app, patient):
    await nurse_with_a_grant(client, db, patient)
    fields = {"title": "Soins", "category": "compte_rendu", "event_date": "2025-02-03", "note": NOTE}
    assert (await client.post(note_url(patient.dossier.id), data=fields)).status_code == 403
    assert (await client.post(note_url(patient.dossier.id), data={**fields, "_csrf_token": await get_csrf(client)},
                              follow_redirects=False)).status_code == 303
