"""The access log as FHIR R4B AuditEvents (fhir.resources models): one per access event, for the copy's
`journal-acces-auditevent.json`.

The codes follow FHIR R4B's AuditEvent: `type` from DICOM (DCM 110110 "Patient Record": every event is about
the patient's record), `subtype` Carnet's own action code, `action` C/R/U/D/E, `outcome` 0 (success) or 4
(minor failure: an attempt refused), one requesting `agent` (a professional with their national identifier
"8" + RPPS), the patient's record and the document as `entity`; the chain's sequence number and hashes travel
as entity details, so the JSON alone can be checked against the CSV. A legal representative's copy gives
neither, as its CSV does not (caregivers/confidential.py says why): an event's id is its place in what that
reader sees.
"""

from __future__ import annotations

from collections.abc import Container

from fhir.resources.R4B.auditevent import AuditEvent

from ..accesslog import journal, phrases, right_words
from ..accesslog.audit import timestamp
from ..fhir.identity import unqualified_ins
from ..fhir.resources import IDNAT_PS_SYSTEM
from ..models import AccessEvent, Patient
from ..templating import de

DCM = "http://dicom.nema.org/resources/ontology/DCM"
ACTION_SYSTEM = "urn:carnet:fhir:action-journal"
DOCUMENT_SYSTEM = "urn:carnet:fhir:document"  # a document's Carnet id, also on its DocumentReference in the IPS
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"

CREATES = {"add_document", "profile_add", "care_received", "dossier_opened", "share_code", "caregiver_invited",
           "caregiver_added", "passkey_added"}
DELETES = {"delete", "profile_delete", "profile_withdraw", "withdraw_document", "passkey_removed", "passkeys_reset",
           "care_retracted"}
READS = {*phrases.READS, "emergency", "export"}
REFUSED = {"dossier_open_refused"}
ROLES = {"patient": "PAT", "caregiver": "CAREGIVER", "professional": "PROV"}
NEUTRAL = journal.Viewer(None, is_patient=False)  # a file says who did what by name, never "vous"


def action_code(action: str) -> str:
    """FHIR's AuditEvent.action: Create, Read, Update, Delete (a change of rights updates the dossier)."""
    return "C" if action in CREATES else "R" if action in READS else "D" if action in DELETES else "U"


def coding(system: str, code: str, display: str = "") -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def agents(event: AccessEvent, patient: Patient) -> list[dict]:
    # Named as the Historique names them (a health link's recipient: the name they declared, said to be declared).
    name = journal.actor_name(event)
    who: dict = {"display": name or "Inconnu"}
    if event.actor_kind == "professional" and event.actor_rpps:
        who["identifier"] = {"system": IDNAT_PS_SYSTEM, "value": f"8{event.actor_rpps}"}
    elif event.actor_kind == "patient":
        who["identifier"] = unqualified_ins(patient)
    agent: dict = {"who": who, "name": name or None, "requestor": True}
    if event.actor_kind in ROLES:
        agent["type"] = {"coding": [coding(ROLE_CLASS, ROLES[event.actor_kind])]}
    if event.actor_profession:
        agent["role"] = [{"text": event.actor_profession}]
    if event.right == "emergency":
        agent["purposeOfUse"] = [{"coding": [coding(ACT_REASON, "ETREAT", "Emergency Treatment")]}]
    found = [agent]
    if event.on_behalf_of:  # a caregiver acting for the patient (R4B has no onBehalfOf: a second, passive agent)
        found.append({"who": {"display": event.on_behalf_of}, "type": {"coding": [coding(ROLE_CLASS, "PAT")]},
                      "requestor": False})
    return found


def entities(event: AccessEvent, patient: Patient, position: int | None = None,
             withdrawn: Container[str] = ()) -> list[dict]:
    chain = [("numéro", str(event.seq)), ("hash", event.hash), ("hash précédent", event.prev_hash)] \
        if position is None else []
    details = [*chain, ("droit", right_words.right_label(event)), ("détail", event.detail)]
    record = {"what": {"identifier": unqualified_ins(patient),
                       "display": f"Dossier {de(patient.given_name)} {patient.family_name}"},
              "type": coding(ENTITY_TYPE, "1", "Person"), "role": coding(OBJECT_ROLE, "1", "Patient"),
              "detail": [{"type": name, "valueString": value} for name, value in details if value]}
    found = [record]
    if event.document_id:
        # Withdrawn by its author since: untitled, as its sentence and its CSV row (journal.withheld).
        title = None if journal.withheld(event, withdrawn) else event.document_title or None
        found.append({"what": {"identifier": {"system": DOCUMENT_SYSTEM, "value": event.document_id},
                               "display": title},
                      "type": coding(ENTITY_TYPE, "2", "System Object"), "role": coding(OBJECT_ROLE, "3", "Report"),
                      "name": title})
    return found


def audit_event(event: AccessEvent, *, patient: Patient, position: int | None = None,
                withdrawn: Container[str] = ()) -> AuditEvent:
    """One access event as an AuditEvent, validated; `position`: its place in what a legal representative sees,
    given instead of the dossier's numbering and chain; `withdrawn`: queries.withdrawn_among's, whose documents are
    named without their titles (journal.withheld)."""
    resource = {
        "resourceType": "AuditEvent",
        "id": f"evenement-{event.seq if position is None else position}",
        "type": coding(DCM, "110110", "Patient Record"),
        "subtype": [coding(ACTION_SYSTEM, event.action, journal.action_label(event))],
        "action": action_code(event.action),
        "recorded": timestamp(event.at),
        "outcome": "4" if event.action in REFUSED else "0",
        "outcomeDesc": journal.sentence(event, viewer=NEUTRAL, withdrawn=withdrawn),
        "agent": agents(event, patient),
        "source": {"observer": {"display": "Carnet"}, "type": [coding(SOURCE_TYPE, "4", "Application Server")]},
        "entity": entities(event, patient, position, withdrawn),
    }
    return AuditEvent.model_validate(strip_none(resource))


def strip_none(value):
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value
