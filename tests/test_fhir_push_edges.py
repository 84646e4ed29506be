"""The FHIR API at its edges: partial and far-off dates, oversized or expired assertions, a document identifier
sent again with other bytes or hidden characters, an image bomb; each refused in French, never a 5xx."""

from __future__ import annotations

import json
import struct
import time
import zlib

import pytest
from sqlmodel import select

from server.models import AccessEvent, Document
from tests.fhir_support import Software, as_bundle, as_outcome, provide_bundle, report_pdf
from server.access import grants, hiding
from tests.conftest import ORIGIN, AsyncTestClient, activate_professional, new_professional
from tests.test_fhir_api import (  # noqa: F401 - `practice` is a fixture
    PATIENT, TOKEN_URL, Practice, practice, push, registered, token_for,
)

WITHDRAWAL = json.dumps([{"op": "replace", "path": "/status", "value": "entered-in-error"}])


def png_of_size(width: int, height: int) -> bytes:
    """A PNG's signature and header for an image of this size, and no pixels: what a decompression bomb declares."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


async def documents_of(db, patient) -> list[Document]:
    return list((await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all())


# Each case below is refused before anything is filed or read, on the same patient: the cases of a test share one
# world (a database, a patient, a doctor's activated account and registered software, its token) rather than each
# building its own, and every case is sent and said, the first failure stopping none of the others; what a case must
# leave untouched (no document filed, nothing read) is checked after each, so that one case's leftovers cannot hide.


def diagnostics(answer) -> str:
    """What an OperationOutcome says, or the whole answer when it is not one."""
    try:
        return as_outcome(answer).issue[0].diagnostics
    except Exception:  # noqa: BLE001 - a wrong answer is reported, not raised
        return answer.text


async def push_begun(client, practice, patient, start):
    """A report whose act began at `start` (its DocumentReference's context.period.start), pushed."""
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
    bundle["entry"][1]["resource"]["context"]["period"]["start"] = start
    return await push(client, practice, bundle)


async def test_a_partial_date_of_the_act_is_refused_as_incomplete(client, db, patient, practice):
    wrong = []
    for start in ("2024", "2024-05"):
        answer = await push_begun(client, practice, patient, start)
        filed = await documents_of(db, patient)
        if not (answer.status_code == 422 and "doit être complète (jour, mois, année)" in diagnostics(answer)
                and filed == []):
            wrong.append((start, answer.status_code, diagnostics(answer), filed))
    assert wrong == []


async def test_a_date_sent_as_a_number_is_refused_as_no_date(client, db, patient, practice):
    """FHIR's JSON writes a date as a string: 20250101 was read as seconds since 1970, the 23rd of August 1970, and
    answered as a document dated before the patient's birth."""
    wrong = []
    for element, number in (("start", 20250101), ("start", 1.7e9), ("date", 0)):
        bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
        reference = bundle["entry"][1]["resource"]
        if element == "start":
            reference["context"]["period"]["start"] = number
            place = "entrée 2 du Bundle, élément context.period.start"
        else:
            del reference["context"]
            reference["date"] = number
            place = "entrée 2 du Bundle, élément date"
        answer = await push(client, practice, bundle)
        said = diagnostics(answer)
        filed = await documents_of(db, patient)
        if not (answer.status_code == 400 and filed == [] and "naissance" not in said
                and said.startswith(f"Date invalide ({place}) : une date FHIR s'écrit en texte")):
            wrong.append((element, number, answer.status_code, said, filed))
    assert wrong == []


async def test_an_instant_whose_paris_day_is_off_the_calendar_is_refused(client, db, patient, practice):
    wrong = []
    for start in ("9999-12-31T23:00:00-10:00", "0001-01-01T00:00:00+14:00"):
        answer = await push_begun(client, practice, patient, start)
        if not (answer.status_code == 422 and "pas plausible" in diagnostics(answer)):
            wrong.append((start, answer.status_code, diagnostics(answer)))
    assert wrong == []


async def test_a_search_date_off_the_calendar_is_a_400_and_nothing_is_read_or_logged(client, db, patient, practice):
    wrong = []
    for by_post in (False, True):
        for dates in (["gt9999-12-31"], ["lt0001-01-01"], ["ge2020-01-01", "le9999-12-31"]):
            for name in ("date", "period"):
                params = [("patient", patient.patient.id), *((name, d) for d in dates)]
                if by_post:
                    answer = await client.post("/fhir/DocumentReference/_search", headers=practice.headers, data={
                        "patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{patient.patient.ins}", name: dates})
                else:
                    answer = await client.get("/fhir/DocumentReference", params=params, headers=practice.headers)
                if not (answer.status_code == 400 and "hors limites" in diagnostics(answer)):
                    wrong.append((by_post, dates, name, answer.status_code, diagnostics(answer)))
            read = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                            AccessEvent.action == "read_timeline"))).all()
            if read:
                wrong.append((by_post, dates, "read", read))
    assert wrong == []


