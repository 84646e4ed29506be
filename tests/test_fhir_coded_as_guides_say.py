"""Documents coded as France's guides code them (PDSm: the CI-SIS class in `category`, a LOINC `type`) are filed in
the right category; codes Carnet cannot read, or that say two categories, are refused by name; a document sent again
is answered as it is now (withdrawn, deleted), with its version; the patient is named by INS, and what the API does
not serve is said to be not supported, never refused as if it existed (an outside probe's finds)."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.documentreference import DocumentReference
from sqlmodel import select

from server.access import hiding
from server.fhir.identity import UNQUALIFIED_INS_SYSTEM
from server.models import Document
from tests.fhir_support import CATEGORY_SYSTEM, as_bundle, as_outcome, provide_bundle, report_pdf
from tests.test_fhir_api import PATIENT, practice, push  # noqa: F401 - `practice` is a fixture

CLASS_OID = "urn:oid:1.2.250.1.213.1.1.4.1"  # TRE_A03-ClasseDocument
CLASS_URL = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
WITHDRAWAL = json.dumps([{"op": "replace", "path": "/status", "value": "entered-in-error"}])


def coded(ins: str, title: str, *, category: list[dict], type_code: str | None, master: str | None = None,
          data: bytes | None = None) -> dict:
    """A Bundle whose DocumentReference carries these codings only."""
    bundle = provide_bundle(ins, title=title, data=data or report_pdf(title), master=master)
    reference = bundle["entry"][1]["resource"]
    reference["category"] = [{"coding": category}]
    if type_code is None:
        del reference["type"]
    else:
        reference["type"] = {"coding": [{"system": "http://loinc.org", "code": type_code}]}
    return bundle


async def filed_category(db, document_id: str) -> str:
    return (await db.exec(select(Document.category).where(Document.id == document_id))).one()


@pytest.mark.parametrize("system, code, type_code, expected", [
    # The hospital's stay report, as a probe sent it (as 34106-3, which LOINC does not have: its check digit is 5).
    (CLASS_OID, "10", "34106-5", "compte_rendu"),
    (CLASS_OID, "10", "34112-3", "compte_rendu"),
    (CLASS_URL, "10", "11502-2", "biologie"),  # a lab report is a "Compte rendu" class: its type files it
    (CLASS_OID, "31", None, "imagerie"),  # a class alone
    (CLASS_OID, "42", "57833-6", "ordonnance"),
    (CATEGORY_SYSTEM, "vaccination", "87273-9", "vaccination"),  # Carnet's own code, still read
])
async def test_a_document_coded_as_the_french_guides_do_is_filed_in_its_category(client, db, patient, practice,
                                                                                 system, code, type_code, expected):
    answer = await push(client, practice, coded(patient.patient.ins, "Compte rendu d'hospitalisation",
                                                category=[{"system": system, "code": code}], type_code=type_code))
    assert answer.status_code == 200, answer.text
    [_, created, _] = as_bundle(answer).entry
    assert created.response.status == "201 Created" and created.response.outcome is None  # nothing to warn of
    assert await filed_category(db, created.response.location.split("/")[1]) == expected


@pytest.mark.parametrize("category, type_code, named", [
    ([{"system": CATEGORY_SYSTEM, "code": "nimportequoi"}], "11488-4", "nimportequoi"),
    ([{"system": CLASS_OID, "code": "77"}], "11488-4", "77"),
    ([{"system": CATEGORY_SYSTEM, "code": "biologie"}], "57833-6", "57833-6"),  # a prescription is no lab report
    ([{"system": CATEGORY_SYSTEM, "code": "biologie"}, {"system": CATEGORY_SYSTEM, "code": "imagerie"}], None,
     "biologie, imagerie"),
    ([{"system": CLASS_OID, "code": "99"}], None, "Catégorie du document inconnue"),  # a class that files nothing
    ([{"system": CATEGORY_SYSTEM, "code": "note_patient"}], None, "note_patient"),
])
async def test_a_code_carnet_cannot_read_or_a_category_the_type_contradicts_is_refused_by_name(
        client, db, patient, practice, category, type_code, named):
    answer = await push(client, practice, coded(patient.patient.ins, "Bilan", category=category, type_code=type_code))
    assert answer.status_code == 422, answer.text
    said = as_outcome(answer).issue[0]
    assert said.code == "processable" and named in said.diagnostics, said.diagnostics
    assert (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all() == []


async def test_a_class_that_goes_with_another_category_is_said_in_a_warning_and_the_type_files_it(
        client, db, patient, practice):
    answer = await push(client, practice, coded(patient.patient.ins, "Consultation",
                                                category=[{"system": CLASS_OID, "code": "42"}], type_code="11488-4"))
    [_, created, _] = as_bundle(answer).entry
    assert created.response.status == "201 Created"
    [warning] = created.response.outcome.issue
    assert warning.severity == "warning" and "«\u00a042\u00a0» (Prescription)" in warning.diagnostics
    assert "d'après son type 11488-4, en «\u00a0compte_rendu\u00a0»" in warning.diagnostics
    assert await filed_category(db, created.response.location.split("/")[1]) == "compte_rendu"


async def test_a_document_sent_again_is_answered_as_it_is_now_and_reads_carry_its_version(client, db, patient,
                                                                                        practice):
    """Withdrawn by its author, the re-sent document's entry says so, with the version its read answers; deleted by
    the patient, it has no address to point at, and a new content under its identifier is not told to withdraw it."""
    pdf = report_pdf("Radio du genou")
    bundle = provide_bundle(patient.patient.ins, title="Radio du genou", data=pdf, master="urn:oid:1.2.250.1.999.1.5",
                            category="imagerie")
    created = as_bundle(await push(client, practice, bundle)).entry[1].response
    url = f"/{created.location}"
    assert created.etag == 'W/"1"'
    read = await client.get(f"/fhir{url}", headers=practice.headers)
    assert read.headers["etag"] == 'W/"1"' and read.json()["meta"]["versionId"] == "1"

    withdrawn = await client.patch(f"/fhir{url}", content=WITHDRAWAL,
                                   headers={**practice.headers, "content-type": "application/json-patch+json"})
    assert withdrawn.headers["etag"] == 'W/"2"' and withdrawn.json()["meta"]["versionId"] == "2"
    again = as_bundle(await push(client, practice, bundle)).entry[1].response
    assert (again.status, again.location, again.etag) == ("200 OK", created.location, 'W/"2"')
    assert "retiré (entered-in-error)" in again.outcome.issue[0].diagnostics
    read = await client.get(f"/fhir{url}", headers=practice.headers)
    assert read.headers["etag"] == 'W/"2"' and read.json()["status"] == "entered-in-error"

    other = provide_bundle(patient.patient.ins, title="Radio", data=report_pdf("Radio du genou droit"),
                           master="urn:oid:1.2.250.1.999.1.5", category="imagerie")
    assert "déjà retiré" in as_outcome(await push(client, practice, other)).issue[0].diagnostics

    await hiding.delete_document(db, document=await db.get(Document, created.location.split("/")[1]), actor=PATIENT)
    assert (await client.get(f"/fhir{url}", headers=practice.headers)).status_code == 404
    gone = as_bundle(await push(client, practice, bundle)).entry
    assert [e.response.status for e in gone] == ["200 OK"] * 3
    assert gone[1].response.location is None and gone[1].response.etag is None and gone[2].response.location is None
    assert "supprimé du dossier" in gone[1].response.outcome.issue[0].diagnostics
    conflict = await push(client, practice, other)
    assert conflict.status_code == 409
    said = as_outcome(conflict).issue[0].diagnostics
    assert "supprimé du dossier" in said and "retirez" not in said
    assert len((await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()) == 1


async def test_the_patient_is_named_by_ins_and_what_the_api_does_not_serve_is_said_not_supported(
        client, patient, practice):
    created = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="CR",
                                                                    data=report_pdf("CR")))).entry[1].response
    read = DocumentReference.model_validate((await client.get(f"/fhir/{created.location}",
                                                              headers=practice.headers)).json())
    assert read.subject.reference is None and (read.subject.identifier.system, read.subject.identifier.value) == (
        UNQUALIFIED_INS_SYSTEM, patient.patient.ins)  # never under the INS OID: not qualified (fhir/identity.py)
    assert patient.patient.id not in json.dumps(read.model_dump(mode="json"))

    statement = CapabilityStatement.model_validate((await client.get("/fhir/metadata")).json())
    served = {r.type for r in statement.rest[0].resource}
    for path, named in ((f"/fhir/Patient/{patient.patient.id}", "Patient"), ("/fhir/Composition", "Composition"),
                        ("/fhir/$summary", "$summary"), (f"/fhir/Patient/{patient.patient.id}/$summary", "Patient"),
                        (f"/fhir/{created.location}/_history/1", "DocumentReference"),
                        ("/fhir/DocumentReference/$docref", "$docref")):
        answer = await client.get(path, headers=practice.headers)
        said = as_outcome(answer).issue[0]
        assert answer.status_code == 404 and said.code == "not-supported", (path, answer.text)
        assert named in said.diagnostics and "CapabilityStatement" in said.diagnostics
        assert patient.patient.id not in said.diagnostics
    assert "Composition" not in served
    [patients] = [r for r in statement.rest[0].resource if r.type == "Patient"]
    assert not patients.interaction and [o.name for o in patients.operation] == ["summary"]  # no Patient to read
    missing = await client.get(f"/fhir/DocumentReference/{'a' * 32}", headers=practice.headers)
    assert missing.status_code == 404 and as_outcome(missing).issue[0].code == "not-found"  # a type it serves


SERVED = {("/fhir", "POST"), ("/fhir/metadata", "GET"), ("/fhir/token", "POST"),
          ("/fhir/.well-known/smart-configuration", "GET"), ("/fhir/DocumentReference", "GET"),
          ("/fhir/DocumentReference/_search", "POST"), ("/fhir/DocumentReference/{id}", "GET"),
          ("/fhir/DocumentReference/{id}", "PATCH"), ("/fhir/Binary/{id}", "GET"),
          ("/fhir/Patient/$summary", "POST"), ("/fhir/Patient/$summary", "GET")}  # a GET: a 400, no INS in a URL


async def test_every_interaction_the_api_does_not_serve_on_its_addresses_is_said_not_supported(client, patient,
                                                                                              practice):
    """An outside probe's find: PUT and DELETE on a DocumentReference were a 405 "Cette action n'est pas possible ici.",
    where README promises a 404 not-supported for any interaction the CapabilityStatement does not list."""
    created = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="CR",
                                                                    data=report_pdf("CR")))).entry[1].response
    document_id = created.location.split("/")[1]
    for path in sorted({path for path, _ in SERVED}):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            answer = await client.request(method, path.replace("{id}", document_id), headers=practice.headers)
            if (path, method) in SERVED:
                assert answer.status_code != 404 or as_outcome(answer).issue[0].code == "not-found", (method, path)
                continue
            [issue] = as_outcome(answer).issue
            assert (answer.status_code, issue.code) == (404, "not-supported"), (method, path, answer.text)
            assert issue.diagnostics.startswith(f"La méthode {method} n'est pas prise en charge ")
            assert "CapabilityStatement" in issue.diagnostics and document_id not in issue.diagnostics
    put = as_outcome(await client.put(f"/fhir/DocumentReference/{document_id}", headers=practice.headers))
    assert put.issue[0].diagnostics.startswith("La méthode PUT n'est pas prise en charge sur une ressource "
                                               "DocumentReference : ")
