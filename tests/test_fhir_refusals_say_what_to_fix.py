"""A push a careless integrator gets wrong is refused with what to fix, in French, and nothing is filed: a SubmissionSet
with no patient or that does not list the Bundle's documents (IHE MHD), a LOINC code that is none, a period that ends
before it starts (FHIR's per-1), a resource where the List belongs, a body not in UTF-8, a JSON Patch that is no
array, a date of the act in the future, a hash that is not a SHA-1 in base64 (an outside tester's finds)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import timedelta

import pytest

from server.models import paris_today
from tests.fhir_support import as_bundle, as_outcome, provide_bundle, provide_documents, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture
from tests.test_fhir_push_checks import nothing_stored


def report(patient, **options) -> dict:
    return provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"), **options)


async def refused(client, practice, bundle: dict, status: int = 422):
    answer = await push(client, practice, bundle)
    assert answer.status_code == status, answer.text
    [issue] = as_outcome(answer).issue
    return issue


async def test_a_submission_set_with_no_subject_is_refused(client, db, patient, practice):
    bundle = report(patient)
    del bundle["entry"][0]["resource"]["subject"]
    issue = await refused(client, practice, bundle)
    assert issue.diagnostics.startswith("L'entrée 1 du Bundle est refusée, et rien n'a été enregistré. Le "
                                        "SubmissionSet (List) doit désigner son patient"), issue.diagnostics
    assert "subject.identifier" in issue.diagnostics and issue.expression == ["Bundle.entry[0].resource"]
    assert await nothing_stored(db, patient)


@pytest.mark.parametrize("listed, said", [
    ([], "ne désigne aucun des documents du Bundle"),
    ([1], "ne désigne pas le document de l'entrée 2 du Bundle"),
    ([0, "urn:uuid:ailleurs"], "ne désigne pas le document de l'entrée 3 du Bundle"),  # naming nothing is no listing
])
async def test_a_submission_set_that_does_not_list_every_document_is_refused(client, db, patient, practice,
                                                                             listed, said):
    bundle = provide_documents(patient.patient.ins, 2)
    urls = [entry["fullUrl"] for entry in bundle["entry"][1:3]]
    bundle["entry"][0]["resource"]["entry"] = [{"item": {"reference": urls[n] if isinstance(n, int) else n}}
                                               for n in listed]
    if not listed:
        del bundle["entry"][0]["resource"]["entry"]
    issue = await refused(client, practice, bundle)
    assert said in issue.diagnostics and "entry.item.reference" in issue.diagnostics, issue.diagnostics
    assert await nothing_stored(db, patient)


async def test_a_submission_set_listing_every_document_by_its_full_url_is_filed(client, db, patient, practice):
    answer = await push(client, practice, provide_documents(patient.patient.ins, 2))
    assert [e.response.status for e in as_bundle(answer).entry] == ["200 OK"] + ["201 Created"] * 4


@pytest.mark.parametrize("code, said", [
    ("bonjour", "n'a pas la forme d'un code LOINC"),
    ("11488-5", "chiffre de contrôle"),
    ("34106-3", "chiffre de contrôle"),  # a discharge summary's code mistyped: 34106-5
    ("123456-7", "n'a pas la forme d'un code LOINC"),
])
async def test_a_loinc_type_that_is_no_loinc_code_is_refused_by_name(client, db, patient, practice, code, said):
    bundle = report(patient)
    bundle["entry"][1]["resource"]["type"] = {"coding": [{"system": "http://loinc.org", "code": code}]}
    issue = await refused(client, practice, bundle)
    assert said in issue.diagnostics and f"«\u00a0{code}\u00a0»" in issue.diagnostics, issue.diagnostics
    assert "type.coding.code" in issue.diagnostics
    assert await nothing_stored(db, patient)


async def test_a_well_formed_loinc_type_carnet_does_not_map_is_kept_as_sent(client, db, patient, practice):
    bundle = report(patient)
    bundle["entry"][1]["resource"]["type"] = {"coding": [{"system": "http://loinc.org", "code": "12345-5"}]}
    answer = await push(client, practice, bundle)
    assert as_bundle(answer).entry[1].response.status == "201 Created", answer.text


async def test_a_period_that_ends_before_it_starts_is_refused(client, db, patient, practice):
    bundle = report(patient)
    bundle["entry"][1]["resource"]["context"]["period"] = {"start": "2026-11-20", "end": "2026-11-19T23:00:00+01:00"}
    issue = await refused(client, practice, bundle)
    assert "context.period.end" in issue.diagnostics and "per-1" in issue.diagnostics, issue.diagnostics
    assert await nothing_stored(db, patient)
    bundle["entry"][1]["resource"]["context"]["period"]["end"] = "2026-11"  # within its month: not before
    assert (await push(client, practice, bundle)).status_code == 200


async def test_another_resource_where_the_submission_set_belongs_is_told_it_must_be_a_list(
        client, db, patient, practice):
    bundle = report(patient)
    bundle["entry"][0] = {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "request": {"method": "POST", "url": "Composition"},
                          "resource": {"resourceType": "Composition", "status": "final", "title": "Envoi"}}
    issue = await refused(client, practice, bundle, 400)
    assert "Le SubmissionSet doit être une ressource List" in issue.diagnostics, issue.diagnostics
    assert "Composition" in issue.diagnostics and "élément" not in issue.diagnostics
    assert issue.expression == ["Bundle.entry[0].resource"]


async def test_a_body_not_in_utf8_is_told_so(client, db, patient, practice):
    body = json.dumps(report(patient), ensure_ascii=False).replace("Compte rendu", "Compte rendu opéré")
    answer = await client.post("/fhir", content=body.encode("latin-1"), headers={
        **practice.headers, "content-type": "application/fhir+json"})
    assert answer.status_code == 400 and "UTF-8" in as_outcome(answer).issue[0].diagnostics, answer.text


async def test_a_json_patch_that_is_an_object_is_told_to_be_an_array(client, db, patient, practice):
    location = as_bundle(await push(client, practice, report(patient))).entry[1].response.location
    answer = await client.patch(f"/fhir/{location}", content=json.dumps(
        {"op": "replace", "path": "/status", "value": "entered-in-error"}), headers={
        **practice.headers, "content-type": "application/json-patch+json"})
    assert answer.status_code == 400, answer.text
    assert "tableau JSON Patch" in as_outcome(answer).issue[0].diagnostics


async def test_a_date_of_the_act_in_the_future_names_its_element(client, db, patient, practice):
    issue = await refused(client, practice, report(patient, when=paris_today() + timedelta(days=1)))
    assert "futur" in issue.diagnostics and "context.period.start" in issue.diagnostics, issue.diagnostics
    assert "la date de l'acte" in issue.diagnostics
    assert issue.expression == ["Bundle.entry[1].resource.context.period.start"]


@pytest.mark.parametrize("digest, status", [
    (lambda pdf: hashlib.sha1(pdf).hexdigest(), 422),  # hex, which base64 reads as 30 bytes
    (lambda pdf: base64.b64encode(hashlib.sha256(pdf).digest()).decode(), 422),  # another algorithm
    (lambda pdf: "pas du base64", 400),
])
async def test_a_hash_that_is_not_the_files_sha1_in_base64_says_what_it_must_be(client, db, patient, practice,
                                                                              digest, status):
    pdf = report_pdf("CR")
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=pdf)
    bundle["entry"][1]["resource"]["content"][0]["attachment"]["hash"] = digest(pdf)
    answer = await client.post("/fhir", content=json.dumps(bundle), headers={
        **practice.headers, "content-type": "application/fhir+json"})
    assert answer.status_code == status, answer.text
    said = as_outcome(answer).issue[0].diagnostics
    assert "attachment.hash" in said and "SHA-1" in said and "base64" in said, said
    assert await nothing_stored(db, patient)


async def test_a_title_too_long_names_the_element_it_was_read_from(client, db, patient, practice):
    issue = await refused(client, practice, provide_bundle(patient.patient.ins, title="Compte rendu " * 20,
                                                           data=report_pdf("CR")))
    assert issue.diagnostics.endswith("Donnez un titre au document (200 caractères au plus ; description)."), \
        issue.diagnostics
    assert issue.expression == ["Bundle.entry[1].resource.description"]
