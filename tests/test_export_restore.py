"""A copy read back into an empty dossier of another installation, or refused whole with nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlmodel import select

from server.accesslog.audit import Actor
from server.dossiers import add_document
from server.export.archive import build_export
from server.export.restore import TRANSFER, NotRestorable, restore
from server.models import Professional
from server.profile.dosing import change_dose
from server.profile.items import ItemInput, add_item
from tests.conftest import new_patient
from tests.export_helpers import NOW, authors_of, carnet, counts, ips_changed, live_items, rewritten, same_patient_there
from tests.export_helpers import elsewhere, small  # noqa: F401 - fixtures
from tests.test_profile import PATIENT, TODAY


async def test_a_tampered_file_is_refused_and_nothing_is_written(db, app, small, elsewhere):
    there, storage = elsewhere.session, elsewhere.storage
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    before = await counts(there, dossier.id)
    forged = rewritten(data, lambda name, content: content.replace(b"Contenu", b"Contenu falsifi\xc3\xa9")
                       if name.endswith("note.txt") else content)
    with pytest.raises(NotRestorable, match="a été modifié : son empreinte SHA-256"):
        await restore(there, storage, zip_bytes=forged, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert await counts(there, dossier.id) == before and not list(storage.files())
    # The same copy, untouched, goes in.
    restored = await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert (restored.documents, restored.items) == (2, 3)


async def test_what_is_not_a_copy_of_this_patient_s_dossier_or_goes_into_a_full_one_is_refused(
        db, app, small, elsewhere):
    there, storage = elsewhere.session, elsewhere.storage
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    kine = await authors_of(db, small.dossier.id)
    dossier = await same_patient_there(there, small.patient)  # her kiné is not registered there yet
    other = await new_patient(there, given_name="Léa", family_name="Durand", serial=9)
    before = await counts(there, dossier.id)

    async def refused(copy: bytes, into=dossier) -> str:
        with pytest.raises(NotRestorable) as refusal:
            await restore(there, storage, zip_bytes=copy, dossier=into, actor=TRANSFER, today=TODAY)
        return str(refusal.value)

    assert "pas une archive ZIP" in await refused(b"PK\x03\x04 not really")
    assert "il n'y a pas de synthese-ips.json" in await refused(
        rewritten(data, lambda n, c: c).replace(b"synthese-ips.json", b"synthese-xyz.json"))
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {"timestamp": "hier"}))
    # A date written as a number, which the models read as seconds since 1970 (and restore then could not read).
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {
        "timestamp": 1.7e9}))
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {"entry": [
        {"fullUrl": "urn:x", "resource": {"resourceType": "Nothing"}}]}))
    assert "n'en porte pas la marque" in await refused(ips_changed(data, lambda ips: ips | {"meta": {}}))
    # A legal representative's copy (an outside tester read one back as a whole dossier): what they see, maybe not all.
    seen = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW, chained=False)
    assert "celle d'un représentant légal" in await refused(seen)
    # What no database stores (a NUL, which PostgreSQL refuses), or no parser survives (a nesting past the stack).
    assert "n'est pas une synthèse FHIR valide" in await refused(ips_changed(data, lambda ips: ips | {
        "meta": {**ips["meta"], "versionId": "1\x00"}}))
    assert "n'est pas une synthèse FHIR valide" in await refused(rewritten(
        data, lambda n, c: b'{"entry": ' + b"[" * 3000 + b"]" * 3000 + b"}" if n == "synthese-ips.json" else c))
    assert "celle du dossier d'un autre patient" in await refused(data, into=other.dossier)
    assert "ne sont pas enregistrés ici" in await refused(data) and kine[0].family_name in await refused(data)
    assert await counts(there, dossier.id) == before and not list(storage.files())

    await add_document(there, storage, dossier=dossier, title="Ordonnance", category="ordonnance",
                       event_date=date(2026, 1, 5), filename="o.txt", mime_type="text/plain", data=b"Ordonnance")
    assert "n'est pas vide" in await refused(data)


async def test_carnet_import_dossier_reads_a_copy_into_the_empty_dossier_of_an_ins(db, app, small, elsewhere,
                                                                                    tmp_path):
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(data)
    unknown = carnet(elsewhere, "import", "dossier", str(copy), "--ins", small.patient.ins)
    assert unknown.returncode == 1 and "Aucun patient n'a cet INS ici" in unknown.stderr
    dossier = await same_patient_there(elsewhere.session, small.patient, await authors_of(db, small.dossier.id))
    done = carnet(elsewhere, "import", "dossier", str(copy), "--ins", small.patient.ins)
    assert done.returncode == 0, done.stderr
    assert "2 documents et 3 informations du profil médical relus dans le dossier." in done.stdout
    assert (await counts(elsewhere.session, dossier.id))[:2] == (2, 3)
    again = carnet(elsewhere, "import", "dossier", str(copy), "--ins", small.patient.ins)
    assert again.returncode == 1 and "Copie refusée, rien n'a été écrit : Ce dossier n'est pas vide" in again.stderr


async def test_a_stopped_treatment_comes_back_stopped_on_its_day(db, app, small, elsewhere):
    """A copy read back keeps a treatment's end (its MedicationStatement's effectivePeriod.end, profile/ending.py);
    an end before the treatment began, or to come, is refused before anything is written."""
    from server.profile.ending import end_item

    [treatment] = [i for i in await live_items(db, small.dossier.id) if i.kind == "treatment"]
    await end_item(db, item=treatment, ended_on=date(2026, 11, 2), actor=PATIENT, today=TODAY)
    there, storage = elsewhere.session, elsewhere.storage
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    before = await counts(there, dossier.id)
    for end in ("2024-01-01", "2027-01-01"):  # before its start (1 March 2025), after TODAY
        odd = ips_changed(data, lambda ips: json.loads(json.dumps(ips).replace('"end": "2026-11-02"',
                                                                               f'"end": "{end}"')))
        with pytest.raises(NotRestorable, match="s'arrête avant d'avoir commencé, ou après aujourd'hui"):
            await restore(there, storage, zip_bytes=odd, dossier=dossier, actor=TRANSFER, today=TODAY)
    assert await counts(there, dossier.id) == before
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    [back] = [i for i in await live_items(there, dossier.id) if i.kind == "treatment"]
    assert (back.label, back.ended_on) == (treatment.label, date(2026, 11, 2))


async def test_an_item_kept_from_the_parents_comes_back_kept(db, app, small, elsewhere):
    """What a professional kept from a minor's parents (profile/seen.py) says so in the copy (an extension, and
    HL7's very-restricted label) and is kept again when the copy is read back."""
    kine = (await db.exec(select(Professional).where(Professional.rpps.is_not(None)))).first()
    await add_item(db, dossier=small.dossier, data=ItemInput("treatment", label="Désogestrel 75 µg",
                                                             started_on=date(2025, 3, 1)),
                   actor=Actor(None, "professional", "Kiné"), author=kine, today=TODAY, kept_from_parents=True)
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    ips = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("synthese-ips.json"))
    [statement] = [e["resource"] for e in ips["entry"] if e["resource"]["resourceType"] == "MedicationStatement"
                   and "Désogestrel" in json.dumps(e["resource"], ensure_ascii=False)]
    assert statement["meta"]["security"][0]["code"] == "V"
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    back = {i.label: i.hidden_from_representatives for i in await live_items(there, dossier.id)}
    assert back["Désogestrel 75 µg"] is True and not any(kept for label, kept in back.items()
                                                         if label != "Désogestrel 75 µg")


async def test_a_new_dose_of_a_kept_treatment_comes_back_kept(db, app, small, elsewhere):
    """A dose changed by the minor (profile/dosing.py) makes a line of hers, kept from her parents as the
    professional's line it follows: read back from the copy, it stays kept, as it was."""
    kine = (await db.exec(select(Professional).where(Professional.rpps.is_not(None)))).first()
    pill = await add_item(db, dossier=small.dossier, data=ItemInput("treatment", label="Désogestrel 75 µg",
                                                                    detail="1 comprimé", started_on=date(2025, 3, 1)),
                          actor=Actor(None, "professional", "Kiné"), author=kine, today=TODAY, kept_from_parents=True)
    await change_dose(db, item=pill, dose="2 comprimés", changed_on=date(2025, 9, 1), actor=PATIENT,
                      added_by_account_id=None, today=TODAY)
    data = await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    back = {i.detail: i.hidden_from_representatives for i in await live_items(there, dossier.id)
            if i.label == "Désogestrel 75 µg"}
    assert back == {"1 comprimé": True, "2 comprimés": True}
