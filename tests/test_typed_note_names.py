"""A typed note's file is named as Carnet names every file it makes (export/names.py, `dated_name`): its date, then
its title in ASCII. An outside probe's find: a patient's note titled "<b>Note</b> 😀" was saved as
"<b>Note<-b> 😀.txt", its title as typed, while the demo's professionals' files read "2026-07-14-compte-rendu-….pdf"."""

from __future__ import annotations

from datetime import date

from server.export.names import dated_name
from tests.test_patient_adds_documents import add, camille  # noqa: F401 - a fixture: Camille, signed in
from tests.test_professional_documents import written
from tests.test_professional_notes import nurse_with_a_grant, send

TITLE = "<b>Note</b> 😀"


async def test_a_patient_s_typed_note_is_named_by_its_date_and_title_and_downloaded_so(client, db, app, patient,
                                                                                       camille):  # noqa: F811
    answer = await add(client, patient.dossier.id, title=TITLE, category="note_patient", note="Tension : 13/8.")
    assert answer.status_code == 303, answer.text
    [document], _events, _files = await written(db, app, patient.dossier)
    assert document.filename == "2025-02-03-note.txt" and document.title == TITLE  # the title stays as typed
    download = await client.get(f"/documents/{document.id}/fichier")
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''2025-02-03-note.txt"


async def test_a_professional_s_typed_note_is_named_by_the_same_function(client, db, app, patient):
    await nurse_with_a_grant(client, db, patient)
    assert (await send(client, patient.dossier.id, title=TITLE)).status_code == 303
    [document], _events, _files = await written(db, app, patient.dossier)
    assert document.filename == dated_name(date(2025, 2, 3), TITLE, "txt") == "2025-02-03-note.txt"


def test_a_title_without_a_letter_of_ascii_names_its_file_document_and_markup_is_no_word_of_it():
    assert dated_name(date(2026, 7, 14), "😀", "txt") == "2026-07-14-document.txt"
    assert dated_name(date(2026, 7, 14), "Œdème <i>du</i> pied, tension < 14", "pdf") == (
        "2026-07-14-oedeme-du-pied-tension-14.pdf")
