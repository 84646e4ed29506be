"""A correction that changes nothing is refused on its form, in French: nothing filed, nothing logged, the patient not
told (an outside tester's find: "Enregistrer la correction" clicked without a change filed a new version, marked the
first "Version remplacée" and told the patient "une nouvelle version, qui remplace la précédente")."""

from __future__ import annotations

import html

from sqlmodel import select

from server.models import Notification
from tests.test_pro_corrections import correct, documents, events, words
from tests.test_professional_documents import granted, pdf_bytes, upload
from tests.test_professional_notes import NOTE, send

UNCHANGED = "Rien n'a changé : modifiez le titre, la date ou le fichier."
UNCHANGED_NOTE = "Rien n'a changé : modifiez le titre, la date des soins ou le texte de la note."


async def told(db, dossier) -> int:
    await db.commit()
    return len((await db.exec(select(Notification).where(Notification.dossier_id == dossier.id))).all())


async def nothing_happened(db, patient, first, *, added: int, notified: int) -> None:
    assert [d.id for d in await documents(db, patient.dossier)] == [first.id]
    await db.refresh(first)
    assert first.superseded_at is None
    assert len(await events(db, patient.dossier, "add_document")) == added
    assert await told(db, patient.dossier) == notified


async def test_a_correction_of_a_file_that_changes_nothing_is_refused(client, db, patient):
    await granted(client, db, patient, given_name="Claire", family_name="Bernard", profession="médecin")
    data = pdf_bytes()
    assert (await upload(client, patient.dossier, data=data, title="Compte rendu de séance")).status_code == 303
    [first] = await documents(db, patient.dossier)
    added, notified = len(await events(db, patient.dossier, "add_document")), await told(db, patient.dossier)

    # The form sent as it came (its title and date as the version says, no new file), then with the same file chosen
    # again under another name: the same bytes are the same file.
    for file in (None, ("le-meme.pdf", data, "application/pdf")):
        refused = await correct(client, first.id, title="Compte rendu de séance", event_date="2025-02-03", file=file)
        assert refused.status_code == 400, refused.text[:500]
        said = words(refused)
        assert UNCHANGED in said and "Le document est corrigé" not in said
        assert 'role="alert" id="form-error" tabindex="-1" data-form-error' in refused.text  # focused, said at once
        assert 'value="Compte rendu de séance"' in html.unescape(refused.text)
        # A new file chosen is not sent again by the browser: without it, the next version would keep the old one.
        assert "Si vous en aviez choisi un nouveau, choisissez-le de nouveau : un formulaire refusé ne le garde pas." \
            in said
        await nothing_happened(db, patient, first, added=added, notified=notified)
    # Her read of its page may tell the patient of her first visit: that, and nothing of the refusals.
    assert "Version remplacée" not in words(await client.get(f"/documents/{first.id}"))
    notified = await told(db, patient.dossier)

    # Spaces the title gains or loses are not a change either (the title is stored cleaned).
    refused = await correct(client, first.id, title="  Compte  rendu de séance ", event_date="2025-02-03")
    assert refused.status_code == 400 and UNCHANGED in words(refused)
    await nothing_happened(db, patient, first, added=added, notified=notified)

    # Any one of them changed is a correction.
    changed = await correct(client, first.id, title="Compte rendu de séance", event_date="2025-02-04")
    assert changed.status_code == 303


async def test_a_correction_of_a_typed_note_that_changes_nothing_is_refused(client, db, patient):
    await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier", stem=4)
    assert (await send(client, patient.dossier.id, title="Soins de plaie")).status_code == 303
    [first] = await documents(db, patient.dossier)
    added, notified = len(await events(db, patient.dossier, "add_document")), await told(db, patient.dossier)

    # As a browser sends a textarea: its lines ended by CR LF.
    refused = await correct(client, first.id, title="Soins de plaie", note=NOTE.replace("\n", "\r\n"))
    assert refused.status_code == 400, refused.text[:500]
    assert UNCHANGED_NOTE in words(refused)
    await nothing_happened(db, patient, first, added=added, notified=notified)

    assert (await correct(client, first.id, title="Soins de plaie", note=NOTE + " Revu.")).status_code == 303
