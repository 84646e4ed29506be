"""What an ITI-65 push declares is kept or refused, never dropped: a security label (V, a minor's document kept from
the parents, as the web form keeps it), a size, a Binary no document names; each entry's answer says what was made; a
Bundle the models cannot read names its entry in words."""

from __future__ import annotations

import base64
import json

import pytest
from sqlmodel import select

from server.access import grants
from server.accesslog.audit import Actor
from server.models import AccessEvent, Document
from tests.conftest import make_ins, new_patient
from tests.fhir_support import INS_SYSTEM, as_bundle, as_outcome, provide_bundle, report_pdf
from tests.caregiver_helpers import years_ago
from tests.test_export_for_parents import attached_by_mother
from tests.test_fhir_api import CONFIDENTIALITY, practice, push  # noqa: F401 - `practice` is a fixture


async def nothing_stored(db, patient) -> bool:
    documents = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    added = (await db.exec(select(AccessEvent).where(AccessEvent.action == "add_document"))).all()
    return documents == [] and added == []


def report(patient, **options) -> dict:
    return provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"), **options)


@pytest.mark.parametrize("where, label", [
    ("securityLabel", {"coding": [{"system": CONFIDENTIALITY, "code": "R"}]}),
    ("securityLabel", {"coding": [{"system": CONFIDENTIALITY, "code": "N"}, {"system": CONFIDENTIALITY, "code": "R"}]}),
    ("securityLabel", {"coding": [{"system": CONFIDENTIALITY, "code": "V"}, {"system": CONFIDENTIALITY, "code": "R"}]}),
    ("securityLabel", {"coding": [{"system": "urn:oid:1.2.250.1.213.1.1.4.13", "code": "MASQUE_PS"}]}),
    ("securityLabel", {"text": "Confidentiel"}),
    ("meta", {"security": [{"system": CONFIDENTIALITY, "code": "R"}]}),
])
async def test_a_document_labelled_other_than_normal_is_refused_and_nothing_is_stored(client, db, patient, practice,
                                                                                   where, label):
    bundle = report(patient)
    bundle["entry"][1]["resource"][where] = [label] if where == "securityLabel" else label
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    said = as_outcome(answer).issue[0].diagnostics
    assert "que des documents de confidentialité normale" in said and "le patient qui choisit" in said
    assert "entrée 2 du Bundle" in said
    assert await nothing_stored(db, patient)


async def minor_granted(client, db, practice):
    """Inès, 17, whose mother attached her dossier (signed in on `client`); Inès gave Dr Bernard access."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    await attached_by_mother(client, db, ines, serial=5)
    await grants.grant_access(db, dossier=ines.dossier, professional=practice.pro.professional, categories="",
                              duration="1a", actor=Actor(None, "patient", "Inès Martin"))
    return ines


@pytest.mark.parametrize("where", ["securityLabel", "meta"])
async def test_a_minors_document_labelled_v_is_kept_from_the_parents_as_the_web_form_keeps_it(client, db, practice,
                                                                                           where):
    """An outside probe's find: "Ne pas montrer aux parents" (CSP L1111-5), the professional's to decide, was refused
    through the API as if it were the patient's choice to hide, though Carnet itself writes V for it."""
    ines = await minor_granted(client, db, practice)
    bundle = provide_bundle(ines.patient.ins, title="Consultation confidentielle", data=report_pdf("CR"))
    label = {"system": CONFIDENTIALITY, "code": "V"}
    if where == "meta":
        bundle["entry"][1]["resource"]["meta"] = {"security": [label]}
    else:
        bundle["entry"][1]["resource"]["securityLabel"] = [{"coding": [label]}]
    answer = await push(client, practice, bundle)
    assert answer.status_code == 200, answer.text
    [document] = (await db.exec(select(Document).where(Document.dossier_id == ines.dossier.id))).all()
    assert document.hidden_from_representatives and not document.hidden
    [event] = (await db.exec(select(AccessEvent).where(AccessEvent.action == "add_document"))).all()
    # The web form's line, after the software's (an outside probe's find: a V document lost "via le logiciel")
    assert event.detail == "via le logiciel «\u00a0Logiciel du cabinet\u00a0»\nréservé au patient, sans ses représentants légaux"
    read = await client.get(f"/fhir/{as_bundle(answer).entry[1].response.location}", headers=practice.headers)
    assert read.json()["meta"]["security"][0]["code"] == "V"
    timeline = await client.get(f"/dossiers/{ines.dossier.id}")  # her mother's
    assert timeline.status_code == 200 and "Consultation confidentielle" not in timeline.text


