"""A dossier as an International Patient Summary: a FHIR R4B (4.3.0) document Bundle (fhir.resources R4B models).

Composition first, then the Patient (people to contact as `Patient.contact`), then one resource per profile
item (AllergyIntolerance, MedicationStatement, Condition or Procedure, FamilyMemberHistory, Immunization,
Observation; a pregnancy's followed by that of its expected delivery date) and a DocumentReference per document.
Each item's resource carries the item's id under Carnet's system, so that an export read back (server/export/)
gives the same profile. What goes in is what the caller's reader sees: the caller asks the rule (profile_of,
listing) and passes the result; what the patient hid (or a professional kept from a minor's parents) says so in
`meta.security`, and the Composition's confidentiality is the highest of what it holds.
"""

from __future__ import annotations

import html
import uuid
from datetime import date, datetime

from fhir.resources.R4B.bundle import Bundle

from ..authors import Adder, adder_label
from ..dossiers import author_title
from ..models import Document, Patient, Professional, ProfileItem
from ..professionals.professions import written_profession
from ..profile.items import Profile
from ..profile.phones import international
from ..profile.wording import describe, in_reading_order
from ..profile.kinds import DONATION, KINDS, MEASURES, NATURES
from ..templating import PARIS
from .identity import UNQUALIFIED_IDENTITY
from .resources import LOINC, confidentiality, document_reference, fhir_instant

UNKNOWN_DATE = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
# When a procedure was declared: R4B's Procedure has no element for it (R5's `recorded`, by its cross-version
# extension), which a copy read back needs (export/mapping.py).
PROCEDURE_RECORDED = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Procedure.recorded"
ITEM_SYSTEM = "urn:carnet:fhir:profil"  # identifier.system of a resource made from a profile item; value: its id
DONATION_SYSTEM = "urn:carnet:fhir:don-organes"  # profile/kinds.DONATION's codes
KIND_SYSTEM = "urn:carnet:fhir:profil-type"  # for the kinds FHIR has no resource of its own for here
UCUM = "http://unitsofmeasure.org"
IPS_PROFILE = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"
# The language the summary's texts are written in, Carnet's and the patient's: French (Resource.language, a BCP 47
# code), on the Composition and on the Bundle.
TEXTS_LANGUAGE = "fr-FR"
# Why a section the IPS requires is empty. Never "nilknown", a clinician's finding that there is none, which an
# empty list is not: "notasked" where the reader sees the whole kind and nothing was entered, "withheld" where it
# may hold what is kept from them (said whether or not it does, so that it tells nothing).
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
NOT_ASKED = {"coding": [{"system": EMPTY_REASON, "code": "notasked", "display": "Not Asked"}]}
WITHHELD = {"coding": [{"system": EMPTY_REASON, "code": "withheld", "display": "Information Withheld"}]}
SECTION_SYSTEM = "urn:carnet:fhir:section"  # Carnet's own sections, where neither IPS nor LOINC has one
# (section, LOINC section code and its display, title); IPS requires the first three, empty or not, and a code on
# every section (Composition.section.code, 1..1 in the IPS profile). A section holds the items of one kind
# (SECTION_KIND, where the section is not named for it), all of them or some (_section_items): a condition goes
# to the problem list only while it is a current problem ("clinical problems or conditions currently being
# monitored", IPS), else to the history of past illness or of procedures, as its nature says (kinds.NATURES).
SECTIONS = [
    ("allergy", "48765-2", "Allergies and adverse reactions Document", "Allergies et intolérances"),
    ("treatment", "10160-0", "History of Medication use Narrative", "Traitements"),  # in progress, then stopped
    ("current", "11450-4", "Problem list - Reported", NATURES["current"].heading),
    ("past", "11348-0", "History of Past illness Narrative", NATURES["past"].heading),
    ("procedure", "47519-4", "History of Procedures Document", NATURES["procedure"].heading),
    ("pregnancy", "10162-6", "History of pregnancies Narrative", "Grossesse"),
    ("vaccination", "11369-6", "History of Immunization Narrative", "Vaccinations"),
    ("measurement", "8716-3", "Vital signs", "Mesures"),
    ("results", "30954-2", "Relevant diagnostic tests/laboratory data Narrative", "Résultats d'analyses"),
    ("family_history", "10157-6", "History of family member diseases Narrative", "Antécédents familiaux"),
    ("directive", "42348-3", "Advance healthcare directives", "Directives anticipées et don d'organes"),
]
SECTION_KIND = {"current": "condition", "past": "condition", "procedure": "condition", "results": "measurement"}
DOCUMENTS_SECTION = {"system": SECTION_SYSTEM, "code": "documents", "display": "Documents du dossier"}
REQUIRED = {"allergy", "treatment", "current"}
OBSERVATION_CODES = {"weight": ("29463-7", "Body weight"), "height": ("8302-2", "Body height"),
                     "blood_pressure": ("85354-9", "Blood pressure panel"),
                     "glucose": ("2339-0", "Glucose [Mass/volume] in Blood")}
