"""What a push sends that Carnet does not apply is said in the entry's outcome, never dropped without a word: the
metadata of a document sent again (same masterIdentifier, same bytes) that differ from what is stored, and an author
other than the professional who registered the software (an outside tester's finds, integrating a hospital's DPI)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from sqlmodel import select

from server.models import Document
from tests.fhir_support import as_bundle, provide_bundle, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture

IDNAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
LEA = {"identifier": {"system": IDNAT_PS, "value": "810009512384"}, "display": "Léa Fontaine"}


async def stored(db, document_id: str) -> Document:
    return (await db.exec(select(Document).where(Document.id == document_id)
                          .execution_options(populate_existing=True))).one()


async def test_metadata_sent_again_with_the_same_bytes_are_not_applied_and_each_difference_is_named(
        client, db, patient, practice):
    """The DPI corrected a title, the date of the act and the category (which decides who reads the document) and sent
    the document again under its identifier: answered 200 with "déjà reçu", it believed its correction made."""
    pdf = report_pdf("Compte rendu")
    first = provide_bundle(patient.patient.ins, title="Compte rendu", data=pdf, master="urn:oid:1.2.3|42",
                           when=date(2026, 11, 20))
    [_, created, _] = as_bundle(await push(client, practice, first)).entry
    document_id = created.response.location.split("/")[1]
    same = as_bundle(await push(client, practice, first)).entry[1].response
    assert [issue.severity for issue in same.outcome.issue] == ["information"]  # nothing differs: nothing to warn of

    corrected = provide_bundle(patient.patient.ins, title="Compte rendu corrigé", data=pdf, master="urn:oid:1.2.3|42",
                               category="biologie", when=date(2026, 11, 19))
    answer = await push(client, practice, corrected)
    assert answer.status_code == 200, answer.text
    entry = as_bundle(answer).entry[1].response
    assert entry.status == "200 OK"
    [received, warning] = entry.outcome.issue
    assert received.code == "duplicate"
    assert warning.severity == "warning" and warning.code == "business-rule"
    said = warning.diagnostics
    for element, kept in (("description", "«\u00a0Compte rendu\u00a0»"), ("context.period.start", "2026-11-20"),
                          ("category", "compte_rendu"), ("type", "11488-4")):
        assert f"{element} (enregistré : " in said and kept in said, (element, said)
    assert "n'ont pas été appliqués" in said
    assert f"relatesTo, code «\u00a0replaces\u00a0», cible DocumentReference/{document_id}" in said
    assert "nouveau masterIdentifier" in said
    assert "garde la catégorie" in said and "entered-in-error" in said  # a category is changed otherwise
    assert warning.expression == [f"Bundle.entry[1].resource.{element}" for element in
                                  ("description", "context.period.start", "category", "type")]
    document = await stored(db, document_id)
    assert (document.title, document.category, document.event_date) == ("Compte rendu", "compte_rendu",
                                                                         date(2026, 11, 20))


async def test_a_document_sent_again_after_its_correction_points_to_the_latest_version(client, db, patient, practice):
    pdf = report_pdf("Bilan")
    first = provide_bundle(patient.patient.ins, title="Bilan", data=pdf, master="urn:oid:1.2.3|7")
    earlier = as_bundle(await push(client, practice, first)).entry[1].response.location
    correction = provide_bundle(patient.patient.ins, title="Bilan corrigé", data=report_pdf("Bilan corrigé"))
    correction["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces", "target": {"reference": earlier}}]
    latest = as_bundle(await push(client, practice, correction)).entry[1].response.location
    again = provide_bundle(patient.patient.ins, title="Bilan (titre revu)", data=pdf, master="urn:oid:1.2.3|7")
    [_, warning] = as_bundle(await push(client, practice, again)).entry[1].response.outcome.issue
    assert "description (enregistré : «\u00a0Bilan\u00a0»)" in warning.diagnostics
    assert f"cible {latest}" in warning.diagnostics and "la plus récente" in warning.diagnostics


async def test_a_declared_author_other_than_the_registering_professional_is_said_to_be_ignored(
        client, db, patient, practice):
    """The DPI named the doctor who wrote the report; Carnet files it as the professional whose software sent it, and
    said nothing of it."""
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
    bundle["entry"][1]["resource"]["author"] = [LEA]
    answer = await push(client, practice, bundle)
    assert answer.status_code == 200, answer.text
    entry = as_bundle(answer).entry[1].response
    assert entry.status == "201 Created"
    [issue] = entry.outcome.issue
    assert issue.severity == "warning" and issue.expression == ["Bundle.entry[1].resource.author"]
    assert issue.diagnostics.startswith("author ignoré («\u00a0Léa Fontaine\u00a0», 810009512384) : le document est "
                                        "attribué à Dr Claire Bernard"), issue.diagnostics
    assert "qui a enregistré ce logiciel" in issue.diagnostics
    document = await stored(db, entry.location.split("/")[1])
    assert document.author_professional_id == practice.pro.professional.id


async def test_the_registering_professional_named_as_author_earns_no_warning(client, db, patient, practice):
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
    bundle["entry"][1]["resource"]["author"] = [
        {"identifier": {"system": IDNAT_PS, "value": f"8{practice.pro.professional.rpps}"}, "display": "Dr Bernard"}]
    entry = as_bundle(await push(client, practice, bundle)).entry[1].response
    assert entry.status == "201 Created" and entry.outcome is None


async def test_the_capability_statement_says_who_a_document_is_attributed_to_and_the_category_codes(client):
    statement = CapabilityStatement.model_validate((await client.get("/fhir/metadata")).json())
    [documents] = [r for r in statement.rest[0].resource if r.type == "DocumentReference"]
    assert "author" in documents.documentation and "qui a enregistré le logiciel" in documents.documentation
    assert "compte_rendu (Compte rendu" in documents.documentation  # Carnet's codes, each with its label
    assert "11502-2" in documents.documentation  # and each category's LOINC type


def test_the_readme_tells_an_integrator_what_the_tester_read_the_code_to_learn():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    api = readme[readme.index("## The FHIR API"):readme.index("## The transparency log")]
    assert "except those of `POST\n/fhir/token`, which are OAuth 2.0's" in api  # not "every error is an OperationOutcome"
    for said in ("**Who is the author.**", "**Files.**", "**Dates.**", "**Lengths.**", "**Sent again.**",
                 "`date` is the instant Carnet received the document", "`meta.security` `R`", "**Category codes.**"):
        assert said in api, said