async def test_an_adults_document_labelled_v_is_refused_saying_why(client, db, patient, practice):
    bundle = report(patient)
    bundle["entry"][1]["resource"]["securityLabel"] = [{"coding": [{"system": CONFIDENTIALITY, "code": "V"}]}]
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    said = as_outcome(answer).issue[0].diagnostics
    assert said.startswith("L'entrée 2 du Bundle") and "« Ne pas montrer aux parents »" in said
    assert "Ce patient est majeur" in said and "Envoyez ce document sans étiquette, ou avec N." in said
    assert await nothing_stored(db, patient)
    bundle["entry"][2]["resource"]["meta"] = {"security": [{"system": CONFIDENTIALITY, "code": "V"}]}
    answer = await push(client, practice, bundle)  # on the Binary: the document's label, not its bytes'
    assert answer.status_code == 422 and "se place sur le DocumentReference" in as_outcome(answer).issue[0].diagnostics


async def test_a_document_labelled_normal_is_filed(client, db, patient, practice):
    bundle = report(patient)
    bundle["entry"][1]["resource"]["securityLabel"] = [{"coding": [{"system": CONFIDENTIALITY, "code": "N"}]}]
    assert (await push(client, practice, bundle)).status_code == 200
    [document] = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    assert not document.hidden


@pytest.mark.parametrize("as_binary", [True, False])
async def test_a_declared_size_that_is_not_the_contents_is_refused(client, db, patient, practice, as_binary):
    bundle = report(patient, as_binary=as_binary)
    attachment = bundle["entry"][1]["resource"]["content"][0]["attachment"]
    attachment["size"] = 12
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    assert "taille déclarée (attachment.size : 12 octets)" in as_outcome(answer).issue[0].diagnostics
    assert await nothing_stored(db, patient)
    attachment["size"] = len(report_pdf("CR"))  # the same PDF, to the byte
    assert (await push(client, practice, bundle)).status_code == 200


async def test_a_binary_no_document_names_refuses_the_whole_bundle(client, db, patient, practice):
    bundle = report(patient)
    stray = json.loads(json.dumps(bundle["entry"][2]))
    stray["fullUrl"] = "urn:uuid:0b8c8d1e-3f4a-4b5c-9d6e-7f8091a2b3c4"
    bundle["entry"].append(stray)
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    assert "L'entrée 4 du Bundle (Binary) n'est désignée par aucun DocumentReference" in \
        as_outcome(answer).issue[0].diagnostics
    assert await nothing_stored(db, patient)


async def test_a_binary_named_twice_or_unlike_the_inline_data_is_refused(client, db, patient, practice):
    twice = report(patient)
    twice["entry"].append(json.loads(json.dumps(twice["entry"][2])))  # one address for two entries
    answer = await push(client, practice, twice)
    assert answer.status_code == 400
    assert "entrées 3 et 4 du Bundle portent le même fullUrl" in as_outcome(answer).issue[0].diagnostics
    unlike = report(patient)
    unlike["entry"][1]["resource"]["content"][0]["attachment"]["data"] = base64.b64encode(b"autre chose").decode()
    answer = await push(client, practice, unlike)
    assert answer.status_code == 422 and "n'ont pas le même contenu" in as_outcome(answer).issue[0].diagnostics
    assert await nothing_stored(db, patient)


async def test_the_submission_set_is_answered_as_read_not_created(client, db, patient, practice):
    """FHIR R4: 201 names what was created (its `location`); Carnet files the documents, and keeps no List."""
    answer = as_bundle(await push(client, practice, report(patient)))
    [listed, document, binary] = [e.response for e in answer.entry]
    assert listed.status == "200 OK" and listed.location is None
    assert listed.outcome.issue[0].severity == "information" and "ne le conserve pas" in \
        listed.outcome.issue[0].diagnostics
    assert document.status == binary.status == "201 Created"
    assert binary.location == document.location.replace("DocumentReference/", "Binary/")


