"""A laboratory's software, through the FHIR API (an outside probe's finds): it sent a corrected result (relatesTo
"replaces"), then withdrew that correction (entered-in-error). The result it corrected stayed "superseded": gone from
the patient's timeline and search, its page leading to an emptied line, and the laboratory could correct it no more
(it was "already replaced", by a version that was withdrawn). A withdrawn correction now gives back the version it
replaced, current again, which may be corrected again; and so it is in a copy read back elsewhere. And the patient
was told of a correction as of a new result."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from sqlalchemy import text
from sqlmodel import select

from server.export.archive import IPS_NAME
from server.models import Document
from tests.conftest import ORIGIN, AsyncTestClient, activate, new_patient, new_professional, post_form
from tests.fhir_support import as_bundle, provide_bundle, report_pdf
from tests.patient_helpers import migrate, titles_in
from tests.export_helpers import carnet, elsewhere  # noqa: F401 (a fixture: another installation)
from tests.test_fhir_api import practice, push  # noqa: F401 (a fixture)
from tests.test_patient_adds_documents import words

WITHDRAWAL = json.dumps([{"op": "replace", "path": "/status", "value": "entered-in-error"}])
PATCHING = {"content-type": "application/json-patch+json"}
RESULT = "Ionogramme sanguin - potassium 5,9 mmol/L"
WRONG = "Ionogramme sanguin - contrôle erroné"
AGAIN = "Ionogramme sanguin - résultat corrigé"


async def correction(client, practice, patient, title: str, target: str) -> str:  # noqa: F811
    bundle = provide_bundle(patient.patient.ins, title=title, data=report_pdf(title), category="biologie")
    bundle["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces",
                                                    "target": {"reference": f"DocumentReference/{target}"}}]
    entry = as_bundle(await push(client, practice, bundle)).entry[1].response
    assert entry.status == "201 Created", entry
    return entry.location.split("/")[1]


async def result_and_withdrawn_correction(client, practice, patient) -> tuple[str, str]:  # noqa: F811
    first = as_bundle(await push(client, practice, provide_bundle(
        patient.patient.ins, title=RESULT, data=report_pdf(RESULT), category="biologie"))
    ).entry[1].response.location.split("/")[1]
    wrong = await correction(client, practice, patient, WRONG, first)
    withdrawn = await client.patch(f"/fhir/DocumentReference/{wrong}", content=WITHDRAWAL,
                                   headers={**practice.headers, **PATCHING})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "entered-in-error"
    return first, wrong


async def test_a_withdrawn_correction_gives_back_the_result_it_replaced(client, db, app, patient,
                                                                        practice):  # noqa: F811
    first, wrong = await result_and_withdrawn_correction(client, practice, patient)

    # The result is current again, in a version of its own: filed (1), replaced (2), given back (3).
    back = await client.get(f"/fhir/DocumentReference/{first}", headers=practice.headers)
    assert back.json()["status"] == "current" and back.headers["etag"] == 'W/"3"'
    assert back.json()["meta"]["versionId"] == "3"
    current = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&status=current",
                                         headers=practice.headers))
    assert [e.resource.id for e in current.entry] == [first]

    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        timeline = await phone.get(f"/dossiers/{patient.dossier.id}")
        assert RESULT in titles_in(timeline.text)
        searched = await post_form(phone, f"/dossiers/{patient.dossier.id}/recherche", {"q": "potassium"})
        assert titles_in(searched.text) == [RESULT]
        page = words(await phone.get(f"/documents/{first}"))
        assert "Remplacé par une version plus récente" not in page and "Version remplacée" not in page
        # The withdrawn line replaces nothing, and says so (an outside probe's find: "Cette version remplace…").
        withdrawn = words(await phone.get(f"/documents/{wrong}"))
        assert "Cette version remplace" not in withdrawn
        assert "Ce document devait remplacer celui du" in withdrawn and "qui reste la version en vigueur" in withdrawn

        # The laboratory corrects it again; the withdrawn line is not the version before the new one.
        again = await correction(client, practice, patient, AGAIN, first)
        replaced = await client.get(f"/fhir/DocumentReference/{first}", headers=practice.headers)
        assert replaced.json()["status"] == "superseded" and replaced.headers["etag"] == 'W/"4"'
        old = await phone.get(f"/documents/{first}")
        assert f'href="/documents/{again}"' in old.text and f'href="/documents/{wrong}"' not in old.text
        timeline = await phone.get(f"/dossiers/{patient.dossier.id}")
        assert AGAIN in titles_in(timeline.text) and RESULT not in titles_in(timeline.text)

        # Deleting the withdrawn line deletes it alone: the result and its correction are not its versions.
        deleted = await post_form(phone, f"/documents/{wrong}/suppression", {})
        assert deleted.status_code == 200
    await db.commit()
    rows = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    assert {d.id: d.deleted_at is not None for d in rows} == {first: False, wrong: True, again: False}


async def test_a_copy_read_back_elsewhere_keeps_the_result_given_back(client, app, patient, practice, elsewhere,
                                                                       tmp_path):  # noqa: F811
    await result_and_withdrawn_correction(client, practice, patient)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        copy = await post_form(phone, f"/dossiers/{patient.dossier.id}/export", {})
    assert copy.status_code == 200
    (tmp_path / "copie.zip").write_bytes(copy.content)
    rows = await read_back(elsewhere, tmp_path / "copie.zip")
    assert {(d.title, d.withdrawn_at is not None, d.superseded_at is not None) for d in rows} == {
        (RESULT, False, False), ("", True, False)}


async def test_a_result_withdrawn_from_before_0061_is_given_back_by_it_and_the_migration_goes_down_and_up(
        client, db, app, patient, practice):  # noqa: F811
    from alembic import command

    first, wrong = await result_and_withdrawn_correction(client, practice, patient)
    await migrate(app, command.downgrade, "0060")
    # What a withdrawal left until now: the version it replaced, superseded still.
    await db.exec(text("UPDATE document SET superseded_at = created_at WHERE id = :id"), params={"id": first})
    await db.commit()
    await migrate(app, command.upgrade, "head")
    back = await client.get(f"/fhir/DocumentReference/{first}", headers=practice.headers)
    assert back.json()["status"] == "current" and back.headers["etag"] == 'W/"3"'
    await migrate(app, command.downgrade, "0060")
    await migrate(app, command.upgrade, "head")


async def test_the_patient_is_told_a_result_is_corrected_not_added(client, app, patient, practice):  # noqa: F811
    """The banner and the Historique said "a ajouté « HbA1c »" for a lab's correction as for its first result, sent
    under the same title, as laboratories do: nothing told her that a result she had read was corrected."""
    title = "Hémoglobine glyquée (HbA1c)"
    first = as_bundle(await push(client, practice, provide_bundle(
        patient.patient.ins, title=title, data=report_pdf("HbA1c 6,8 %"), category="biologie"))
    ).entry[1].response.location.split("/")[1]
    bundle = provide_bundle(patient.patient.ins, title=title, data=report_pdf("HbA1c 6,9 %"), category="biologie")
    bundle["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces",
                                                    "target": {"reference": f"DocumentReference/{first}"}}]
    assert as_bundle(await push(client, practice, bundle)).entry[1].response.status == "201 Created"
    corrected = "via le logiciel « Logiciel du cabinet » : une nouvelle version, qui remplace la précédente."
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        banner = " ".join(words(await phone.get(f"/dossiers/{patient.dossier.id}")).split())
        log = " ".join(words(await phone.get("/historique")).split())
    for page in (banner, log):
        assert page.count(corrected) == 1, page  # the correction, not the first result
        assert page.count(f"a ajouté « {title} »") == 2


async def test_a_copy_read_back_keeps_a_chain_whose_middle_version_was_withdrawn(client, app, patient, practice,
                                                                                elsewhere, tmp_path):  # noqa: F811
    """A result corrected twice, the first correction withdrawn once the second replaced it: the result stays replaced.
    Read back from a copy, it was given back, current beside the latest, when the copy listed the withdrawn version
    (its act dated later) before the one that replaced it and their instants tied (to the second, as a laboratory's
    software files a chain): whether a version gave back the one before it was read before its own replacement."""
    async def sent(title: str, when: date, replaces: str | None = None) -> str:
        bundle = provide_bundle(patient.patient.ins, title=title, data=report_pdf(title), category="biologie",
                                when=when)
        if replaces:
            bundle["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces",
                                                            "target": {"reference": f"DocumentReference/{replaces}"}}]
        return as_bundle(await push(client, practice, bundle)).entry[1].response.location.split("/")[1]

    first = await sent(RESULT, date(2026, 11, 20))
    wrong = await sent(WRONG, date(2026, 11, 25), replaces=first)  # the act's date mistyped, among other things
    await sent(AGAIN, date(2026, 11, 10), replaces=wrong)
    withdrawn = await client.patch(f"/fhir/DocumentReference/{wrong}", content=WITHDRAWAL,
                                   headers={**practice.headers, **PATCHING})
    assert withdrawn.status_code == 200
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        copy = await post_form(phone, f"/dossiers/{patient.dossier.id}/export", {})
    assert copy.status_code == 200
    # The three filed within one second, as the test's requests may or may not be: said so in the copy.
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive, \
            zipfile.ZipFile(tmp_path / "copie.zip", "w") as rewritten:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == IPS_NAME:
                summary = json.loads(data)
                for entry in summary["entry"]:
                    if entry["resource"]["resourceType"] == "DocumentReference":
                        entry["resource"]["date"] = "2026-12-01T09:00:00Z"
                data = json.dumps(summary).encode()
            rewritten.writestr(info, data)
    rows = await read_back(elsewhere, tmp_path / "copie.zip")
    assert {(d.title, d.withdrawn_at is not None, d.superseded_at is not None) for d in rows} == {
        (RESULT, False, True), ("", True, True), (AGAIN, False, False)}


async def read_back(elsewhere, copy) -> list[Document]:
    """The copy read into another installation, into the empty dossier of a patient of the same INS (with the doctor
    who wrote its results): its documents there."""
    there = await new_patient(elsewhere.session)
    await new_professional(elsewhere.session, given_name="Claire", family_name="Bernard", profession="médecin",
                           stem=7)
    done = carnet(elsewhere, "import", "dossier", str(copy), "--ins", there.patient.ins)
    assert done.returncode == 0, done.stderr
    await elsewhere.session.commit()
    return list((await elsewhere.session.exec(select(Document).where(Document.dossier_id == there.dossier.id))).all())
