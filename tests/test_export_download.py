"""Downloading the copy: logged before it leaves, the patient's and caregivers' only; a parent's keeps no trace."""

from __future__ import annotations

import html
import io
import json
import re
import uuid
import zipfile
from datetime import date

import pypdfium2

from server.access import closing, grants
from server.auth.accounts import account_for_patient
from server.accesslog.audit import Actor, append
from server.dossiers import add_document
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, years_ago
from tests.conftest import (
    ORIGIN, activate, activate_professional, add_text_document, new_patient, new_professional, post_form,
)
from tests.export_helpers import csv_rows, member
from tests.export_helpers import small  # noqa: F401 - a fixture
from tests.patient_helpers import CAMILLE, MISSING, events, same_404


async def test_the_export_is_in_the_log_before_the_zip_leaves_named_for_its_patient_in_no_url(client, db, small):
    await activate(client, small)
    page = await client.get(f"/dossiers/{small.dossier.id}/export")
    assert page.status_code == 200 and "Télécharger la copie (ZIP)" in page.text and "2 documents" in page.text
    so_far = len(await events(db, small.dossier.id))  # the head's number: every event
    assert f"({so_far} événements à ce jour, plus celui de cette copie)" in page.text
    # In English, the page says which parts of the copy are in French (an outside probe's find: only the LISEZMOI).
    english = (await client.get(f"/dossiers/{small.dossier.id}/export", headers={"accept-language": "en"})).text
    assert "a PDF summary</strong> in French" in english and "as a spreadsheet (in French)" in english
    response = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="carnet-dossier-camille-\d{4}-\d{2}-\d{2}\.zip"',
                        response.headers["content-disposition"])
    assert "martin" not in str(response.url).lower()  # a name never in an address (history, logs, Referer)
    assert "content-encoding" not in response.headers and response.headers["cache-control"] == "no-store"
    # The copy's own log already holds its export: it was committed before the ZIP was made.
    [export] = [r for r in csv_rows(response.content) if r["action"] == "Export du dossier"]
    assert export["qui"] == "Camille Martin"
    assert [e.action for e in await events(db, small.dossier.id)].count("export") == 1
    assert len(csv_rows(response.content)) == so_far + 1  # as the page said: those, and its download's
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        folders = [n.split("/")[1] for n in archive.namelist() if n.startswith("documents/")]
    # Each folder says which document it holds, by its date and title (an id alone told nothing: a probe's find).
    assert len(folders) == 2 and any(re.fullmatch(r"2025-06-03-bilan-kine-[0-9a-f]{32}", f) for f in folders), folders
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}-bilan-lipidique-[0-9a-f]{32}", f) for f in folders), folders


async def test_the_page_counts_the_log_so_far_and_the_copy_s_own_download_which_the_copy_holds_too(client, db, small):
    """The page promised "the full access log (104 events)" and the copy held 105: its download is logged before it is
    written (an outside tester's find). It says how many so far, plus the download's own: true of the copy, and still
    true when someone reads the dossier before the button is pressed."""
    await activate(client, small)
    page = html.unescape((await client.get(f"/dossiers/{small.dossier.id}/export")).text)
    so_far = len(await events(db, small.dossier.id))
    assert re.search(f"l'historique complet des accès</strong> \\({so_far} événements à ce jour, plus celui de cette "
                     "copie\\)", page), re.findall(r"historique complet des accès</strong> \(.*?\)", page)
    await append(db, dossier_id=small.dossier.id, action="read_timeline", right="grant",
                 actor=Actor(None, "professional", "Julie Moreau", "masseur-kinésithérapeute", "10000000041"))
    await db.commit()
    copy = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    rows = csv_rows(copy.content)
    assert len(rows) == so_far + 2 and [row["action"] for row in rows].count("Export du dossier") == 1
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:
        assert f"({so_far + 2} événements)" in archive.read("LISEZMOI.txt").decode()


async def test_another_patient_a_professional_and_a_random_id_get_the_same_404(client, db, app, small):
    url, missing = f"/dossiers/{small.dossier.id}/export", f"/dossiers/{MISSING}/export"
    stranger = await new_patient(db, given_name="Léa", family_name="Durand", serial=7)
    await activate(client, stranger)
    await same_404(client, url, missing)
    await same_404(client, url, missing, data={})
    await same_404(client, url, f"/dossiers/{uuid.uuid4().hex}/export", data={})
    kine = await new_professional(db, stem=42)
    await grants.grant_access(db, dossier=small.dossier, professional=kine.professional, categories="",
                              duration="1m", actor=CAMILLE)  # even with access to every document
    from tests.conftest import AsyncTestClient
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await activate_professional(desk, kine)
        await same_404(desk, url, missing)
        await same_404(desk, url, missing, data={})
    assert "export" not in [e.action for e in await events(db, small.dossier.id)]


