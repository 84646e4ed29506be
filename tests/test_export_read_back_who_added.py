"""A copy read back keeps who added each document and item, and the type a practice's software coded a document with."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from server.export.archive import build_export
from server.export.restore import TRANSFER, NotRestorable, restore
from server.fhir.identity import unqualified_ins
from tests.conftest import ORIGIN, AsyncTestClient, activate, new_professional
from tests.export_read_back_helpers import (
    COPIES, KINE, TYPED, copy_made_elsewhere, documents_by_title, engine_of, here, installation_unless_made, text,
)
from tests.patient_helpers import migrate
from tests.caregiver_helpers import as_account
from tests.export_helpers import (  # noqa: F401 - elsewhere: a fixture, another installation (her_copy's)
    NOW, Installation, carnet, counts, elsewhere, ips_changed, resources_of,
)
from tests.test_fhir_api import practice  # noqa: F401 - a fixture: Dr Bernard's software, with a grant of everything
from tests.test_patient_adds_documents import relative
from tests.test_profile import TODAY


RELATIVE_EXTENSION = "urn:carnet:fhir:ajoute-par-un-proche"  # the relative's name, on what they added


@pytest.fixture
def _there(request, settings) -> Installation | None:
    return installation_unless_made(request, settings, None)


@pytest.fixture
async def her_copy(settings, _there) -> bytes:
    """Her copy (copy_made_elsewhere), made in another installation on this test's engine: once per engine and
    process, by the first test that asks, the same bytes for the next ones. The tests only read it (bytes: each
    reads it back into its own database, or a changed copy of it), and the same calls made it again, but for the ids
    they draw: a dossier and its copy built again for each test (a database made and dropped for each on PostgreSQL)
    proved nothing more."""
    key = (engine_of(settings), None)
    if key not in COPIES:
        COPIES[key] = await copy_made_elsewhere(_there)
    return COPIES[key]


async def test_the_command_reads_back_who_added_each_document_and_item_and_says_what_it_approximates(
        client, db, app, settings, patient, practice, her_copy, tmp_path):  # noqa: F811
    kine = await new_professional(db, stem=KINE)
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(her_copy)
    # A Paul Martin manages her dossier here: maybe her husband, maybe not; nothing in the copy says which account.
    paul_here = await relative(db, patient, manages=True)

    done = carnet(here(settings, app, db), "import", "dossier", str(copy), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr
    assert "3 documents et 2 informations du profil médical relus dans le dossier." in done.stdout

    dossier = f"/dossiers/{patient.dossier.id}"
    added = await documents_by_title(db, patient.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as her_phone:
        await activate(her_phone, patient)  # she comes to this installation after the move: her account is made now
        timeline = text(await her_phone.get(dossier))
        assert "Mes questions Vous · 3 février 2025" in timeline
        assert "Questions pour le cardiologue Paul Martin (proche) · 3 février 2025" in timeline
        assert "Bilan kiné Julie Moreau, masseur-kinésithérapeute · 3 juin 2025" in timeline
        for title, author in (("Mes questions", "Vous"), ("Questions pour le cardiologue", "Paul Martin (proche)")):
            assert f"Auteur ou source{author}" in text(await her_phone.get(f"/documents/{added[title].id}"))
        printed = text(await her_phone.get(f"{dossier}/imprimer"))  # for a new doctor: no "Vous"
        assert re.search(r"Mes questions\s*Camille Martin\s", printed)
        assert re.search(r"Questions pour le cardiologue\s*Paul Martin \(proche\)", printed)
        profile = text(await her_phone.get(f"{dossier}/profil"))
        # Her treatment, his allergy, each said as what it is
        assert "Déclaré par vous le" in profile and "Déclarée par Paul Martin (proche) le" in profile

    # The Paul Martin of this installation is not told he added either: no account here is known to be the one.
    async with AsyncTestClient(app, base_url=ORIGIN) as his_phone:
        await as_account(his_phone, db, paul_here)
        seen = text(await his_phone.get(dossier))
        assert "Mes questions Camille Martin · 3 février 2025" in seen
        assert "Questions pour le cardiologue Paul Martin (proche) · 3 février 2025" in seen and "Vous ·" not in seen
        his = text(await his_phone.get(f"{dossier}/profil"))
        assert "Déclarée par vous" not in his and "Déclaré par vous" not in his
    assert {d.added_by_account_id for d in added.values()} == {None}

    # Her doctor's software reads each as it read it there, the kiné's report with the type its software gave.
    async def read(title: str):
        return await client.get(f"/fhir/DocumentReference/{added[title].id}", headers=practice.headers)

    assert (await read("Mes questions")).json()["author"] == [  # no Patient is served: by identifier (fhir/identity.py)
        {"identifier": unqualified_ins(patient.patient), "display": "Camille Martin"}]
    assert (await read("Questions pour le cardiologue")).json()["author"] == [{"display": "Paul Martin (proche)"}]
    report = (await read("Bilan kiné")).json()
    assert report["type"]["coding"] == [dict(zip(("system", "code", "display"), TYPED))]
    assert report["author"][0]["identifier"]["value"] == f"8{kine.rpps}"
    found = await client.get("/fhir/DocumentReference", params={"patient": patient.patient.id,
                                                                "type": f"{TYPED[0]}|{TYPED[1]}"},
                             headers=practice.headers)
    assert [e["resource"]["description"] for e in found.json().get("entry", [])] == ["Bilan kiné"]
    # What it could not know, the command said.
    assert ("Les proches qui ont ajouté 1 document et 1 information sont nommés tels que la copie les écrit, sans "
            "être rattachés à un compte d'ici : un compte ne se reconnaît pas d'une installation à l'autre."
            in done.stdout)


async def test_a_copy_made_before_the_relatives_extension_names_them_by_the_author_s_label(
        client, db, app, patient, her_copy):
    """Copies made before RELATIVE_EXTENSION name a relative only in their document's author ("Paul Martin
    (proche)"), and say the patient declared every item no professional did: read back as they say it."""
    await new_professional(db, stem=KINE)

    def as_made_before(ips: dict) -> dict:
        for resource in (entry["resource"] for entry in ips["entry"]):
            kept = [e for e in resource.pop("extension", []) if e["url"] != RELATIVE_EXTENSION]
            if kept:
                resource["extension"] = kept
        return ips

    data = ips_changed(her_copy, as_made_before)
    assert b"ajoute-par-un-proche" not in data
    await restore(db, app.state.storage, zip_bytes=data, dossier=patient.dossier, actor=TRANSFER, today=TODAY)
    await activate(client, patient)
    timeline = text(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert "Mes questions Vous" in timeline and "Questions pour le cardiologue Paul Martin (proche)" in timeline
    profile = text(await client.get(f"/dossiers/{patient.dossier.id}/profil"))
    assert profile.count("Déclaré par vous le") == profile.count("Déclarée par vous le") == 1  # a treatment, an allergy


async def test_a_relative_s_name_the_copy_spoils_is_refused_and_nothing_is_written(
        db, app, patient, her_copy):
    """Each spoiled name on one copy and one installation (a refusal writes nothing: the next name meets the same
    dossier), every name tried and said."""
    await new_professional(db, stem=KINE)
    made = her_copy
    said = re.compile("Le nom d'un proche qui a ajouté un document ou une information au dossier n'est pas valable "
                      "dans la copie.")
    wrong = []
    for name in ("P" * 201, " \u200b "):
        spoiled = ips_changed(made, lambda ips: json.loads(json.dumps(
            ips).replace('"valueString": "Paul Martin"', json.dumps({"valueString": name})[1:-1])))
        before = await counts(db, patient.dossier.id)
        try:
            await restore(db, app.state.storage, zip_bytes=spoiled, dossier=patient.dossier, actor=TRANSFER,
                          today=TODAY)
            wrong.append((name, "read back"))
        except NotRestorable as refusal:
            if not said.search(str(refusal)):
                wrong.append((name, str(refusal)))
        if (after := await counts(db, patient.dossier.id)) != before:
            wrong.append((name, before, after))
    assert wrong == []


async def test_a_copy_of_the_copy_says_the_same_of_who_added_what(client, db, app, patient, her_copy):
    """Read back, then copied again: the second copy names the patient and the relative as the first did."""
    await new_professional(db, stem=KINE)
    first = her_copy
    await restore(db, app.state.storage, zip_bytes=first, dossier=patient.dossier, actor=TRANSFER, today=TODAY)
    second = await build_export(db, app.state.storage, dossier=patient.dossier, patient=patient.patient, now=NOW)

    def who(data: bytes) -> list[tuple]:
        ips = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("synthese-ips.json"))
        [me] = [e["fullUrl"] for e in ips["entry"] if e["resource"]["resourceType"] == "Patient"]
        rows = [(r["description"], r["author"][0].get("reference") == me, r["author"][0]["display"],
                 r.get("extension", []), r["type"]) for r in resources_of(ips, "DocumentReference")]
        items = [(json.dumps(r.get("extension", [])), r.get("recorder", r.get("informationSource", {})).get("display"))
                 for r in resources_of(ips, "AllergyIntolerance") + resources_of(ips, "MedicationStatement")]
        return sorted(rows, key=repr) + sorted(items)

    assert who(second) == who(first)