@pytest.mark.parametrize("mangle, place", [
    (lambda b: b["entry"].append(5), "entrée 4 du Bundle"),  # the parser says "entry.3.root"
    (lambda b: b["entry"][1]["resource"]["content"][0]["attachment"].update(size="grand"),
     "entrée 2 du Bundle, élément content[0].attachment.size"),
    (lambda b: b.update(timestamp="hier"), "élément timestamp"),
])
async def test_an_unreadable_bundle_names_the_entry_in_words_not_the_parsers_path(client, db, patient, practice,
                                                                                 mangle, place):
    bundle = report(patient)
    mangle(bundle)
    answer = await push(client, practice, bundle)
    assert answer.status_code == 400, answer.text
    said = as_outcome(answer).issue[0].diagnostics
    assert said == f"Le Bundle n'est pas une ressource FHIR R4B valide ({place})."
    assert "entry." not in said and "root" not in said and "champ" not in said


async def test_a_submission_set_naming_another_patient_than_its_documents_is_refused(client, db, patient, practice):
    """IHE XDS's XDSPatientIdDoesNotMatch: the SubmissionSet and its documents name one patient. An outside probe's
    find: a List naming one INS and a DocumentReference another was filed in the second dossier without a word."""
    other = make_ins("M", 1950, 7, 2)
    bundle = report(patient)
    bundle["entry"][0]["resource"]["subject"] = {"identifier": {"system": INS_SYSTEM, "value": other}}
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    [issue] = as_outcome(answer).issue
    assert issue.diagnostics == ("L'entrée 1 du Bundle est refusée, et rien n'a été enregistré. Le SubmissionSet "
                                 "(List) désigne un autre patient que ses documents : son INS (subject.identifier) "
                                 "n'est pas celui de l'entrée 2.")
    assert issue.expression == ["Bundle.entry[0].resource"]
    assert await nothing_stored(db, patient)


@pytest.mark.parametrize("value", [None, "1 84 12 75", "184127511200599"])
async def test_a_submission_set_naming_no_valid_ins_is_told_so(client, db, patient, practice, value):
    """A review's find: a List whose INS was empty or mistyped was said to name "another patient" than its documents,
    which sent its developer looking for a mix-up of patients rather than a typing error."""
    bundle = report(patient)
    bundle["entry"][0]["resource"]["subject"] = {"identifier": {"system": INS_SYSTEM, **({"value": value} if value
                                                                                           else {})}}
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    [issue] = as_outcome(answer).issue
    assert issue.diagnostics == ("L'entrée 1 du Bundle est refusée, et rien n'a été enregistré. Le SubmissionSet "
                                 "(List) désigne son patient par un INS invalide (subject.identifier) : 15 caractères, "
                                 "clé comprise, comme celui de ses documents.")
    assert await nothing_stored(db, patient)


async def test_a_correction_kept_from_the_parents_keeps_the_version_it_replaces_from_them(client, db, practice):
    """A result corrected under "Ne pas montrer aux parents" (V): keeping it once filed keeps the versions it corrects
    too (keeping.py), but filed so, the version before stayed theirs: its page told the mother a newer version was
    added that day, and once the correction was withdrawn, the result given back was on her timeline again."""
    ines = await minor_granted(client, db, practice)
    first = as_bundle(await push(client, practice, provide_bundle(
        ines.patient.ins, title="Sérologie", data=report_pdf("Sérologie"), category="biologie"))
    ).entry[1].response.location.split("/")[1]
    bundle = provide_bundle(ines.patient.ins, title="Sérologie", data=report_pdf("Sérologie, corrigée"),
                            category="biologie")
    bundle["entry"][1]["resource"]["securityLabel"] = [{"coding": [{"system": CONFIDENTIALITY, "code": "V"}]}]
    bundle["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces",
                                                    "target": {"reference": f"DocumentReference/{first}"}}]
    corrected = as_bundle(await push(client, practice, bundle)).entry[1].response
    assert corrected.status == "201 Created"
    page = await client.get(f"/documents/{first}")  # her mother's
    assert page.status_code == 404 and "Remplacé par une version plus récente" not in page.text
    withdrawn = await client.patch(f"/fhir/{corrected.location}", content=json.dumps(
        [{"op": "replace", "path": "/status", "value": "entered-in-error"}]),
        headers={**practice.headers, "content-type": "application/json-patch+json"})
    assert withdrawn.status_code == 200
    assert "Sérologie" not in (await client.get(f"/dossiers/{ines.dossier.id}")).text
    back = await client.get(f"/fhir/DocumentReference/{first}", headers=practice.headers)
    assert back.json()["status"] == "current" and back.json()["meta"]["security"][0]["code"] == "V"
