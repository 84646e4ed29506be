"""Who made a summary is its author: the patient for her own, the relative who made it otherwise (a probe's find: a
child's health link made by his mother, and her copy of his dossier, said the child had written their summary). The
Bundle read by fhir.resources' R4B models, the health link's opened by jwcrypto, as a recipient's app would."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle

from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.export.archive import IPS_NAME
from server.shlinks import links
from server.shlinks.links import LinkInput
from tests.conftest import new_patient
from tests.caregiver_helpers import years_ago
from tests.test_export_for_parents import attached_by_mother, copy_for
from tests.shlink_helpers import decrypted, fetch, payload_of


def author(bundle: Bundle) -> tuple[str, str, dict]:
    """The Composition's author: its display, the type of what it points to, and that resource as JSON."""
    composition = bundle.entry[0].resource
    reference = composition.author[0].reference
    [target] = [e.resource for e in bundle.entry if e.fullUrl == reference]
    return composition.author[0].display, target.get_resource_type(), json.loads(target.model_dump_json())


async def test_a_mothers_link_and_copy_of_her_sons_dossier_are_hers_and_his_own_are_his(client, db, app):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(12), serial=7, sex="M")
    mother = await attached_by_mother(client, db, leo, serial=8)
    account = await account_for_patient(db, patient=mother.patient)
    made = await links.create_link(db, dossier=leo.dossier, account=account,
                                   actor=Actor(account.id, "caregiver", "Camille Martin", on_behalf_of="Léo Martin"),
                                   data=LinkInput(content="emergency", label="", passcode="", duration="7j"))
    link = payload_of(made)
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    display, kind, person = author(bundle)
    assert (display, kind) == ("Camille Martin", "RelatedPerson")
    assert person["relationship"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRN", "display": "parent"}
    assert person["name"] == [{"text": "Camille Martin"}]
    assert person["patient"]["reference"] == bundle.entry[0].resource.subject.reference

    copy = Bundle.model_validate(json.loads((await copy_for(client, leo.dossier.id)).read(IPS_NAME)))
    assert author(copy)[:2] == ("Camille Martin", "RelatedPerson")

    # Her own dossier's: hers, as a Patient.
    own = Bundle.model_validate(json.loads((await copy_for(client, mother.dossier.id)).read(IPS_NAME)))
    assert author(own)[:2] == ("Camille Martin", "Patient")


async def test_a_caregivers_summary_says_a_caregiver_made_it(client, db, app, patient):
    from tests.caregiver_helpers import as_account, invitation_code, new_caregiver

    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        copy = Bundle.model_validate(json.loads((await copy_for(hugo, patient.dossier.id)).read(IPS_NAME)))
    display, kind, person = author(copy)
    assert (display, kind) == ("Hugo Martin", "RelatedPerson")
    assert person["relationship"] == [{"text": "proche aidant"}]
