"""A profile item as the FHIR resource an International Patient Summary carries (ips.py), and a copy of the dossier
read back reads (export/mapping.py): AllergyIntolerance, MedicationStatement, Condition or Procedure,
FamilyMemberHistory, Immunization, Observation (a pregnancy's status, with its expected delivery date). Each carries
the item's id under Carnet's system, so that the copy gives the same profile.
"""

from __future__ import annotations

from datetime import date

from ..models import ProfileItem
from ..profile.kinds import DONATION, KINDS, MEASURES
from .resources import LOINC, fhir_instant

UNKNOWN_DATE = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
# When a procedure was declared: R4B's Procedure has no element for it (R5's `recorded`, by its cross-version
# extension), which a copy read back needs (export/mapping.py).
PROCEDURE_RECORDED = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Procedure.recorded"
ITEM_SYSTEM = "urn:carnet:fhir:profil"  # identifier.system of a resource made from a profile item; value: its id
DONATION_SYSTEM = "urn:carnet:fhir:don-organes"  # profile/kinds.DONATION's codes
KIND_SYSTEM = "urn:carnet:fhir:profil-type"  # for the kinds FHIR has no resource of its own for here
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CODES = {"weight": ("29463-7", "Body weight"), "height": ("8302-2", "Body height"),
                     "blood_pressure": ("85354-9", "Blood pressure panel"),
                     "glucose": ("2339-0", "Glucose [Mass/volume] in Blood"),
                     "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
                     "ldl": ("2089-1", "Cholesterol in LDL [Mass/volume] in Serum or Plasma"),
                     "creatinine": ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma")}
BLOOD_PRESSURE_PARTS = (("8480-6", "Systolic blood pressure"), ("8462-4", "Diastolic blood pressure"))
UCUM_UNITS = {"kg": "kg", "cm": "cm", "mmHg": "mm[Hg]", "g/L": "g/L", "%": "%", "µmol/L": "umol/L"}
SNOMED = "http://snomed.info/sct"
# IPS's Observation Pregnancy - Status (82810-3), its value from IPS's Pregnancy Status value set (SNOMED CT), and
# Observation Pregnancy - Expected Delivery Date (11778-8, "Delivery date Estimated": as the professional gave it),
# the status's `hasMember`.
PREGNANCY_STATUS = ("82810-3", "Pregnancy status")
PREGNANT = {"system": SNOMED, "code": "77386006", "display": "Pregnant"}
NOT_PREGNANT = {"system": SNOMED, "code": "60001007", "display": "Not pregnant"}
EXPECTED_DELIVERY = ("11778-8", "Delivery date Estimated")
# A vaccination the patient declared: not from the one who gave it (primarySource false), but from their memory
# or card; R4B has no "informationSource" on Immunization, and `performer` would say the patient injected it.
PATIENT_REPORTED = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/immunization-origin",
                                "code": "recall", "display": "Parent/Guardian/Patient Recall"}]}
