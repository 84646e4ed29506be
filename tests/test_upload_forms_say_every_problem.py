"""A form to add a document (or to open a dossier) says every problem it has at once, each wrong field marked: an outside probe sent a
professional's upload form three times to learn, one at a time, that its title, its date and its file were wrong."""

from __future__ import annotations

from server.access import grants
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient, account_for_professional
from tests.caregiver_helpers import as_account
from tests.conftest import activate_professional, get_csrf, make_ins, new_professional, post_form, wrong_fields
from tests.test_patient_adds_documents import words
from tests.test_professional_documents import pdf_bytes, written

NO_FILE = ("", b"", "application/octet-stream")


async def uploaded(client, db, patient, fields: dict, file: tuple):
    """A kinésithérapeute given the whole dossier sends the upload form with these fields and this file."""
    kine = (await new_professional(db, stem=4)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="sans",
                              actor=Actor(None, "patient", "Camille Martin"))
    await as_account(client, db, await account_for_professional(db, professional=kine))
    return await client.post(f"/dossiers/{patient.dossier.id}/documents/nouveau",
                             data={**fields, "_csrf_token": await get_csrf(client)}, files={"file": file})


async def test_a_professionals_upload_names_its_title_category_date_and_file_together(client, db, app, patient):
    answer = await uploaded(client, db, patient, {
        "title": " ", "category": "", "event_date": "31/02/2025"}, NO_FILE)
    assert answer.status_code == 400
    said = words(answer)
    assert ("Donnez un titre au document (200 caractères au plus). Choisissez une catégorie. La date du document "
            "n'est pas valide (JJ/MM/AAAA). Choisissez un fichier PDF, PNG ou JPEG.") in said
    assert wrong_fields(answer.text) == ["title", "category", "event_date", "file"]
    assert await written(db, app, patient.dossier) == ([], [], [])


async def test_a_file_wrong_once_the_rest_is_right_is_said_alone(client, db, app, patient):
    answer = await uploaded(client, db, patient, {
        "title": "Bilan", "category": "biologie", "event_date": "2025-02-03"},
        ("bilan.pdf", b"MZ not a pdf", "application/pdf"))
    assert answer.status_code == 400 and wrong_fields(answer.text) == ["file"]
    assert "Seuls les fichiers PDF, PNG et JPEG sont acceptés." in words(answer)
    assert "Donnez un titre" not in words(answer)


async def test_the_patients_addition_names_its_date_and_its_missing_content_together(client, db, app, patient):
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    answer = await client.post(f"/dossiers/{patient.dossier.id}/ajouter", data={
        "title": "Ordonnance", "category": "ordonnance", "event_date": "", "note": "",
        "_csrf_token": await get_csrf(client)}, files={"file": NO_FILE}, follow_redirects=False)
    assert answer.status_code == 400
    assert ("Indiquez la date du document (JJ/MM/AAAA). Joignez un fichier ou écrivez une note."
            in words(answer)), words(answer)
    assert wrong_fields(answer.text) == ["event_date", "file", "note"]
    assert await written(db, app, patient.dossier) == ([], [], [])
    # the file chosen, but over the limit, and the category missing: both again
    big = ("scan.pdf", pdf_bytes() + b"\0" * (20 * 1024 * 1024), "application/pdf")
    again = await client.post(f"/dossiers/{patient.dossier.id}/ajouter", data={
        "title": "Ordonnance", "category": "", "event_date": "2025-02-03", "note": "",
        "_csrf_token": await get_csrf(client)}, files={"file": big}, follow_redirects=False)
    assert "Choisissez une catégorie. Le fichier dépasse 20 Mo." in words(again)
    assert wrong_fields(again.text) == ["category", "file"]


async def test_a_new_dossiers_identity_names_every_wrong_field_at_once(client, db):
    """The same on the professional's form to open a dossier: an INS mistyped, no given name, no sex and no consent
    are said together; the INS is compared with the sex and the birth date once each is right alone."""
    await activate_professional(client, await new_professional(db, profession="pharmacien"))
    answer = await post_form(client, "/pro/nouveau-dossier", {
        "ins": "123", "given_name": " ", "family_name": "Lambert", "birth_date": "1990-07-14", "sex": ""})
    assert answer.status_code == 400
    said = words(answer)
    for sentence in ("Ce matricule INS n'est pas valide", "Saisissez le prénom et le nom du patient.",
                     "Indiquez le sexe du patient.", "Le patient doit consentir à l'ouverture de son dossier"):
        assert sentence in said, said
    assert "ne correspond pas" not in said
    assert wrong_fields(answer.text) == ["ins", "given_name", "sex", "consent"]
    mismatch = await post_form(client, "/pro/nouveau-dossier", {
        "ins": make_ins("M", 1990, 7, 42), "given_name": "Inès", "family_name": "Lambert", "birth_date": "1990-07-14",
        "sex": "F"})
    assert ("Le matricule INS ne correspond pas au sexe ou à la date de naissance saisis. Le patient doit consentir"
            in words(mismatch))
    assert wrong_fields(mismatch.text) == ["ins", "birth_date", "sex", "consent"]



async def test_an_ins_left_empty_is_asked_for_not_said_wrong(client, db):
    await activate_professional(client, await new_professional(db, profession="pharmacien"))
    answer = await post_form(client, "/pro/nouveau-dossier", {
        "ins": " ", "given_name": "Inès", "family_name": "Lambert", "birth_date": "1990-07-14", "sex": "F",
        "consent": "oui"})
    assert answer.status_code == 400 and wrong_fields(answer.text) == ["ins"]
    assert "Saisissez le matricule INS du patient : les 15 caractères de sa carte Vitale." in words(answer)
    assert "n'est pas valide" not in words(answer)
