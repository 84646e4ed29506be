"""A hospital's records office, through the FHIR API (an outside probe's finds): a discharge report sent to the wrong
patient, a namesake, and withdrawn at once (entered-in-error) stayed whole for her, its title, text and file in her
timeline, search, page, copy and summaries, and the banner told of its arrival, never of its withdrawal; a corrected
version sent with relatesTo "replaces" was filed beside the first, both current. Withdrawn is now erased, as a
deletion is, and a correction replaces the version before (IHE MHD's Document Recipient)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import timedelta

import pypdfium2
from sqlalchemy import text
from sqlmodel import select

from server.access import grants, hiding
from server.accesslog import audit
from server.files.blobs import release_pending
from server.models import AccessEvent, Document, Notification
from server.search import erase_deleted_words
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, new_professional, post_form
from tests.fhir_support import as_bundle, as_outcome, provide_bundle, report_pdf
from tests.patient_helpers import migrate, titles_in
from tests.test_deleted_document_leaves_no_words import columns_holding
from tests.test_document_files import stored_pdf
from tests.test_document_text import report
from tests.test_fhir_api import PATIENT, practice, push, registered, token_for  # noqa: F401 (a fixture)
from tests.test_patient_adds_documents import words

WRONG_TITLE = "CRH Pneumologie Mme Martin née 1984"  # another Mme Martin's: the records office's mistake
TEXT_WORD = "Bronchoscopie"  # a word of its text alone
WITHDRAWAL = json.dumps([{"op": "replace", "path": "/status", "value": "entered-in-error"}])
PATCHING = {"content-type": "application/json-patch+json"}


def pdf_text(data: bytes) -> str:
    """A PDF's words, each space one (a cell's line breaks too)."""
    return " ".join("".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data)).split())


async def sent(client, practice, patient, **bundle) -> str:  # noqa: F811
    answer = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, **bundle)))
    assert answer.entry[1].response.status == "201 Created"
    return answer.entry[1].response.location.split("/")[1]


async def colleague(client, db, app, patient, *, browser=None) -> dict:
    """A kiné with a grant on the dossier, and his software's headers: another reader, through the API (and logged
    in on `browser`, if given)."""
    kine = await new_professional(db, stem=8)
    if browser is not None:
        await activate_professional(browser, kine)
    else:
        async with AsyncTestClient(app, base_url=ORIGIN) as elsewhere:
            await activate_professional(elsewhere, kine)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine.professional, categories="",
                              duration="1a", actor=PATIENT)
    software = await registered(client, db, kine, name="Logiciel kiné")
    return {"authorization": f"Bearer {await token_for(client, software)}"}


def with_version(bundle: dict, target: str | None, *, code: str = "replaces") -> dict:
    """The Bundle's DocumentReference says it replaces `target` (a reference as software writes it)."""
    if target is not None:
        bundle["entry"][1]["resource"]["relatesTo"] = [{"code": code, "target": {"reference": target}}]
    return bundle