async def test_a_reading_caregiver_exports_and_the_patient_exports_her_closed_dossier(client, db, app, small):
    await as_account(client, db, await account_for_patient(db, patient=small.patient))
    code = await invitation_code(client, small.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        page = await hugo.get(f"/dossiers/{small.dossier.id}/export")
        assert page.status_code == 200 and "du dossier de Camille" in page.text
        assert "il vous appartient" not in page.text  # it is Camille's: only her own page says it is hers
        copy = await post_form(hugo, f"/dossiers/{small.dossier.id}/export", {})
        assert copy.status_code == 200 and zipfile.ZipFile(io.BytesIO(copy.content)).testzip() is None
    [export] = [e for e in await events(db, small.dossier.id) if e.action == "export"]
    # His own copy: a relative who only reads does nothing for her ("pour votre compte" would say he did).
    assert (export.actor_kind, export.actor_name, export.on_behalf_of) == ("caregiver", "Hugo Martin", "")

    await closing.set_closed(db, dossier=small.dossier, closed=True, actor=CAMILLE)
    closed = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    assert closed.status_code == 200 and len(csv_rows(closed.content)) == len(await events(db, small.dossier.id))


async def test_a_minor_s_parent_exports_no_trace_of_what_was_kept_from_parents(client, db, app):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    vaccine = await add_text_document(db, app, leo.dossier, title="Vaccin ROR", category="vaccination")
    doctor = await new_professional(db, given_name="Anne", family_name="Girard", profession="médecin", stem=43)
    kept = await add_document(db, app.state.storage, dossier=leo.dossier, title="Consultation confidentielle",
                              category="compte_rendu", event_date=date(2025, 2, 3), filename="cr.txt",
                              mime_type="text/plain", data=b"Confidentiel", author=doctor.professional, commit=False)
    kept.hidden_from_representatives = True  # as the doctor's upload form files it, at Léo's request (CSP L1111-5)
    await append(db, dossier_id=leo.dossier.id, action="add_document", document=kept, right="grant",
                 actor=Actor(None, "professional", "Anne Girard", "médecin", doctor.rpps))
    await db.commit()

    page = await client.get(f"/dossiers/{leo.dossier.id}/export")  # the count leaves out what is kept from parents
    shown = len(await events(db, leo.dossier.id)) - 1
    assert f"({shown} événement{'s' if shown > 1 else ''} à ce jour, plus celui de cette copie)" in page.text
    assert "<strong>1 document</strong>, tel qu'il a été déposé" in html.unescape(page.text)  # one, said in the singular
    # Deleting it takes it from Léo and his relatives: not from "vos aidants", as if she were the patient.
    deleting = html.unescape((await client.get(f"/documents/{vaccine.id}/suppression")).text)
    assert "ni Léo Martin, ni ses autres proches, ni vous" in deleting and "vos aidants" not in deleting
    copy = await post_form(client, f"/dossiers/{leo.dossier.id}/export", {})
    assert copy.status_code == 200
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 1
        # What a parent sees, never said to be the whole dossier (as every representative's copy, kept or not).
        ips = json.loads(archive.read("synthese-ips.json"))
        assert [t["code"] for t in ips["meta"]["tag"]] == ["dossier-vu-par-un-representant"]
        summary = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(archive.read("synthese.pdf")))
        assert "complète" not in summary and "Copie du dossier, telle que vous le voyez" in summary.replace("\r\n", " ")
        for name in archive.namelist():
            content = archive.read(name)
            text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(content)) \
                if name.endswith(".pdf") else content.decode("utf-8", errors="replace")
            for trace in ("Consultation confidentielle", "Girard", doctor.rpps, kept.id):
                assert trace not in text, (trace, name)


async def test_a_parent_s_copies_are_named_for_each_child_and_speak_of_the_child(client, db, app):
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    names = []
    for serial, given, of_child in ((4, "Léo", "de Léo"), (8, "Émilie", "d'Émilie")):
        child = await new_patient(db, given_name=given, family_name="Martin", birth=years_ago(9), serial=serial)
        await post_form(client, "/enfant", {"code": child.code, "birth_date": child.birth_date.isoformat()})
        response = await post_form(client, f"/dossiers/{child.dossier.id}/export", {})
        assert response.status_code == 200
        names.append(re.fullmatch(r'attachment; filename="(.*)"', response.headers["content-disposition"]).group(1))
        readme = member(response.content, "LISEZMOI.txt").decode()
        assert f"l'identité {of_child} Martin, son profil médical" in readme and "votre identité" not in readme
    assert [re.sub(r"-\d{4}-\d{2}-\d{2}", "", n) for n in names] == ["carnet-dossier-leo.zip",
                                                                     "carnet-dossier-emilie.zip"]