# A measure from a blood sample is a laboratory result (IPS "Results" section, category laboratory), not a vital sign:
# those kinds.Measure says are the laboratory's, which the rule places under the lab reports too.
LABORATORY = frozenset(code for code, measure in MEASURES.items() if measure.laboratory)
BLOOD_PRESSURE_PARTS = (("8480-6", "Systolic blood pressure"), ("8462-4", "Diastolic blood pressure"))
UCUM_UNITS = {"kg": "kg", "cm": "cm", "mmHg": "mm[Hg]", "g/L": "g/L"}
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
LEVELS = "NRV"  # v3 Confidentiality, from normal to very restricted
SEVERITY = {"faible": "mild", "moderee": "moderate", "severe": "severe"}


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def narrative(lines: list[str]) -> dict:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines) or "<li>Aucune information connue.</li>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'}


def narrated(document: Document) -> str:
    """A document as the summary's narrative lists it: its title, and what became of it; withdrawn, no title."""
    if document.withdrawn_at is not None:
        return f"Document ajouté le {document.created_at.astimezone(PARIS).date().isoformat()}, retiré par son auteur"
    return f"{document.title} (remplacé par une version plus récente)" if document.superseded_at else document.title


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def who_declared(item: ProfileItem, authors: dict[str, Professional], refs: dict[str, str], patient_ref: str,
                 adder: Adder | None = None) -> dict:
    """The professional who declared an item, the patient, or a relative who did (`adder`, authors.adders_of): named
    only, as a document's author is (fhir/resources.py), and said to be one ("Paul Martin (proche)"), not the
    patient."""
    if item.author_professional_id and item.author_professional_id in authors:
        author = authors[item.author_professional_id]
        return {"reference": refs[author.id], "display": author_title(author, in_french=True)}
    if adder is not None and not adder.is_patient:
        return {"display": adder_label(adder)}
    return {"reference": patient_ref, "display": "Déclaré par le patient"}


def _section_items(profile, section: str) -> list:
    """A section's items: the profile's of its kind; measures split between vital signs and laboratory results,
    conditions by their nature."""
    if section in ("measurement", "results"):
        return [i for i in profile.by_kind.get("measurement", []) if (i.label in LABORATORY) == (section == "results")]
    if SECTION_KIND.get(section) == "condition":
        return [i for i in profile.by_kind.get("condition", []) if i.nature == section]
    items = in_reading_order(section, profile.by_kind.get(section, []))  # treatments in progress first, as the page
    return items + (profile.by_kind.get("organ_donation", []) if section == "directive" else [])


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


def patient_resource(patient: Patient, contacts: list[ProfileItem]) -> dict:
    """The patient by their traits, with no INS: Carnet's is never qualified (fhir/identity.py)."""
    return {
        "resourceType": "Patient",
        "extension": [UNQUALIFIED_IDENTITY],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": {"F": "female", "M": "male"}.get(patient.sex, "unknown"),
        "birthDate": patient.birth_date.isoformat(),
        "contact": [{"extension": [{"url": ITEM_SYSTEM, "valueString": c.id}],
                     "relationship": [{"text": c.detail or "Personne à prévenir"}], "name": {"text": c.label},
                     # E.164: the summary is read abroad too (a SMART Health Link), where "06…" reaches no one.
                     "telecom": [{"system": "phone", "value": international(c.phone)}]} for c in contacts] or None,
    }


def practitioner(professional: Professional) -> dict:
    return {"resourceType": "Practitioner",
            "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": f"8{professional.rpps}"}],
            "name": [{"family": professional.family_name, "given": [professional.given_name]}],
            "qualification": [{"code": {"text": written_profession(professional)}}]}


