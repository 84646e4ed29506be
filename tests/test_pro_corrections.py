"""A professional corrects from the web a document they added (a typo in its title, a wrong date, its text or its
file): a new version that replaces it exactly as their software's replacement through FHIR does (relatesTo
"replaces"), logged before the answer, the patient told; the upload's checks in French, nothing half written; for
anyone else the 404 of a missing document; to its author whose access ended, "Accès terminé" with what she typed
given back (an outside probe: Dr Claire Bernard could only withdraw a document, declared erroneous, to fix a typo)."""

from __future__ import annotations

import html
import logging
import re
from datetime import date

from sqlmodel import select

from server.models import AccessEvent, Document, Notification
from server.professionals import corrections
from server.views import pro_corrections
from tests.conftest import ORIGIN, AsyncTestClient, activate, get_csrf, without_csrf
from tests.patient_helpers import titles_in
from tests.test_access_ended_while_writing import handed_back
from tests.test_ended_access import revoke
from tests.test_professional_documents import granted, pdf_bytes, png_bytes, upload
from tests.test_professional_notes import NOTE, send

ACTION = "Corriger ce document"
MISSING = "0" * 32


def words(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text)).replace("\u00a0", " ").replace("\u202f", " ")


async def correct(client, document_id: str, *, title="Compte rendu de séance", event_date="2025-02-03", note=None,
                  file=None, csrf=True):
    """The correction form sent as the browser sends it (multipart, as a file may come with it)."""
    fields = {"title": title, "event_date": event_date, **({"note": note} if note is not None else {})}
    if csrf:
        fields["_csrf_token"] = await get_csrf(client)
    files = {"file": file} if file else {"file": ("", b"", "application/octet-stream")}
    return await client.post(f"/documents/{document_id}/correction", data=fields, files=files,
                             follow_redirects=False)


async def documents(db, dossier) -> list[Document]:
    await db.commit()
    return list((await db.exec(select(Document).where(Document.dossier_id == dossier.id)
                                .order_by(Document.created_at).execution_options(populate_existing=True))).all())


async def events(db, dossier, action: str) -> list[AccessEvent]:
    await db.commit()
    return list((await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier.id,
                                                         AccessEvent.action == action)
                               .order_by(AccessEvent.seq))).all())


async def added_by(client, db, patient):
    """A professional with a grant, and the PDF she just added from the web."""
    pro = await granted(client, db, patient, given_name="Claire", family_name="Bernard", profession="médecin")
    assert (await upload(client, patient.dossier, data=pdf_bytes(), title="Compte rnedu de séance")).status_code == 303
    [document] = await documents(db, patient.dossier)
    return pro, document