async def test_a_report_withdrawn_from_a_namesake_s_dossier_is_read_there_by_no_one(client, db, app, patient,
                                                                                   practice):  # noqa: F811
    document_id = await sent(client, practice, patient, title=WRONG_TITLE,
                             data=report(WRONG_TITLE, f"{TEXT_WORD} : aspect inflammatoire."))
    document = await db.get(Document, document_id)
    key = document.storage_key
    kine = await colleague(client, db, app, patient)
    withdrawn = await client.patch(f"/fhir/DocumentReference/{document_id}", content=WITHDRAWAL,
                                   headers={**practice.headers, **PATCHING})
    assert withdrawn.status_code == 200
    answered = withdrawn.json()
    assert answered["status"] == "entered-in-error" and "description" not in answered
    assert set(answered["content"][0]["attachment"]) == {"contentType"}  # nothing left to fetch

    # Software, the author's or another reader's: the document as withdrawn, with no content.
    for headers in (practice.headers, kine):
        found = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}", headers=headers))
        [reference] = [e.resource for e in found.entry]
        assert reference.status == "entered-in-error" and reference.description is None
        assert reference.content[0].attachment.url is None and WRONG_TITLE not in found.model_dump_json()
        assert (await client.get(f"/fhir/Binary/{document_id}", headers=headers)).status_code == 404
    current = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&status=current",
                                         headers=kine))
    assert not current.entry
    await db.commit()
    assert not app.state.storage.exists(key)  # its file erased, once the withdrawal committed

    async with AsyncTestClient(app, base_url=ORIGIN) as phone:  # the wrong patient, who was sent it
        await activate(phone, patient)
        timeline = await phone.get(f"/dossiers/{patient.dossier.id}")
        said = words(timeline)
        assert WRONG_TITLE not in said and "Pneumologie" not in said
        assert "retiré par son auteur" in said and "Claire Bernard" in said
        # The banner tells of the withdrawal, and no longer of an arrival that quoted the title.
        assert "a retiré" in said and "a ajouté" not in said
        for asked in ("Pneumologie", TEXT_WORD):
            searched = await post_form(phone, f"/dossiers/{patient.dossier.id}/recherche", {"q": asked})
            assert searched.status_code == 200 and titles_in(searched.text) == []
            assert "Aucun document ne correspond" in words(searched) and "retiré par son auteur" not in words(searched)
        page = await phone.get(f"/documents/{document_id}")
        assert page.status_code == 200 and "Pneumologie" not in words(page) and TEXT_WORD not in words(page)
        assert "Document retiré par son auteur" in words(page) and f"/documents/{document_id}/fichier" not in page.text
        for address in ("fichier", "fichier?affichage=1", "pages/1", "pages/1/plein-ecran"):
            assert (await phone.get(f"/documents/{document_id}/{address}")).status_code == 404, address
        printed = await phone.get(f"/dossiers/{patient.dossier.id}/imprimer")
        assert printed.status_code == 200 and "Pneumologie" not in printed.text
        # Her Historique says who added a document and withdrew it, and names it by no title. (The event of its
        # arrival stored the title, hashed in the chain: neither the page's data for her phone's check nor the log's
        # files give it, test_withdrawn_title_left_out.py; a sentence says less than the hash covers.)
        historique = await phone.get("/historique")
        log = words(historique)
        assert "Pneumologie" not in historique.text
        assert "a ajouté un document retiré par la personne qui l'avait ajouté" in log and "a retiré" in log  # "médecin": either

        copy = await post_form(phone, f"/dossiers/{patient.dossier.id}/export", {})
        assert copy.status_code == 200
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:
        assert not [name for name in archive.namelist() if name.startswith("documents/")]
        ips = json.loads(archive.read("synthese-ips.json"))
        summary = pdf_text(archive.read("synthese.pdf"))
        for name in archive.namelist():
            if name != "synthese.pdf":  # the PDF, read below
                assert "Pneumologie" not in archive.read(name).decode(), name
    assert "Pneumologie" not in summary and "retiré par son auteur" in summary
    [reference] = [e["resource"] for e in ips["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    assert reference["status"] == "entered-in-error" and "url" not in reference["content"][0]["attachment"]
    [section] = [s for s in ips["entry"][0]["resource"]["section"] if s["title"] == "Documents du dossier"]
    assert "retiré par son auteur" in section["text"]["div"]

    # In the database, its title is in the access log's events alone; its text nowhere, once housekeeping merged.
    await erase_deleted_words(db)
    # (Her session keeps the words she searched for, hers: timeline.py.)
    assert await columns_holding(db, "Pneumologie") - {"websession.data"} <= {"accessevent.document_title"}
    assert await columns_holding(db, TEXT_WORD.lower()) == set()
    [withdrawal] = (await db.exec(select(AccessEvent).where(AccessEvent.action == "withdraw_document"))).all()
    assert withdrawal.document_title == ""  # the withdrawal's own event names no title
    told = (await db.exec(select(AccessEvent.action).join(Notification, Notification.event_id == AccessEvent.id)
                          .where(Notification.dossier_id == patient.dossier.id))).all()
    assert "withdraw_document" in told and "add_document" not in told


async def test_a_corrected_version_replaces_the_one_before_for_the_patient_and_every_reader(client, db, app, patient,
                                                                                           practice):  # noqa: F811
    first = await sent(client, practice, patient, title="CR consultation (provisoire)",
                       data=report_pdf("CR consultation provisoire"))
    browser = await AsyncTestClient(app, base_url=ORIGIN).__aenter__()
    kine = await colleague(client, db, app, patient, browser=browser)
    read = await browser.get(f"/documents/{first}")  # he reads the first version
    assert read.status_code == 200 and "Remplacé" not in words(read)
    answer = await push(client, practice, with_version(provide_bundle(
        patient.patient.ins, title="CR consultation (définitif)", data=report_pdf("CR consultation définitif")),
        f"DocumentReference/{first}"))
    entry = as_bundle(answer).entry[1].response
    assert entry.status == "201 Created" and entry.outcome is None
    second = entry.location.split("/")[1]

    earlier = await client.get(f"/fhir/DocumentReference/{first}", headers=practice.headers)
    assert earlier.json()["status"] == "superseded" and earlier.headers["etag"] == 'W/"2"'
    later = (await client.get(f"/fhir/DocumentReference/{second}", headers=kine)).json()
    assert later["status"] == "current"
    assert later["relatesTo"] == [{"code": "replaces", "target": {"reference": f"DocumentReference/{first}"}}]
    current = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&status=current",
                                         headers=kine))
    assert [e.resource.id for e in current.entry] == [second]
    every = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}", headers=kine))
    assert {e.resource.id: e.resource.status for e in every.entry} == {first: "superseded", second: "current"}
    assert (await client.get(f"/fhir/Binary/{first}", headers=kine)).status_code == 200  # an earlier version, no error

    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        timeline = await phone.get(f"/dossiers/{patient.dossier.id}")
        assert titles_in(timeline.text) == ["CR consultation (définitif)"]  # the latest alone
        searched = await post_form(phone, f"/dossiers/{patient.dossier.id}/recherche", {"q": "consultation"})
        assert titles_in(searched.text) == ["CR consultation (définitif)"]
        page = words(await phone.get(f"/documents/{second}"))
        assert "Cette version remplace celle du" in page and "Lire la version précédente" in page
        assert f'href="/documents/{first}"' in (await phone.get(f"/documents/{second}")).text
        old = await phone.get(f"/documents/{first}")
        assert old.status_code == 200 and "CR consultation (provisoire)" in words(old)
        assert "Remplacé par une version plus récente" in words(old) and f'href="/documents/{second}"' in old.text
        copy = await post_form(phone, f"/dossiers/{patient.dossier.id}/export", {})
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:  # both versions, each said for what it is
        ips = json.loads(archive.read("synthese-ips.json"))
        assert "CR consultation (provisoire) » (remplacé par une version plus récente)" in pdf_text(
            archive.read("synthese.pdf"))
    versions = {e["resource"]["description"]: e for e in ips["entry"]
                if e["resource"]["resourceType"] == "DocumentReference"}
    earlier_entry, later_entry = versions["CR consultation (provisoire)"], versions["CR consultation (définitif)"]
    assert earlier_entry["resource"]["status"] == "superseded"
    assert later_entry["resource"]["relatesTo"] == [{"code": "replaces",
                                                     "target": {"reference": earlier_entry["fullUrl"]}}]

    # The professional who read the first version is led to the new one.
    seen = await browser.get(f"/documents/{first}")
    assert "Remplacé par une version plus récente" in words(seen) and f'href="/documents/{second}"' in seen.text
    await browser.__aexit__(None, None, None)


