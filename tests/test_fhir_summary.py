"""A practice's software asks for the patient's summary (IPS's Patient/$summary): the International Patient Summary of
what its professional reads of the profil médical, under the one rule, logged before it is sent, refused alike for an
unknown INS and for a dossier not theirs, and never with an INS in an address."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from sqlmodel import select

from server.access import grants
from server.accesslog.audit import Actor
from server.fhir import clients
from server.fhir.ips import IPS_PROFILE, ITEM_SYSTEM
from server.models import AccessEvent
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, make_ins, new_professional
from tests.fhir_support import Software, as_outcome
from tests.test_profile import items_of_every_kind

TOKEN_URL = f"{ORIGIN}/fhir/token"
PATIENT = Actor(None, "patient", "Camille Martin")
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
SCOPES = "system/DocumentReference.cruds system/Binary.r system/Patient.r"
VIA = "via le logiciel «\u00a0Logiciel du cabinet\u00a0»"


def parameters(*parameter: dict) -> str:
    return json.dumps({"resourceType": "Parameters", "parameter": list(parameter)})


def by_ins(ins: str) -> dict:
    return {"name": "identifier", "valueString": f"{INS_SYSTEM}|{ins}"}


@pytest.fixture
async def software(client, db, app, patient):
    """Dr Bernard, with access to Camille's whole dossier, and her software's headers (a token that may ask for it)."""
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, doctor)
    grant = await grants.grant_access(db, dossier=patient.dossier, professional=doctor.professional, categories="",
                                      duration="1a", actor=PATIENT)
    registered = Software()
    registered.client_id = (await clients.register(db, professional_id=doctor.professional.id,
                                                   name="Logiciel du cabinet", jwk_text=registered.public_jwk())).id
    answer = await client.post("/fhir/token", data=registered.token_form(TOKEN_URL, scope=SCOPES))
    assert answer.status_code == 200 and "system/Patient.r" in answer.json()["scope"].split(), answer.text
    registered.headers = {"authorization": f"Bearer {answer.json()['access_token']}",
                          "content-type": "application/fhir+json"}
    registered.doctor, registered.grant = doctor, grant
    return registered


async def ask(client, software, body: str):
    return await client.post("/fhir/Patient/$summary", content=body, headers=software.headers)


async def test_the_software_reads_the_summary_of_what_its_professional_sees_logged_before(client, db, app, patient,
                                                                                          software):
    items = await items_of_every_kind(db, patient.dossier, software.doctor.professional)
    answer = await ask(client, software, parameters(by_ins(patient.patient.ins)))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert answer.headers["cache-control"] == "no-store"
    bundle = Bundle.model_validate(json.loads(answer.content))
    assert bundle.type == "document" and bundle.meta.profile == [IPS_PROFILE]
    composition = bundle.entry[0].resource
    codes = [s.code.coding[0].code for s in composition.section]
    assert codes[:3] == ["48765-2", "10160-0", "11450-4"]  # what IPS requires, first
    assert "documents" not in codes  # ITI-67 lists them
    resources = [e.resource for e in bundle.entry]
    [made_by] = [r for r in resources if r.get_resource_type() == "Device"]  # Carnet assembled it, no person did
    assert composition.author[0].display == "Carnet" == made_by.deviceName[0].name
    carried = {i.value for r in resources for i in (getattr(r, "identifier", None) or []) if i.system == ITEM_SYSTEM}
    carried |= {c.extension[0].valueString for r in resources if r.get_resource_type() == "Patient"
                for c in r.contact or []}
    seen = {i.id for i in items if i.deleted_at is None and not i.hidden}
    assert carried == seen and len(seen) < len(items)  # hidden and deleted lines left out
    assert patient.patient.ins not in answer.text  # the INS is never given back under its OID (fhir/identity.py)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        log = (await phone.get("/historique")).text
    assert "Claire Bernard, médecin, a consulté le profil médical de votre dossier" in log and VIA in log
    dossier_id = patient.dossier.id
    await db.rollback()  # the test's own reads began before the request: a fresh look at the log
    [read] = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier_id,
                                                      AccessEvent.action == "read_profile"))).all()
    assert read.detail == VIA and read.actor_account_id is not None


async def test_an_identifier_as_ips_first_typed_it_is_read_too(client, db, patient, software):
    named = {"name": "identifier", "valueIdentifier": {"system": INS_SYSTEM, "value": patient.patient.ins}}
    answer = await ask(client, software, parameters(named, {"name": "profile", "valueCanonical": IPS_PROFILE}))
    assert answer.status_code == 200, answer.text


async def test_a_refusal_is_the_same_for_an_unknown_ins_another_dossier_and_a_revoked_grant(client, db, patient,
                                                                                            software):
    unknown = await ask(client, software, parameters(by_ins(make_ins("M", 1950, 1, 1))))
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=software.grant.id, actor=PATIENT)
    revoked = await ask(client, software, parameters(by_ins(patient.patient.ins)))
    assert unknown.status_code == revoked.status_code == 404
    assert unknown.content == revoked.content
    assert as_outcome(revoked).issue[0].code == "not-found"
    dossier_id = patient.dossier.id
    await db.rollback()  # a fresh look at the log
    logged = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier_id,
                                                      AccessEvent.action == "read_profile"))).all()
    assert logged == []  # nothing was read


@pytest.mark.parametrize(("body", "status", "said"), [
    ("{", 400, "Parameters"),
    (json.dumps({"resourceType": "Bundle", "type": "collection"}), 400, "Parameters"),
    (parameters(), 400, "identifier"),
    (parameters({"name": "identifier", "valueString": "urn:oid:1.2.3|123"}), 400, "INS valide"),
    (parameters({"name": "identifier", "valueString": f"{INS_SYSTEM}|pas-un-ins"}), 400, "INS valide"),
    (parameters({"name": "patient", "valueString": "x"}), 400, "Paramètre inconnu : patient"),
    (parameters({"name": "profile", "valueCanonical": "http://example.org/autre"}), 422, "synthèse IPS"),
    (parameters({"name": "profile"}), 400, "profile n'a pas de valeur"),
])
async def test_what_cannot_be_read_says_what_is_expected(client, software, body, status, said):
    answer = await ask(client, software, body)
    assert answer.status_code == status
    assert said in as_outcome(answer).issue[0].diagnostics


async def test_the_ins_in_a_posts_address_is_refused_too(client, patient, software):
    answer = await client.post(f"/fhir/Patient/$summary?identifier={INS_SYSTEM}|{patient.patient.ins}",
                               content=parameters(by_ins(patient.patient.ins)), headers=software.headers)
    assert answer.status_code == 400 and "jamais figurer dans une adresse" in as_outcome(answer).issue[0].diagnostics


async def test_the_ins_never_travels_in_an_address(client, patient, software):
    answer = await client.get(f"/fhir/Patient/$summary?identifier={INS_SYSTEM}|{patient.patient.ins}",
                              headers={"authorization": software.headers["authorization"]})
    assert answer.status_code == 400
    assert "POST sur /fhir/Patient/$summary" in as_outcome(answer).issue[0].diagnostics


async def test_a_token_without_the_scope_is_refused_and_told_which(client, patient, software):
    answer = await client.post("/fhir/token", data=software.token_form(TOKEN_URL))  # the documents' scopes alone
    headers = {**software.headers, "authorization": f"Bearer {answer.json()['access_token']}"}
    refused = await client.post("/fhir/Patient/$summary", content=parameters(by_ins(patient.patient.ins)),
                                headers=headers)
    assert refused.status_code == 403 and "system/Patient.r" in as_outcome(refused).issue[0].diagnostics


async def test_the_capability_statement_and_smart_configuration_say_what_is_served(client):
    statement = CapabilityStatement.model_validate((await client.get("/fhir/metadata")).json())
    [patient] = [r for r in statement.rest[0].resource if r.type == "Patient"]
    assert not patient.interaction  # no Patient to read: the operation alone
    assert [(o.name, o.definition) for o in patient.operation] == [
        ("summary", "http://hl7.org/fhir/uv/ips/OperationDefinition/summary")]
    assert "system/Patient.r" in (await client.get("/.well-known/smart-configuration")).json()["scopes_supported"]
    # A Document Recipient; not a Document Responder, which must find Lists too (ITI-66): said in words instead.
    assert statement.instantiates == ["https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentRecipient"]
    assert "sans recherche de listes (ITI-66)" in statement.rest[0].documentation


async def test_a_section_she_may_not_read_says_so_and_no_contact_is_claimed(client, db, patient, software):
    """A probe's finds: a professional of some categories read "Aucune information connue." of the patient's current
    problems, which she has; and the summary claimed to carry the people to contact, which it did not."""
    from server.fhir.ips import CONTACTS_CARRIED

    await items_of_every_kind(db, patient.dossier, None)
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=software.grant.id, actor=PATIENT)
    await grants.grant_access(db, dossier=patient.dossier, professional=software.doctor.professional,
                              categories="vaccination", duration="1a", actor=PATIENT)
    answer = await ask(client, software, parameters(by_ins(patient.patient.ins)))
    assert answer.status_code == 200, answer.text
    composition = Bundle.model_validate(json.loads(answer.content)).entry[0].resource
    problems = next(s for s in composition.section if s.code.coding[0].code == "11450-4")
    assert problems.emptyReason.coding[0].code == "withheld" and "Aucune information transmise." in \
        problems.text.div and "Aucune information connue" not in problems.text.div
    assert not composition.extension or CONTACTS_CARRIED not in {x.url for x in composition.extension}