# A vaccination a professional declared: who recorded it, not who gave it (a doctor notes in 2026 a dose given in
# 2018, elsewhere): "performer", "who performed the immunization event", is not known, nor whether the record is
# the giver's own (primarySource). R4B's Immunization has no element for its recorder; R5's `informationSource`
# ("the source of the vaccine event"), by its cross-version extension, as Procedure.recorded above.
IMMUNIZATION_SOURCE = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Immunization.informationSource"
# A measure from a blood sample is a laboratory result (IPS "Results" section, category laboratory), not a vital sign:
# those kinds.Measure says are the laboratory's, which the rule places under the lab reports too.
LABORATORY = frozenset(code for code, measure in MEASURES.items() if measure.laboratory)
SEVERITY = {"faible": "mild", "moderee": "moderate", "severe": "severe"}


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def item_resource(item: ProfileItem, *, patient_ref: str, declared: dict, documents: dict[str, str]) -> dict | None:
    """The FHIR resource of one item (contacts go in Patient.contact: None here)."""
    identifier = [{"system": ITEM_SYSTEM, "value": item.id}]
    note = [{"text": item.detail}] if item.detail else None
    if item.kind == "allergy":
        return {"resourceType": "AllergyIntolerance", "identifier": identifier,
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                               "code": "active"}]},
                # Not known ("Je ne sais pas"): said so, never guessed (criticality unable-to-assess, no severity).
                "criticality": {"severe": "high", "": "unable-to-assess"}.get(item.severity, "low"),
                "code": {"text": item.label}, "patient": {"reference": patient_ref}, "recorder": declared,
                "recordedDate": fhir_instant(item.created_at),
                "reaction": [{"manifestation": [{"text": item.detail or "Réaction non précisée"}],
                              "severity": SEVERITY.get(item.severity)}]}
    if item.kind == "treatment":
        period = {"start": day(item.started_on) if item.started_on else None,
                  "end": day(item.ended_on) if item.ended_on else None}
        return {"resourceType": "MedicationStatement", "identifier": identifier,
                "status": "completed" if item.ended_on else "active",  # stopped (profile/ending.py)
                "medicationCodeableConcept": {"text": item.label}, "subject": {"reference": patient_ref},
                "effectivePeriod": {k: v for k, v in period.items() if v} or None,
                # Neither day known: said so (IPS STU1 wants effective[x], with this extension when unknown).
                "_effectiveDateTime": None if any(period.values()) else {"extension": [UNKNOWN_DATE]},
                "informationSource": declared, "dateAsserted": fhir_instant(item.created_at), "dosage": [{"text": item.detail}] if item.detail else None,
                "note": [{"text": f"Prescrit par {item.prescriber}"}] if item.prescriber else None}
    if item.kind == "condition" and item.nature == "procedure":
        return {"resourceType": "Procedure", "identifier": identifier, "status": "completed",
                "extension": [{"url": PROCEDURE_RECORDED, "valueDateTime": fhir_instant(item.created_at)}],
                "code": {"text": item.label}, "subject": {"reference": patient_ref},
                "performedDateTime": day(item.started_on),
                # Its day not known: said so (IPS wants performed[x], 1..1, with this extension when unknown).
                "_performedDateTime": None if item.started_on else {"extension": [UNKNOWN_DATE]},
                "recorder": declared, "note": note}
    if item.kind == "condition":
        return {"resourceType": "Condition", "identifier": identifier,
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                               "code": "active" if item.nature == "current" else "resolved"}]},
                "code": {"text": item.label}, "subject": {"reference": patient_ref},
                "onsetDateTime": day(item.started_on), "recorder": declared,
                "recordedDate": fhir_instant(item.created_at), "note": note}
    if item.kind == "family_history":
        return {"resourceType": "FamilyMemberHistory", "identifier": identifier, "status": "completed",
                "patient": {"reference": patient_ref}, "date": fhir_instant(item.created_at), "relationship": {"text": item.detail or "Famille"},
                "condition": [{"code": {"text": item.label}}]}
    if item.kind == "vaccination":
        immunization = {"resourceType": "Immunization", "identifier": identifier, "status": "completed",
                        "vaccineCode": {"text": item.label}, "patient": {"reference": patient_ref},
                        "occurrenceDateTime": day(item.started_on), "recorded": fhir_instant(item.created_at),
                        "lotNumber": item.lot or None}
        if declared.get("reference", patient_ref) == patient_ref:  # told by the patient or a relative: not given by them
            return {**immunization, "primarySource": False, "reportOrigin": PATIENT_REPORTED}
        return {**immunization, "extension": [{"url": IMMUNIZATION_SOURCE, "valueReference": declared}]}
    if item.kind == "measurement":
        code, display = OBSERVATION_CODES[item.label]
        unit = UCUM_UNITS[item.unit]
        observation = {"resourceType": "Observation", "identifier": identifier, "status": "final",
                       "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                                 "code": "laboratory" if item.label in LABORATORY else "vital-signs"}]}],
                       "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                                "text": MEASURES[item.label].label},
                       "subject": {"reference": patient_ref}, "effectiveDateTime": day(item.started_on),
                       "issued": fhir_instant(item.created_at), "performer": [declared]}
        if item.label == "blood_pressure":
            observation["component"] = [
                {"code": {"coding": [{"system": LOINC, "code": c, "display": d}]},
                 "valueQuantity": {"value": v, "unit": item.unit, "system": UCUM, "code": unit}}
                for (c, d), v in zip(BLOOD_PRESSURE_PARTS, (item.value, item.value2))]
        else:
            observation["valueQuantity"] = {"value": item.value, "unit": item.unit, "system": UCUM, "code": unit}
        return observation
    if item.kind == "pregnancy":
        # Pregnant from the day it was declared; once over, not pregnant from the day it ended (profile/ending.py).
        over = item.ended_on is not None
        code, display = PREGNANCY_STATUS
        return {"resourceType": "Observation", "identifier": identifier, "status": "final",
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": "Grossesse"},
                "subject": {"reference": patient_ref},
                "effectiveDateTime": day(item.ended_on) if over else fhir_instant(item.created_at),
                "valueCodeableConcept": {"coding": [NOT_PREGNANT if over else PREGNANT],
                                         "text": "Grossesse terminée" if over else "Enceinte"},
                "performer": [declared], "issued": fhir_instant(item.created_at), "note": note}
    if item.kind in ("directive", "organ_donation"):
        # A directive is what the patient wrote; a choice on organ donation is one of two, said in words and kept
        # as its code (export/mapping.py reads it back).
        value = {"valueCodeableConcept": {"coding": [{"system": DONATION_SYSTEM, "code": item.label}],
                                          "text": DONATION.get(item.label, item.label)}} \
            if item.kind == "organ_donation" else {"valueString": item.label}
        observation = {"resourceType": "Observation", "identifier": identifier, "status": "final",
                       "code": {"coding": [{"system": KIND_SYSTEM, "code": item.kind}], "text": KINDS[item.kind].title},
                       "subject": {"reference": patient_ref}, **value, "performer": [declared],
                       "issued": fhir_instant(item.created_at), "note": note}
        if item.document_id and item.document_id in documents:
            observation["derivedFrom"] = [{"reference": documents[item.document_id]}]
        return observation
    return None


def expected_delivery(item: ProfileItem, *, patient_ref: str, declared: dict) -> dict:
    """A pregnancy's expected delivery date, as the Observation its status names (`hasMember`)."""
    code, display = EXPECTED_DELIVERY
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                     "text": "Date prévue d'accouchement"},
            "subject": {"reference": patient_ref}, "effectiveDateTime": fhir_instant(item.created_at),
            "valueDateTime": day(item.expected_on), "performer": [declared]}
