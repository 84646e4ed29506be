"""The same file added again to a dossier by the same person within the hour, from a new form (the first was saved,
but a dropped connection lost its answer): not filed silently. The form comes back saying so, with a link to the
first, and files a second copy only when its box is ticked; the patient's form and the professional's alike. No one
is told of a document they did not add themselves (a professional may not read the patient's, or a colleague's)."""

from __future__ import annotations

import re
import secrets

from server.access import grants, hiding
from server.auth.accounts import account_for_patient
from server.templating import SUBMISSION_FIELD
from tests.conftest import ORIGIN, AsyncTestClient, activate_professional, get_csrf, new_professional
from tests.patient_helpers import CAMILLE
from tests.caregiver_helpers import as_account
from tests.test_patient_adds_documents import camille, jpeg_bytes, words  # noqa: F401 - camille: a fixture
from tests.test_professional_documents import PATIENT, granted, pdf_bytes, written

SCAN = jpeg_bytes()


async def send(client, path: str, *, file: tuple, second_copy: bool = False, **fields):
    """A new form's submission (its own one-time id), as a person sends it after opening the form again."""
    data = {"title": "Ordonnance du Dr Petit", "category": "ordonnance", "event_date": "2025-02-03", **fields,
            "_csrf_token": await get_csrf(client), SUBMISSION_FIELD: secrets.token_urlsafe(16)}
    if second_copy:
        data["seconde_copie"] = "oui"
    return await client.post(path, data=data, files={"file": file}, follow_redirects=False)


def patient_form(patient) -> str:
    return f"/dossiers/{patient.dossier.id}/ajouter"


def pro_form(patient) -> str:
    return f"/dossiers/{patient.dossier.id}/documents/nouveau"


async def test_the_patient_sending_the_same_photo_again_is_asked_before_a_second_copy(client, db, app, patient,
                                                                                      camille):  # noqa: F811
    first = await send(client, patient_form(patient), file=("ordonnance.jpg", SCAN, "image/jpeg"))
    assert first.status_code == 303
    again = await send(client, patient_form(patient), file=("IMG_2041.jpg", SCAN, "image/jpeg"), title="Ordonnance")
    [document], _, _ = await written(db, app, patient.dossier)
    assert again.status_code == 400 and again.headers["cache-control"] == "no-store"
    said = words(again)
    assert "Ce fichier a déjà été ajouté à ce dossier il y a moins d'une heure" in said
    assert re.search(r"Déjà ajouté le \d+ \w+ \d{4} à \d+ h \d+ : « Ordonnance du Dr Petit »", said)
    assert f'href="/documents/{document.id}"' in again.text
    assert 'name="seconde_copie"' in again.text and 'value="Ordonnance"' in again.text  # the form, as she sent it

    confirmed = await send(client, patient_form(patient), file=("IMG_2041.jpg", SCAN, "image/jpeg"),
                           title="Ordonnance", second_copy=True)
    assert confirmed.status_code == 303
    documents, events, _ = await written(db, app, patient.dossier)
    assert sorted(d.title for d in documents) == ["Ordonnance", "Ordonnance du Dr Petit"] and len(events) == 2


async def test_the_same_note_typed_again_is_asked_about_too(client, db, app, patient, camille):  # noqa: F811
    note = {"category": "note_patient", "note": "Les palpitations reviennent le soir."}
    assert (await send(client, patient_form(patient), file=("", b"", "application/octet-stream"), **note)).status_code == 303
    again = await send(client, patient_form(patient), file=("", b"", "application/octet-stream"), **note)
    assert again.status_code == 400 and "Cette note a déjà été ajoutée à ce dossier" in words(again)
    assert "Les palpitations reviennent le soir." in again.text  # still typed
    assert len((await written(db, app, patient.dossier))[0]) == 1


async def test_the_professional_sending_the_same_pdf_again_is_asked_before_a_second_copy(client, db, app, patient):
    await granted(client, db, patient)
    report = pdf_bytes("Compte rendu de séance du 3 février")
    assert (await send(client, pro_form(patient), file=("cr.pdf", report, "application/pdf"),
                       category="compte_rendu")).status_code == 303
    again = await send(client, pro_form(patient), file=("cr.pdf", report, "application/pdf"), category="compte_rendu")
    [document], _, _ = await written(db, app, patient.dossier)
    assert again.status_code == 400 and "Ce fichier a déjà été ajouté à ce dossier" in words(again)
    assert f'href="/documents/{document.id}"' in again.text and 'name="seconde_copie"' in again.text
    confirmed = await send(client, pro_form(patient), file=("cr.pdf", report, "application/pdf"),
                           category="compte_rendu", second_copy=True)
    assert confirmed.status_code == 303
    assert len((await written(db, app, patient.dossier))[0]) == 2


async def test_no_one_is_told_of_the_same_bytes_in_a_document_they_did_not_add(client, db, app, patient):
    scan = ("scan.jpg", SCAN, "image/jpeg")
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:  # the patient's, kept from every professional
        await as_account(phone, db, await account_for_patient(db, patient=patient.patient))
        assert (await send(phone, patient_form(patient), file=scan)).status_code == 303
    [hers], _, _ = await written(db, app, patient.dossier)
    await hiding.set_hidden(db, document=hers, hidden=True, actor=CAMILLE)
    await granted(client, db, patient)
    mine = await send(client, pro_form(patient), file=scan)
    assert mine.status_code == 303, words(mine)
    colleague = await new_professional(db, given_name="Marc", family_name="Durand", stem=4)
    await grants.grant_access(db, dossier=patient.dossier, professional=colleague.professional, categories="",
                              duration="sans", actor=PATIENT)
    async with AsyncTestClient(app, base_url=ORIGIN) as computer:
        await activate_professional(computer, colleague)
        theirs = await send(computer, pro_form(patient), file=scan)
        assert theirs.status_code == 303 and hers.id not in theirs.text
    assert len((await written(db, app, patient.dossier))[0]) == 3