async def test_a_search_date_is_a_day_or_a_datetime_and_nothing_else(client, patient, practice):
    for value, status in (("ge2020-01-01garbage", 400), ("2020-01-01 ", 400), ("2020-01-01T25:00", 400),
                          ("ge2020-01-01T10:00:00Z", 200), ("le2020-01-01T10:00:00+02:00", 200), ("2020-01-01", 200)):
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params=[("patient", patient.patient.id), ("date", value)])
        assert answer.status_code == status, value
        if status == 400:
            assert "Date de recherche invalide" in as_outcome(answer).issue[0].diagnostics


async def test_a_third_date_is_refused_rather_than_ignored(client, patient, practice):
    for name in ("date", "period"):
        params = [("patient", patient.patient.id), (name, "ge2020-01-01"), (name, "lt2030-01-01"), (name, "eq2025-06-01")]
        answer = await client.get("/fhir/DocumentReference", params=params, headers=practice.headers)
        assert answer.status_code == 400 and "plus de 2 fois" in as_outcome(answer).issue[0].diagnostics
    ranged = await client.get("/fhir/DocumentReference", headers=practice.headers, params=[
        ("patient", patient.patient.id), ("date", "ge2020-01-01"), ("date", "lt2030-01-01")])
    assert ranged.status_code == 200


async def test_a_signed_assertion_expiring_in_the_far_future_is_invalid_client(client, practice):
    wrong = []
    for exp in (10**12, 10**19, 2**63, 1e300):
        answer = await client.post("/fhir/token", data=practice.software.token_form(TOKEN_URL, exp=exp))
        if not (answer.status_code == 401 and answer.json() == {
                "error": "invalid_client", "error_description": "L'assertion doit expirer dans cinq minutes au plus (exp)."}):
            wrong.append((exp, answer.status_code, answer.text))
    assert wrong == []


async def test_an_expired_assertion_is_told_so_only_when_signed_by_the_client(client, practice):
    past = int(time.time()) - 600
    expired = await client.post("/fhir/token", data=practice.software.token_form(TOKEN_URL, exp=past))
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_client"
    assert "a expiré" in expired.json()["error_description"]
    impostor = Software()
    impostor.client_id = practice.software.client_id  # the right client_id, another key
    forged = await client.post("/fhir/token", data=impostor.token_form(TOKEN_URL, exp=past))
    assert forged.status_code == 401
    assert forged.json()["error_description"] == "Logiciel inconnu ou révoqué, ou signature invalide."


async def test_a_token_request_too_large_gets_an_oauth_error_not_an_outcome(client, practice):
    form = {**practice.software.token_form(TOKEN_URL), "scope": "system/Binary.r " * 2000}
    answer = await client.post("/fhir/token", data=form)
    assert answer.status_code in (400, 413)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"] == "invalid_request" and answer.json()["error_description"]


