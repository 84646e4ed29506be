"""A document of a Bundle refused is named: its entry's number and its masterIdentifier in the diagnostics, the entry
as FHIRPath in `expression`. An outside probe's find: of ten documents, the seventh a damaged PDF was answered
"Ce fichier PDF est endommagé ou illisible." and nothing said which to correct."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest

from server.models import paris_today
from tests.fhir_support import as_bundle, as_outcome, provide_bundle, provide_documents, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture
from tests.test_fhir_push_checks import nothing_stored
from tests.test_fhir_push_edges import png_of_size


def with_bytes(bundle: dict, document: int, data: bytes, content_type: str = "application/pdf") -> dict:
    """Document n (entry n + 1) carries these bytes, its hash declared to match, its Binary entry holding them."""
    attachment = bundle["entry"][document]["resource"]["content"][0]["attachment"]
    attachment.update(contentType=content_type, hash=base64.b64encode(hashlib.sha1(data).digest()).decode())
    [binary] = [e["resource"] for e in bundle["entry"] if e["fullUrl"] == attachment["url"]]
    binary.update(contentType=content_type, data=base64.b64encode(data).decode())
    return bundle


def dated(bundle: dict, document: int, days_ahead: int) -> dict:
    bundle["entry"][document]["resource"]["context"]["period"]["start"] = \
        (paris_today() + timedelta(days=days_ahead)).isoformat()
    return bundle


@pytest.mark.parametrize("document, spoil, said", [
    (7, lambda b: with_bytes(b, 7, b"%PDF-1.7\n" + b"\x00damaged" * 200), "Ce fichier PDF est endommagé ou illisible."),
    (7, lambda b: with_bytes(b, 7, "Compte rendu en texte brut".encode(), "text/plain"),
     "Seuls les fichiers PDF, PNG et JPEG sont acceptés."),
    (7, lambda b: with_bytes(b, 7, png_of_size(40, 40)),
     "Le type déclaré (application/pdf) ne correspond pas au contenu du fichier (image/png)."),
    # The element it was read from said too (the form's words say "la date du document"; FHIR's `date` is another).
    (5, lambda b: dated(b, 5, 30),
     "La date du document ne peut pas être dans le futur (context.period.start, la date de l'acte)."),
])
async def test_a_document_refused_in_a_bundle_of_ten_is_named_by_entry_and_identifier(client, db, patient, practice,
                                                                                      document, spoil, said):
    bundle = spoil(provide_documents(patient.patient.ins, 10))
    master = bundle["entry"][document]["resource"]["masterIdentifier"]["value"]
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    [issue] = as_outcome(answer).issue
    assert issue.diagnostics == (f"L'entrée {document + 1} du Bundle (masterIdentifier «\u00a0{master}\u00a0») est "
                                 f"refusée, et rien n'a été enregistré. {said}")
    element = ".context.period.start" if "context.period.start" in said else ""
    assert issue.expression == [f"Bundle.entry[{document}].resource{element}"]  # FHIRPath counts from 0
    assert await nothing_stored(db, patient)


async def test_what_the_bundle_says_of_a_document_names_its_entry_too(client, db, patient, practice):
    """Refused as the Bundle is read (a declared size) or as it is filed (an identifier sent before with other bytes):
    each names the entry; so does a structural refusal the models make, by its element."""
    bundle = provide_documents(patient.patient.ins, 3)
    bundle["entry"][3]["resource"]["content"][0]["attachment"]["size"] = 12
    [issue] = as_outcome(await push(client, practice, bundle)).issue
    assert issue.diagnostics.startswith("L'entrée 4 du Bundle (masterIdentifier") and "attachment.size" in \
        issue.diagnostics
    assert issue.expression == ["Bundle.entry[3].resource"]

    first = provide_bundle(patient.patient.ins, title="CR", data=report_pdf("CR"), master="urn:oid:1.2.250.1.999.77")
    assert (await push(client, practice, first)).status_code == 200
    again = provide_documents(patient.patient.ins, 3)
    again["entry"][2]["resource"]["masterIdentifier"] = first["entry"][1]["resource"]["masterIdentifier"]
    conflict = await push(client, practice, again)
    [issue] = as_outcome(conflict).issue
    assert conflict.status_code == 409 and issue.expression == ["Bundle.entry[2].resource"]
    assert issue.diagnostics.startswith("L'entrée 3 du Bundle (masterIdentifier «\u00a0urn:oid:1.2.250.1.999.77"
                                        "\u00a0») est refusée. Vous avez déjà envoyé un autre contenu sous cet "
                                        "identifiant")

    unreadable = provide_documents(patient.patient.ins, 2)
    unreadable["entry"][2]["resource"]["content"][0]["attachment"]["size"] = "grand"
    answer = await client.post("/fhir", content=json.dumps(unreadable),
                               headers={**practice.headers, "content-type": "application/fhir+json"})
    [issue] = as_outcome(answer).issue
    assert answer.status_code == 400 and issue.expression == ["Bundle.entry[2].resource.content[0].attachment.size"]


async def test_a_replacement_refused_names_its_entry(client, db, patient, practice):
    """A version to replace (relatesTo) is checked as the documents are filed: its refusal names the entry as the
    others do. An outside probe's find: it said what was wrong with the version, not of which document."""
    filed = as_bundle(await push(client, practice, provide_bundle(
        patient.patient.ins, title="CR", data=report_pdf("CR")))).entry[1].response.location
    corrected = provide_bundle(patient.patient.ins, title="CR v2", data=report_pdf("CR v2"))
    corrected["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces", "target": {"reference": filed}}]
    assert (await push(client, practice, corrected)).status_code == 200
    for target, said in ((f"DocumentReference/{'0' * 32}", ". La version à remplacer (relatesTo, code «\u00a0replaces"
                                                             "\u00a0») n'est pas un document que vous avez envoyé"),
                         (filed, f", et rien n'a été enregistré. La version {filed} est déjà remplacée (superseded)")):
        bundle = provide_documents(patient.patient.ins, 3)
        bundle["entry"][3]["resource"]["relatesTo"] = [{"code": "replaces", "target": {"reference": target}}]
        master = bundle["entry"][3]["resource"]["masterIdentifier"]["value"]
        answer = await push(client, practice, bundle)
        assert answer.status_code == 422, answer.text
        [issue] = as_outcome(answer).issue
        assert issue.diagnostics.startswith(f"L'entrée 4 du Bundle (masterIdentifier «\u00a0{master}\u00a0») est "
                                            f"refusée{said}"), issue.diagnostics
        assert issue.expression == ["Bundle.entry[3].resource"]