async def test_the_migration_adds_who_the_copy_says_and_takes_it_back_keeping_every_row(db, app, patient,
                                                                                       her_copy):
    from alembic import command
    from sqlalchemy import inspect

    await new_professional(db, stem=KINE)
    await restore(db, app.state.storage, zip_bytes=her_copy,
                  dossier=patient.dossier, actor=TRANSFER, today=TODAY)
    dossier_id = patient.dossier.id
    before = await counts(db, dossier_id)

    async def columns() -> set[str]:
        async with app.state.engine.connect() as connection:
            return await connection.run_sync(lambda sync: {
                f"{table}.{column['name']}" for table in ("document", "profileitem")
                for column in inspect(sync).get_columns(table) if column["name"].startswith("added_by_")})

    added = {f"{table}.{name}" for table in ("document", "profileitem")
             for name in ("added_by_account_id", "added_by_patient", "added_by_relative_name")}
    assert await columns() == added
    await db.commit()  # no transaction of the test's holds the tables the migration alters (PostgreSQL waits)
    await migrate(app, command.downgrade, "0041")
    assert await columns() == {"document.added_by_account_id", "profileitem.added_by_account_id"}
    await migrate(app, command.upgrade, "head")
    assert await columns() == added
    assert await counts(db, dossier_id) == before
    documents = await documents_by_title(db, dossier_id)
    assert {(d.added_by_patient, d.added_by_relative_name) for d in documents.values()} == {(False, "")}