async def test_the_same_identifier_with_other_bytes_is_a_conflict_even_after_withdrawal(client, db, patient, practice):
    master = "urn:oid:1.2.250.1.999.1.77"
    first = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="Radio", master=master,
                                                                  data=report_pdf("Radio du genou"))))
    document_id = first.entry[1].response.location.split("/")[1]
    corrected = provide_bundle(patient.patient.ins, title="Radio (corrigée)", master=master,
                               data=report_pdf("Radio du genou droit"))
    conflict = await push(client, practice, corrected)
    assert conflict.status_code == 409, conflict.text
    said = as_outcome(conflict).issue[0]
    assert said.severity == "error" and "nouvel identifiant" in said.diagnostics
    withdrawn = await client.patch(f"/fhir/DocumentReference/{document_id}", content=WITHDRAWAL,
                                   headers={**practice.headers, "content-type": "application/json-patch+json"})
    assert withdrawn.status_code == 200
    again = await push(client, practice, corrected)
    assert again.status_code == 409 and "nouvel identifiant" in as_outcome(again).issue[0].diagnostics
    assert [(d.title, d.withdrawn_at is not None) for d in await documents_of(db, patient)] == [("", True)]  # erased
    renamed = provide_bundle(patient.patient.ins, title="Radio (corrigée)", master=f"{master}.2",
                             data=report_pdf("Radio du genou droit"))
    assert (await push(client, practice, renamed)).status_code == 200


async def test_an_identifier_says_nothing_of_another_professionals_documents(client, db, app, patient, practice):
    """Software that may write to the dossier learns nothing from an identifier of a document it may not read:
    hidden by the patient, another author's, or deleted. Hospitals' identifiers are often an OID and a number."""
    master, pdf = "urn:oid:1.2.250.1.999.1.7", report_pdf("CR")  # one PDF: its bytes carry the second it was made
    first = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="Compte rendu",
                                                                  master=master, data=pdf)))
    hidden_id = first.entry[1].response.location.split("/")[1]
    await hiding.set_hidden(db, document=await db.get(Document, hidden_id), hidden=True, actor=PATIENT)
    other = await new_professional(db, given_name="Antoine", family_name="Roux", profession="médecin", stem=11)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, other)
    await grants.grant_access(db, dossier=patient.dossier, professional=other.professional, categories="",
                              duration="1a", actor=PATIENT)
    software = await registered(client, db, other, name="Logiciel de l'hôpital")
    token = await token_for(client, software)
    guesser = Practice(software, token, {"authorization": f"Bearer {token}"}, other)
    answers = []
    for data in (pdf, report_pdf("Autre contenu")):  # the same bytes, then others
        answer = await push(client, guesser, provide_bundle(patient.patient.ins, title="Compte rendu", master=master,
                                                            data=data))
        answers.append(answer.status_code)
        if answer.status_code == 200:
            break
    # As for an identifier never seen: a document of their own, under a new id.
    assert answers == [200] and as_bundle(answer).entry[1].response.status == "201 Created"
    assert hidden_id not in answer.text
    # Deleted by the patient, the author's own document stays received: sent again, it is not filed again.
    await hiding.delete_document(db, document=await db.get(Document, hidden_id), actor=PATIENT)
    again = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="Compte rendu",
                                                                  master=master, data=pdf)))
    assert again.entry[1].response.status == "200 OK"
    assert len([d for d in await documents_of(db, patient) if d.master_identifier]) == 2


async def test_a_replay_of_identical_bytes_says_200_for_every_entry(client, db, patient, practice):
    bundle = provide_bundle(patient.patient.ins, title="Bilan", data=report_pdf("Bilan"), category="biologie")
    first = as_bundle(await push(client, practice, bundle))
    assert [e.response.status for e in first.entry] == ["200 OK", "201 Created", "201 Created"]  # a List is not kept
    document_id = first.entry[1].response.location.split("/")[1]
    assert first.entry[2].response.location == f"Binary/{document_id}"
    replay = as_bundle(await push(client, practice, bundle))
    assert [e.response.status for e in replay.entry] == ["200 OK"] * 3
    assert replay.entry[1].response.outcome.issue[0].code == "duplicate"
    assert len(await documents_of(db, patient)) == 1


async def test_an_identifier_with_control_or_invisible_characters_is_refused(client, db, patient, practice):
    wrong = []
    for field, value in (("value", "urn:uuid:\u0000\u202e1234"), ("value", "abc\u200bdef"), ("value", "ab\x1bc"),
                         ("system", "urn:oid:1.2\u202e.3")):
        bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
        bundle["entry"][1]["resource"]["masterIdentifier"][field] = value
        answer = await push(client, practice, bundle)
        filed = await documents_of(db, patient)
        if not (answer.status_code in (400, 422) and "masterIdentifier" in diagnostics(answer) and filed == []):
            wrong.append((field, value, answer.status_code, diagnostics(answer), filed))
    assert wrong == []