async def test_the_author_corrects_a_title_and_a_date_and_every_reader_sees_the_new_version(client, db, app,
                                                                                            patient):
    pro, first = await added_by(client, db, patient)
    page = html.unescape((await client.get(f"/documents/{first.id}")).text)
    assert f'href="/documents/{first.id}/correction">{ACTION}</a>' in page

    form = await client.get(f"/documents/{first.id}/correction")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    said = html.unescape(form.text)
    assert 'value="Compte rnedu de séance"' in said and 'value="2025-02-03"' in said  # as the version says
    assert 'id="category" type="text" readonly value="Compte rendu"' in said  # kept: it decides who reads it
    assert 'enctype="multipart/form-data"' in said and "_csrf_token" in said and 'type="file"' in said
    assert "compte-rendu.pdf" in said  # the file kept unless another is chosen
    assert await events(db, patient.dossier, "add_document") != [] and len(await documents(db, patient.dossier)) == 1

    done = await correct(client, first.id, title="Compte rendu de séance", event_date="2025-02-04")
    assert done.status_code == 303, done.text
    old, new = await documents(db, patient.dossier)
    assert done.headers["location"] == f"/documents/{new.id}?fait=document-corrige"
    # The FHIR API's replacement: the earlier version superseded, the new one replacing it, of the same category.
    assert (old.id, old.superseded_at is not None, new.replaces_id, new.superseded_at) == (
        first.id, True, first.id, None)
    assert (new.title, new.event_date, new.category) == ("Compte rendu de séance", date(2025, 2, 4), "compte_rendu")
    assert (new.sha256, new.mime_type, new.filename) == (old.sha256, old.mime_type, old.filename)  # the same file
    assert new.author_professional_id == pro.professional.id and old.title == "Compte rnedu de séance"
    *_, event = await events(db, patient.dossier, "add_document")
    assert (event.document_id, event.document_title, event.actor_rpps, event.right, event.detail) == (
        new.id, "Compte rendu de séance", pro.rpps, "grant", "nouvelle version, qui remplace la précédente")
    told = (await db.exec(select(Notification).where(Notification.event_id == event.id))).all()
    assert len(told) == 1

    landed = words(await client.get(done.headers["location"]))
    assert "Le document est corrigé" in landed and "Cette version remplace celle du" in landed
    assert "Version remplacée" in words(await client.get(f"/documents/{first.id}"))
    assert ACTION not in words(await client.get(f"/documents/{first.id}"))  # the latest is the one to correct
    again = await client.get(f"/documents/{first.id}/correction", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/documents/{first.id}"
    # Sent from a page opened before (another tab): nothing filed, its page says it was replaced, and by which.
    stale = await correct(client, first.id, title="Compte rendu (bis)")
    assert stale.status_code == 303 and stale.headers["location"] == f"/documents/{first.id}"
    assert len(await documents(db, patient.dossier)) == 2

    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        timeline = await phone.get(f"/dossiers/{patient.dossier.id}")
        assert titles_in(html.unescape(timeline.text)) == ["Compte rendu de séance"]  # the latest alone
        latest = await phone.get(f"/documents/{new.id}")
        assert "Lire la version précédente" in words(latest) and ACTION not in words(latest)
        earlier = words(await phone.get(f"/documents/{first.id}"))
        assert "Version remplacée" in earlier and "Remplacé par une version plus récente" in earlier
        log = words(await phone.get("/historique")).splitlines()
        assert any("Claire Bernard" in line and "a ajouté" in line and "Compte rendu de séance" in line
                   for line in log)


async def test_a_typed_note_is_corrected_in_its_text_and_a_file_by_another(client, db, patient):
    await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier", stem=4)
    assert (await send(client, patient.dossier.id, title="Soins de plaie")).status_code == 303
    [note] = await documents(db, patient.dossier)
    form = html.unescape((await client.get(f"/documents/{note.id}/correction")).text)
    assert f">{NOTE}</textarea>" in form and "Date des soins" in form and 'type="file"' not in form

    corrected = NOTE.replace("droite", "gauche")
    assert (await correct(client, note.id, title="Soins de plaie, jambe gauche", note=corrected)).status_code == 303
    _old, new = await documents(db, patient.dossier)
    assert (new.replaces_id, new.mime_type, new.filename) == (
        note.id, "text/plain", "2025-02-03-soins-de-plaie-jambe-gauche.txt")
    assert (await client.get(f"/documents/{new.id}/fichier")).content.decode() == corrected

    assert (await upload(client, patient.dossier, data=pdf_bytes(), title="Radiographie")).status_code == 303
    report = (await documents(db, patient.dossier))[-1]
    assert (await correct(client, report.id, title="Radiographie",
                          file=("radio.png", png_bytes(), "image/png"))).status_code == 303
    latest = (await documents(db, patient.dossier))[-1]
    assert (latest.replaces_id, latest.mime_type, latest.filename) == (report.id, "image/png", "radio.png")


async def test_a_wrong_correction_is_refused_in_french_and_nothing_is_written(client, db, app, patient):
    _pro, first = await added_by(client, db, patient)
    files = sorted(p for p in app.state.storage.root.rglob("*") if p.is_file())
    for fields, message, field in (
        ({"event_date": "2099-01-01"}, "La date du document ne peut pas être dans le futur.", "event_date"),
        ({"event_date": "31/02/2025"}, "La date du document n'est pas valide (JJ/MM/AAAA).", "event_date"),
        ({"event_date": ""}, "Indiquez la date du document (JJ/MM/AAAA).", "event_date"),
        ({"event_date": "1984-03-11"}, "La date du document ne peut pas précéder la naissance.", "event_date"),
        ({"title": " "}, "Donnez un titre au document (200 caractères au plus).", "title"),
        ({"file": ("virus.exe", b"MZ\x90\x00" * 50, "application/pdf")},
         "Seuls les fichiers PDF, PNG et JPEG sont acceptés.", "file"),
        ({"file": ("gros.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "application/pdf")},
         "Le fichier dépasse 20 Mo.", "file"),
    ):
        refused = await correct(client, first.id, **fields)
        assert refused.status_code == 400, (fields.keys(), refused.status_code)
        said = words(refused)
        assert message in said, said[:2000]
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', refused.text)
        if "title" not in fields:
            assert 'value="Compte rendu de séance"' in html.unescape(refused.text)  # as sent, not as it was
    assert [d.id for d in await documents(db, patient.dossier)] == [first.id]
    await db.refresh(first)
    assert first.superseded_at is None
    assert len(await events(db, patient.dossier, "add_document")) == 1
    # Refused before a byte is stored (checked first): nothing left for housekeeping either.
    assert sorted(p for p in app.state.storage.root.rglob("*") if p.is_file()) == files


async def test_a_correction_without_its_csrf_token_is_refused(client, db, patient):
    _pro, first = await added_by(client, db, patient)
    refused = await correct(client, first.id, title="Autre titre", csrf=False)
    assert refused.status_code == 403
    assert len(await documents(db, patient.dossier)) == 1
    assert (await correct(client, first.id, title="Autre titre")).status_code == 303  # with it, it runs


async def refused_as_missing(browser, document_id: str) -> None:
    """Its page offers no correction; its form and a correction sent answer exactly as a missing document's do."""
    page = await browser.get(f"/documents/{document_id}")
    assert page.status_code == 200 and ACTION not in words(page)
    for theirs, missing in (
        (await browser.get(f"/documents/{document_id}/correction"),
         await browser.get(f"/documents/{MISSING}/correction")),
        (await correct(browser, document_id, title="Pris par un autre"), await correct(browser, MISSING,
                                                                                       title="Pris par un autre")),
    ):
        assert theirs.status_code == missing.status_code == 404
        assert without_csrf(theirs.text) == without_csrf(missing.text)


async def the_author_may_correct(client, document_id: str) -> None:
    """What the others are refused: the link on its page, and its form."""
    assert ACTION in words(await client.get(f"/documents/{document_id}"))
    assert (await client.get(f"/documents/{document_id}/correction")).status_code == 200


async def nothing_corrected(db, patient, first) -> None:
    assert [d.id for d in await documents(db, patient.dossier)] == [first.id]
    await db.refresh(first)
    assert first.superseded_at is None and first.title == "Compte rnedu de séance"


async def test_another_professional_who_reads_it_and_may_write_cannot_correct_it(client, db, app, patient):
    _pro, first = await added_by(client, db, patient)
    await the_author_may_correct(client, first.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as colleague:
        await granted(colleague, db, patient, given_name="Paul", family_name="Petit", stem=2)
        reads = len(await events(db, patient.dossier, "read_document"))
        await refused_as_missing(colleague, first.id)
        # His reads of the page itself, and nothing of the refusals.
        assert len(await events(db, patient.dossier, "read_document")) == reads + 1
    await nothing_corrected(db, patient, first)


async def test_the_patient_cannot_correct_a_professionals_document(client, db, app, patient):
    _pro, first = await added_by(client, db, patient)
    await the_author_may_correct(client, first.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        await refused_as_missing(phone, first.id)
    await nothing_corrected(db, patient, first)


async def test_an_author_whose_access_ended_reads_her_document_but_cannot_correct_it(client, db, patient):
    pro, first = await added_by(client, db, patient)
    await the_author_may_correct(client, first.id)
    await revoke(db, patient, pro)
    page = await client.get(f"/documents/{first.id}")  # still hers to read (rule.py: its author's right)
    assert page.status_code == 200 and ACTION not in words(page)
    # Not to change: what the dossier's pages say her, not a missing page's 404 on a document she reads.
    form = await client.get(f"/documents/{first.id}/correction")
    assert form.status_code == 403 and "Accès terminé" in words(form) and form.headers["cache-control"] == "no-store"
    sent = await correct(client, first.id, title="Compte rendu de séance")
    assert sent.status_code == 403 and "Accès terminé" in words(sent)
    assert handed_back(sent) == {"Titre": "Compte rendu de séance"}
    await nothing_corrected(db, patient, first)


async def test_a_corrected_note_sent_as_her_access_ended_is_given_back(client, db, patient, caplog):
    """She typed while the patient revoked her access: "Accès terminé", with her text to copy (an upload's words),
    stored and logged nowhere; not a missing page's 404 that lost it."""
    caplog.set_level(logging.DEBUG)
    nurse = await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier",
                          stem=4)
    assert (await send(client, patient.dossier.id, title="Soins de plaie")).status_code == 303
    [note] = await documents(db, patient.dossier)
    assert (await client.get(f"/documents/{note.id}/correction")).status_code == 200
    await revoke(db, patient, nurse)
    corrected = NOTE.replace("droite", "gauche")
    sent = await correct(client, note.id, title="Soins de plaie, jambe gauche", note=corrected)
    assert sent.status_code == 403 and "Accès terminé" in words(sent)
    assert handed_back(sent) == {"Titre": "Soins de plaie, jambe gauche", "Texte de la note": corrected}
    assert [d.id for d in await documents(db, patient.dossier)] == [note.id]
    assert "gauche" not in caplog.text


async def test_a_correction_sent_as_her_access_ends_meanwhile_is_given_back(client, db, patient, monkeypatch):
    """Revoked between the correction's first look and its filing under the dossier's lock (write_right): the same
    page, her words given back, nothing filed."""
    nurse = await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier",
                          stem=4)
    assert (await send(client, patient.dossier.id, title="Soins de plaie")).status_code == 303
    [note] = await documents(db, patient.dossier)
    looked = corrections.to_correct

    async def revoked_meanwhile(session, **kwargs):
        found = await looked(session, **kwargs)
        await revoke(db, patient, nurse)
        return found

    monkeypatch.setattr(pro_corrections, "to_correct", revoked_meanwhile)
    sent = await correct(client, note.id, title="Soins de plaie, jambe gauche", note="Refait ce matin.")
    assert sent.status_code == 403 and "Accès terminé" in words(sent)
    assert handed_back(sent) == {"Titre": "Soins de plaie, jambe gauche", "Texte de la note": "Refait ce matin."}
    assert [d.id for d in await documents(db, patient.dossier)] == [note.id]