def summary_bundle(*, patient: Patient, profile: Profile, documents: list[Document],
                   document_authors: dict[str, Professional], base: str, now: datetime,
                   kinds: tuple[str, ...] | None = None, title: str = "Synthèse médicale",
                   document_adders: dict[str, Adder] | None = None,
                   item_adders: dict[str, Adder] | None = None) -> Bundle:
    """The IPS document Bundle of what the caller's reader sees (`kinds`: only these sections, e.g. an emergency card);
    `document_adders`, `item_adders`: who added each document, or item, no professional wrote, by its id
    (authors.adders_of)."""
    patient_ref = urn()
    authors = {**profile.authors, **document_authors}
    refs = {pro_id: urn() for pro_id in authors}
    entries: list[dict] = [{"fullUrl": patient_ref, "resource": patient_resource(
        patient, profile.by_kind.get("contact", []) if kinds is None or "contact" in kinds else [])}]
    entries += [{"fullUrl": refs[pro_id], "resource": practitioner(pro)} for pro_id, pro in authors.items()]
    document_refs = {d.id: urn() for d in documents}
    sections = []
    labels = [confidentiality(hidden=d.hidden, kept_from_parents=d.hidden_from_representatives) for d in documents]
    for section_name, code, display, section_title in SECTIONS:
        kind = SECTION_KIND.get(section_name, section_name)
        if kinds is not None and kind not in kinds:
            continue
        items = _section_items(profile, section_name)
        if not items and section_name not in REQUIRED:
            continue
        item_refs = []
        for item in items:
            declared = who_declared(item, profile.authors, refs, patient_ref, (item_adders or {}).get(item.id))
            resource = item_resource(item, patient_ref=patient_ref, documents=document_refs, declared=declared)
            # Its members, after it: a pregnancy's expected delivery date.
            members = [expected_delivery(item, patient_ref=patient_ref, declared=declared)] \
                if item.kind == "pregnancy" and item.expected_on else []
            member_refs = [urn() for _member in members]
            if member_refs:
                resource["hasMember"] = [{"reference": r} for r in member_refs]
            label = confidentiality(hidden=item.hidden, kept_from_parents=item.hidden_from_representatives)
            if label:
                for made in (resource, *members):
                    made["meta"] = {"security": [label]}
                labels.append(label)
            item_refs.append(urn())
            entries.append({"fullUrl": item_refs[-1], "resource": {k: v for k, v in resource.items() if v is not None}})
            entries += [{"fullUrl": r, "resource": m} for r, m in zip(member_refs, members)]
        section = {"title": section_title, "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                   "text": narrative([describe(i) for i in items]),
                   "entry": [{"reference": r} for r in item_refs] or None,
                   "emptyReason": None if items else NOT_ASKED if kind in profile.whole else WITHHELD}
        sections.append({k: v for k, v in section.items() if v is not None})
    if documents:
        for document in documents:
            reference = document_reference(document, patient=patient, author=document_authors.get(
                document.author_professional_id or ""), base=base, added_by=(document_adders or {}).get(document.id)
            ).model_dump(mode="json", exclude_none=True)
            reference.pop("id", None)
            reference["subject"] = {"reference": patient_ref}
            if document.author_professional_id in refs:  # their entry, by reference too (the RPPS stays)
                reference["author"][0]["reference"] = refs[document.author_professional_id]
            elif "reference" in reference["author"][0]:  # the patient added it: this Bundle's entry for them
                reference["author"][0]["reference"] = patient_ref
            if document.withdrawn_at is None:  # withdrawn, erased: nothing to point to
                reference["content"][0]["attachment"]["url"] = f"documents/{document.id}/{document.filename}"
            if document.replaces_id in document_refs:  # this Bundle's entry for the version it replaces
                reference["relatesTo"] = [{"code": "replaces",
                                           "target": {"reference": document_refs[document.replaces_id]}}]
            entries.append({"fullUrl": document_refs[document.id], "resource": reference})
        sections.append({"title": "Documents du dossier", "code": {"coding": [DOCUMENTS_SECTION]}, "text": narrative(
            [f"{d.event_date.isoformat()} — {narrated(d)}" for d in documents]),
            "entry": [{"reference": document_refs[d.id]} for d in documents]})
    composition = {
        "resourceType": "Composition", "language": TEXTS_LANGUAGE, "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}]},
        "subject": {"reference": patient_ref}, "date": fhir_instant(now),
        "author": [{"reference": patient_ref, "display": f"{patient.given_name} {patient.family_name}"}],
        "title": f"{title} — {patient.given_name} {patient.family_name}",
        "confidentiality": max((label["code"] for label in labels if label), key=LEVELS.index, default="N"),
        "section": sections,
    }
    composition_ref = urn()
    return Bundle.model_validate({
        "resourceType": "Bundle", "language": TEXTS_LANGUAGE, "meta": {"profile": [IPS_PROFILE]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": urn()}, "type": "document", "timestamp": fhir_instant(now),
        "entry": [{"fullUrl": composition_ref, "resource": composition}, *entries],
    })