async def test_two_documents_of_one_bundle_cannot_share_an_identifier(client, db, patient, practice):
    bundle = provide_bundle(patient.patient.ins, title="CR", data=report_pdf("CR"), as_binary=False)
    second = json.loads(json.dumps(bundle["entry"][1]))
    second["fullUrl"] = "urn:uuid:6f0a3b52-63d9-4f35-8a4c-2f0c1d5e9a77"
    bundle["entry"].append(second)
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422 and "même identifiant" in as_outcome(answer).issue[0].diagnostics


async def test_a_filename_loses_its_invisible_characters(client, db, patient, practice):
    bundle = provide_bundle(patient.patient.ins, title="CR", data=report_pdf("CR"))
    bundle["entry"][1]["resource"]["content"][0]["attachment"]["title"] = "rapport\u202efdp.exe"
    assert (await push(client, practice, bundle)).status_code == 200
    [document] = await documents_of(db, patient)
    assert document.filename == "rapportfdp.exe.pdf"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # the 10 000 side: Pillow warns, Carnet refuses
async def test_an_image_bomb_is_too_large_not_damaged(client, db, patient, practice):
    wrong = []
    for side in (20_000, 10_000):  # beyond Pillow's own limit (an error), and between (a warning)
        bundle = provide_bundle(patient.patient.ins, title="Photo de la plaie", data=png_of_size(side, side),
                                category="imagerie", content_type="image/png")
        answer = await push(client, practice, bundle)
        filed = await documents_of(db, patient)
        if not (answer.status_code == 422 and "trop grande pour être affichée" in diagnostics(answer) and filed == []):
            wrong.append((side, answer.status_code, diagnostics(answer), filed))
    assert wrong == []


async def test_a_refusal_by_ins_does_the_same_work_for_an_unknown_patient_as_for_one_not_granted(client, db, app,
                                                                                                 patient, practice):
    """A search or a push names a patient by INS: whether the INS is known must not show in the work done."""
    from tests.conftest import make_ins, new_patient
    from tests.patient_helpers import Statements

    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2)  # no grant for this software
    unknown = make_ins("F", 1984, 3, 77)
    seen = []
    for ins in (other.patient.ins, unknown):
        with Statements(app.state.engine) as statements:
            found = await client.post("/fhir/DocumentReference/_search", headers=practice.headers, data={
                "patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{ins}"})
            pushed = await push(client, practice, provide_bundle(ins, title="Bilan", data=report_pdf("Bilan"),
                                                                 category="biologie"))
        assert found.status_code == pushed.status_code == 404
        seen.append([s.split(" WHERE")[0] for s in statements.seen])
    assert seen[0] == seen[1]


async def test_migration_0026_makes_an_identifier_unique_per_author_and_back(db, app, patient):
    """0026 turns the index per dossier into one per dossier and author; down again, the documents stay."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tests.conftest import add_text_document
    from tests.patient_helpers import migrate

    first = await add_text_document(db, app, patient.dossier, title="Compte rendu")
    await migrate(app, command.downgrade, "0025")
    await migrate(app, command.upgrade, "head")
    one = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7)
    other = await new_professional(db, given_name="Antoine", family_name="Roux", profession="médecin", stem=11)
    second = await add_text_document(db, app, patient.dossier, title="Compte rendu bis")
    first, second = await db.get(Document, first.id), await db.get(Document, second.id)
    first.master_identifier = second.master_identifier = "urn:oid:1.2.250.1.999.1.9"
    first.author_professional_id, second.author_professional_id = one.professional.id, other.professional.id
    db.add_all([first, second])
    await db.commit()  # two authors, one identifier: allowed
    third = await add_text_document(db, app, patient.dossier, title="Compte rendu ter")
    third = await db.get(Document, third.id)
    third.master_identifier, third.author_professional_id = first.master_identifier, first.author_professional_id
    db.add(third)
    with pytest.raises(IntegrityError):  # the same author twice: not
        await db.commit()
    await db.rollback()