async def test_hiding_or_deleting_the_latest_version_takes_the_earlier_ones_with_it(client, db, app, patient,
                                                                                    practice):  # noqa: F811
    first = await sent(client, practice, patient, title="Bilan v1", data=report_pdf("Bilan v1"))
    second = as_bundle(await push(client, practice, with_version(provide_bundle(
        patient.patient.ins, title="Bilan v2", data=report_pdf("Bilan v2")), f"DocumentReference/{first}"))
    ).entry[1].response.location.split("/")[1]
    kine = await colleague(client, db, app, patient)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        hidden = await post_form(phone, f"/documents/{second}/masquage", {"masque": "oui"})
        assert hidden.status_code == 200
        seen = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}", headers=kine))
        assert not seen.entry  # the earlier version is no more readable than the one she hid
        deleted = await post_form(phone, f"/documents/{second}/suppression", {})
        assert deleted.status_code == 200
    await db.commit()
    rows = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    assert {(d.id, d.deleted_at is not None, d.title) for d in rows} == {(first, True, ""), (second, True, "")}


async def test_a_replacement_the_sender_may_not_make_is_a_french_422_and_files_nothing(client, db, app, patient,
                                                                                      practice):  # noqa: F811
    """A version not the sender's, not this dossier's, deleted or never there is refused alike: the answer says
    nothing of a document the sender did not send here. Its own withdrawn, replaced or other-category version is
    told so; another relation than "replaces" is refused, not dropped."""
    own = await sent(client, practice, patient, title="CR", data=report_pdf("CR"))
    gone = await sent(client, practice, patient, title="Effacé", data=report_pdf("Effacé"))
    await hiding.delete_document(db, document=await db.get(Document, gone), actor=PATIENT, storage=app.state.storage)
    kine = await colleague(client, db, app, patient)
    kine_own = as_bundle(await client.post("/fhir", content=json.dumps(provide_bundle(
        patient.patient.ins, title="Bilan kiné", data=report_pdf("Bilan kiné"))),
        headers={**kine, "content-type": "application/fhir+json"})).entry[1].response.location.split("/")[1]
    count = len((await db.exec(select(Document))).all())

    async def refused(target: str | None, code: str = "replaces", **bundle) -> str:
        options = {"title": "Nouvelle version", "data": report_pdf("Nouvelle version"), **bundle}
        answer = await push(client, practice, with_version(provide_bundle(patient.patient.ins, **options), target,
                                                           code=code))
        assert answer.status_code == 422, answer.text
        said = as_outcome(answer).issue[0].diagnostics
        assert said.startswith("L'entrée 2 du Bundle (masterIdentifier")  # each its own identifier: told apart
        return said.partition(" est refusée")[2]

    alike = {await refused(target) for target in (f"DocumentReference/{'0' * 32}", f"DocumentReference/{kine_own}",
                                                  f"DocumentReference/{gone}", f"{ORIGIN}/fhir/DocumentReference/{gone}")}
    assert len(alike) == 1 and "n'est pas un document que vous avez envoyé dans ce dossier" in alike.pop()
    assert "la catégorie" in await refused(f"DocumentReference/{own}", category="imagerie")
    assert "«\u00a0appends\u00a0»" in await refused(f"DocumentReference/{own}", code="appends")
    assert "relatesTo.target.reference" in await refused("https://ailleurs.example/fhir/DocumentReference/" + own)
    await db.commit()
    assert len((await db.exec(select(Document))).all()) == count

    replaced = as_bundle(await push(client, practice, with_version(provide_bundle(
        patient.patient.ins, title="CR v2", data=report_pdf("CR v2")), f"DocumentReference/{own}")))
    newest = replaced.entry[1].response.location.split("/")[1]
    assert f"déjà remplacée (superseded) par DocumentReference/{newest}" in await refused(f"DocumentReference/{own}")
    withdrawn = await client.patch(f"/fhir/DocumentReference/{newest}", content=WITHDRAWAL,
                                   headers={**practice.headers, **PATCHING})
    assert withdrawn.status_code == 200
    assert "est retirée (entered-in-error)" in await refused(f"DocumentReference/{newest}")


async def test_a_binary_of_a_withdrawn_document_logs_no_download(client, db, patient, practice):  # noqa: F811
    document_id = await sent(client, practice, patient, title="Radio", data=report_pdf("Radio"))
    assert (await client.patch(f"/fhir/DocumentReference/{document_id}", content=WITHDRAWAL,
                               headers={**practice.headers, **PATCHING})).status_code == 200
    for accept in ("application/pdf", "application/fhir+json"):
        answer = await client.get(f"/fhir/Binary/{document_id}", headers={**practice.headers, "accept": accept})
        assert answer.status_code == 404 and base64.b64encode(b"%PDF").decode() not in answer.text
    await db.commit()
    downloads = (await db.exec(select(AccessEvent).where(AccessEvent.action == "download"))).all()
    assert downloads == []


async def test_a_document_withdrawn_before_0052_is_erased_by_it_and_the_migration_goes_down_and_up(app, db, patient):
    from alembic import command

    gone = await stored_pdf(db, app, patient.dossier, data=report(WRONG_TITLE, TEXT_WORD), title=WRONG_TITLE)
    kept = await stored_pdf(db, app, patient.dossier, data=report("Kyste cortical simple."), title="Échographie")
    key = gone.storage_key
    await audit.begin_chained(db, dossier_id=patient.dossier.id)
    arrival = await audit.append(db, dossier_id=patient.dossier.id, action="add_document", actor=PATIENT, document=gone)
    db.add(Notification(dossier_id=patient.dossier.id, event_id=arrival.id))
    await audit.commit_chained(db)
    await migrate(app, command.downgrade, "0051")
    # What a withdrawal did until now: the row marked, everything else left.
    await db.exec(text("UPDATE document SET withdrawn_at = created_at WHERE id = :id"), params={"id": gone.id})
    await db.commit()

    await migrate(app, command.upgrade, "head")
    row = (await db.exec(text("SELECT title, filename, search_title, search_text, storage_key, size FROM document "
                              "WHERE id = :id"), params={"id": gone.id})).one()
    assert tuple(row) == ("", "", "", "", "", 0)
    assert (await db.exec(text("SELECT count(*) FROM documentpage WHERE document_id = :id"),
                          params={"id": gone.id})).one()[0] == 0
    assert (await db.exec(text("SELECT count(*) FROM notification"))).one()[0] == 0  # its arrival's news
    assert (await db.exec(text("SELECT title FROM document WHERE id = :id"), params={"id": kept.id})).one()[0] \
        == "Échographie"
    await db.commit()
    await release_pending(db, app.state.storage, older_than=timedelta(0))  # housekeeping's round
    assert not app.state.storage.exists(key) and app.state.storage.exists(kept.storage_key)

    await migrate(app, command.downgrade, "0051")
    await migrate(app, command.upgrade, "head")


async def test_a_withdrawn_document_sent_again_gives_no_address_of_bytes_it_no_longer_has(client, db, patient,
                                                                                        practice):  # noqa: F811
    """Sent again once withdrawn, it is not filed again and its metadata keeps its address (W/"2"); its bytes were
    erased, so its Binary entry names none, as a deleted document's. An outside probe's find: `Binary/<id>` was
    given, and answered 404."""
    bundle = provide_bundle(patient.patient.ins, title="CR d'un homonyme", data=report_pdf("CR"))
    document_id = as_bundle(await push(client, practice, bundle)).entry[1].response.location.split("/")[1]
    withdrawn = await client.patch(f"/fhir/DocumentReference/{document_id}", content=WITHDRAWAL,
                                   headers={**practice.headers, **PATCHING})
    assert withdrawn.status_code == 200
    again = as_bundle(await push(client, practice, bundle))
    [_listed, reference, binary] = [entry.response for entry in again.entry]
    assert (reference.status, reference.location, reference.etag) == \
        ("200 OK", f"DocumentReference/{document_id}", 'W/"2"')
    assert binary.status == "200 OK" and binary.location is None
    assert (await client.get(f"/fhir/Binary/{document_id}", headers=practice.headers)).status_code == 404
