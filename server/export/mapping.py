"""A copy's FHIR resources read back as Carnet's fields: each profile item as the form that adds it would send
it, each DocumentReference as the document `add_document` files (server/fhir/ips.py, profile_items.py and
ips_copy.py, backwards).

Pure functions of the Bundle's JSON, which read_bundle has validated; nothing here reads the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from ..authors import RELATIVE
from ..dossiers import InvalidInput
from ..fhir.profile_items import (EXPECTED_DELIVERY, IMMUNIZATION_SOURCE, ITEM_SYSTEM, KIND_SYSTEM, NOT_PREGNANT,
                                  OBSERVATION_CODES, PREGNANCY_STATUS, PROCEDURE_RECORDED, SEVERITY)
from ..fhir.resources import CATEGORY_SYSTEM, IDNAT_PS_SYSTEM, LOINC, TYPES, WITHDRAWN
from ..models import Professional
from ..profile.checks import ItemInput, check
from ..profile.kinds import OLDEST
from ..profile.pregnancy import last_period
from ..text_input import clean, readable_length
from .auditevents import DOCUMENT_SYSTEM
from .ips_copy import (DECLARED_BY_EXTENSION, HIDDEN_EXTENSION, KEPT_EXTENSION, RELATIVE_EXTENSION,
                       SHA256_EXTENSION, SOURCE_EXTENSION)

SEVERITY_OF = {fhir: carnet for carnet, fhir in SEVERITY.items()}
MEASURE_OF = {code: label for label, (code, _) in OBSERVATION_CODES.items()}
ITEM_RESOURCES = {"AllergyIntolerance", "MedicationStatement", "Condition", "Procedure", "FamilyMemberHistory",
                  "Immunization", "Observation"}
# What summary_bundle writes when a field is empty: read back as empty.
PLACEHOLDERS = {"Réaction non précisée", "Famille", "Personne à prévenir"}
# A document's author as a copy made before RELATIVE_EXTENSION (2026-12-06) names a relative: the French label.
RELATIVE_LABEL = re.compile(re.escape(RELATIVE).replace(re.escape("%(name)s"), "(.+)"))


class NotRestorable(InvalidInput):
    """A copy refused, with nothing written; the message is French."""


@dataclass
class PlannedDocument:
    url: str  # its fullUrl in the Bundle: how items point to it
    path: str
    sha256: str
    title: str
    category: str
    event_date: date
    filename: str
    mime_type: str
    author: Professional | None
    source: str
    hidden: bool
    kept_from_representatives: bool
    master_identifier: str | None
    withdrawn: bool
    added_at: datetime | None
    copy_id: str = ""  # its id in the installation the copy was made in (what the copy's log names it by)
    added_by_patient: bool = False  # no professional wrote it: the patient added it, or
    relative_name: str = ""  # the relative who did, named as the copy writes it
    type_system: str = ""  # its type as the software that sent it coded it ("" for its category's)
    type_code: str = ""
    type_display: str = ""
    text: str = ""
    replaces: str = ""  # the fullUrl of the version it replaces (relatesTo), if the copy holds it


@dataclass
class PlannedItem:
    data: ItemInput
    author: Professional | None
    hidden: bool
    document_url: str = ""
    declared_at: datetime | None = None  # when it was added to the profile (item_resource's recording date)
    ended_on: date | None = None  # a treatment stopped, a pregnancy over (profile/ending.py)
    kept_from_representatives: bool = False  # by its author, from a minor's parents (profile/seen.py)
    added_by_patient: bool = False  # no professional declared it: the patient did, or
    relative_name: str = ""  # the relative who did, named as the copy writes it


def extension(element: dict, url: str):
    found = [e for e in element.get("extension", []) if e.get("url") == url]
    return next((v for k, v in found[0].items() if k.startswith("value")), None) if found else None


def day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise NotRestorable(f"Une date de la copie est illisible ({value}).") from None


def instant(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def filled(value: str | None) -> str:
    return "" if value is None or value in PLACEHOLDERS else value


def first_note(resource: dict) -> str:
    return filled((resource.get("note") or [{}])[0].get("text"))


def rpps_of(identifiers: list[dict]) -> str | None:
    values = [i.get("value", "") for i in identifiers if i.get("system") == IDNAT_PS_SYSTEM]
    return values[0][1:] if values and values[0].startswith("8") else None


def author_rpps(reference: dict | None, entries: dict[str, dict]) -> str | None:
    """The RPPS of the Practitioner a reference points to; None for the patient."""
    target = entries.get((reference or {}).get("reference", ""), {})
    return rpps_of(target.get("identifier", [])) if target.get("resourceType") == "Practitioner" else None


def relative_named(name: object) -> str:
    """A relative's name as the copy writes it, checked as an account's is (its 200 characters)."""
    name = clean(str(name))
    if not readable_length(name) or len(name) > 200:
        raise NotRestorable("Le nom d'un proche qui a ajouté un document ou une information au dossier n'est pas "
                            "valable dans la copie.")
    return name


def document_adder(resource: dict, author: dict, *, patient_url: str) -> tuple[bool, str]:
    """Who added a document no professional wrote, as its copy says: (the patient, a relative's name). Her, where
    its author is her entry; a relative, named by RELATIVE_EXTENSION, or in a copy made before it by the author's
    label; neither for a source's, or for one Carnet filed ("Carnet")."""
    name = extension(resource, RELATIVE_EXTENSION)
    if name is None and extension(resource, SOURCE_EXTENSION) is None and "reference" not in author:
        label = RELATIVE_LABEL.fullmatch(author.get("display", ""))
        name = label.group(1) if label else None
    if name is not None:
        return False, relative_named(name)
    return author.get("reference") == patient_url, ""


def item_adder(element: dict, rpps: str | None) -> tuple[bool, str]:
    """Who declared an item no professional declared, as its copy says: a relative it names, else the patient
    (the copy says "Déclaré par le patient", or no one where FHIR has no author element)."""
    if rpps:
        return False, ""
    name = extension(element, RELATIVE_EXTENSION)
    return (False, relative_named(name)) if name is not None else (True, "")


def sent_type(resource: dict, category: str) -> tuple[str, str, str]:
    """A document's type as the software that sent it coded it (fhir/submission.py), or ("", "", "") for its
    category's own LOINC type, which Carnet gives back for a document sent without one."""
    coding = ((resource.get("type") or {}).get("coding") or [{}])[0]
    sent = (coding.get("system", ""), coding.get("code", ""), coding.get("display", ""))
    if not sent[1] or sent == (LOINC, *TYPES.get(category, ("", ""))):
        return "", "", ""
    if (len(sent[0]) > 300 or len(sent[1]) > 100 or len(sent[2]) > 300
            or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in "".join(sent))):
        raise NotRestorable(f"Le type du document «\u00a0{resource.get('description', '')}\u00a0» n'est pas valable "
                            "dans la copie.")
    return sent


def written_by(resource: dict) -> dict | None:
    """Who declared an item, where summary_bundle put it for each resource type."""
    kind = resource["resourceType"]
    if kind in ("AllergyIntolerance", "Condition", "Procedure"):
        return resource.get("recorder")
    if kind == "MedicationStatement":
        return resource.get("informationSource")
    if kind == "Immunization":  # or its performer, in a copy made until 2026-12-06
        return extension(resource, IMMUNIZATION_SOURCE) or (resource.get("performer") or [{}])[0].get("actor")
    if kind == "Observation":
        return (resource.get("performer") or [None])[0]
    return extension(resource, DECLARED_BY_EXTENSION)  # FamilyMemberHistory: FHIR has no author element


# Where each resource says when its item was declared (a contact, in Patient.contact, does not; a Procedure, in an
# extension: declared_at).
DECLARED_AT = {"AllergyIntolerance": "recordedDate", "Condition": "recordedDate", "MedicationStatement": "dateAsserted",
               "FamilyMemberHistory": "date", "Immunization": "recorded", "Observation": "issued"}


def declared_at(resource: dict) -> datetime | None:
    if resource["resourceType"] == "Procedure":
        return instant(extension(resource, PROCEDURE_RECORDED))
    return instant(resource.get(DECLARED_AT[resource["resourceType"]]))


def item_input(resource: dict, entries: dict[str, dict]) -> tuple[ItemInput, str]:
    """An item's fields as a form would send them, and the fullUrl of its document (advance directives); `entries`,
    the copy's resources by fullUrl, where a pregnancy's expected date is."""
    kind = resource["resourceType"]
    if kind == "AllergyIntolerance":
        reaction = (resource.get("reaction") or [{}])[0]
        return ItemInput("allergy", label=resource["code"]["text"],
                         detail=filled((reaction.get("manifestation") or [{}])[0].get("text")),
                         severity=SEVERITY_OF.get(reaction.get("severity", ""), "")), ""
    if kind == "MedicationStatement":
        prescriber = first_note(resource)
        return ItemInput("treatment", label=resource["medicationCodeableConcept"]["text"],
                         detail=filled((resource.get("dosage") or [{}])[0].get("text")),
                         started_on=day(resource.get("effectivePeriod", {}).get("start")),
                         prescriber=prescriber.removeprefix("Prescrit par ")), ""
    if kind == "Condition":
        # Active, a current problem; else over (a copy made before 2026-12-06 said "active" of every condition).
        status = (resource.get("clinicalStatus", {}).get("coding") or [{}])[0].get("code")
        return ItemInput("condition", label=resource["code"]["text"], started_on=day(resource.get("onsetDateTime")),
                         nature="current" if status == "active" else "past", detail=first_note(resource)), ""
    if kind == "Procedure":
        return ItemInput("condition", label=resource["code"]["text"], nature="procedure",
                         started_on=day(resource.get("performedDateTime")), detail=first_note(resource)), ""
    if kind == "FamilyMemberHistory":
        return ItemInput("family_history", label=resource["condition"][0]["code"]["text"],
                         detail=filled(resource.get("relationship", {}).get("text"))), ""
    if kind == "Immunization":
        return ItemInput("vaccination", label=resource["vaccineCode"]["text"],
                         started_on=day(resource.get("occurrenceDateTime")), lot=resource.get("lotNumber", "")), ""
    coding = resource["code"]["coding"][0]
    if coding.get("system") == LOINC and coding.get("code") == PREGNANCY_STATUS[0]:
        members = [entries.get(m.get("reference", ""), {}) for m in resource.get("hasMember", [])]
        expected = [m.get("valueDateTime") for m in members
                    if (m.get("code", {}).get("coding") or [{}])[0].get("code") == EXPECTED_DELIVERY[0]]
        return ItemInput("pregnancy", expected_on=day(expected[0]) if expected else None,
                         detail=first_note(resource)), ""
    if coding.get("system") == LOINC and coding.get("code") in MEASURE_OF:
        quantities = ([c["valueQuantity"] for c in resource["component"]] if "component" in resource
                      else [resource["valueQuantity"]])
        values = [str(q["value"]) for q in quantities] + [""]
        return ItemInput("measurement", label=MEASURE_OF[coding["code"]], value=values[0], value2=values[1],
                         started_on=day(resource.get("effectiveDateTime"))), ""
    if coding.get("system") == KIND_SYSTEM and coding.get("code") in ("directive", "organ_donation"):
        derived = (resource.get("derivedFrom") or [{}])[0].get("reference", "")
        # A choice on organ donation is its code (a copy made before 2026-12-05 wrote it as a string).
        chosen = (resource.get("valueCodeableConcept", {}).get("coding") or [{}])[0].get("code")
        return ItemInput(coding["code"], label=chosen or resource.get("valueString", ""),
                         detail=first_note(resource)), derived
    raise NotRestorable("La copie contient une information du profil médical que Carnet ne connaît pas.")


def contact_input(contact: dict) -> ItemInput:
    return ItemInput("contact", label=contact["name"]["text"],
                     detail=filled((contact.get("relationship") or [{}])[0].get("text")),
                     phone=(contact.get("telecom") or [{}])[0].get("value", ""))


def plan_items(entries: dict[str, dict], professionals: dict[str, Professional], *, today: date) -> list[PlannedItem]:
    """Every profile item of the copy, each checked as a typed one would be (nothing written)."""
    planned = []
    for resource in entries.values():
        if resource["resourceType"] == "Patient":
            for contact in resource.get("contact", []):
                rpps = author_rpps(extension(contact, DECLARED_BY_EXTENSION), entries)
                by_patient, relative = item_adder(contact, rpps)
                planned.append(PlannedItem(contact_input(contact), professionals[rpps] if rpps else None,
                                           bool(extension(contact, HIDDEN_EXTENSION)),
                                           kept_from_representatives=bool(extension(contact, KEPT_EXTENSION)),
                                           added_by_patient=by_patient, relative_name=relative))
        elif resource["resourceType"] in ITEM_RESOURCES and any(
                i.get("system") == ITEM_SYSTEM for i in resource.get("identifier", [])):
            data, document_url = item_input(resource, entries)
            if document_url and entries.get(document_url, {}).get("resourceType") != "DocumentReference":
                raise NotRestorable("Des directives anticipées de la copie renvoient à un document qu'elle n'a pas.")
            rpps = author_rpps(written_by(resource), entries)
            ended = day(resource.get("effectivePeriod", {}).get("end")) if data.kind == "treatment" else None
            if data.kind == "pregnancy" and NOT_PREGNANT in resource["valueCodeableConcept"].get("coding", []):
                ended = day(resource.get("effectiveDateTime"))  # over: not pregnant from the day it ended
            by_patient, relative = item_adder(resource, rpps)
            planned.append(PlannedItem(data, professionals[rpps] if rpps else None,
                                       bool(extension(resource, HIDDEN_EXTENSION)), document_url,
                                       declared_at(resource), ended,
                                       bool(extension(resource, KEPT_EXTENSION)), added_by_patient=by_patient,
                                       relative_name=relative))
    for item in planned:
        check(item.data, today=today, from_copy=True)
        ended = item.ended_on
        began = last_period(item.data.expected_on) if item.data.kind == "pregnancy" and item.data.expected_on \
            else item.data.started_on  # as profile/ending.py checks it
        if ended is not None and not max(began or OLDEST, OLDEST) <= ended <= today:
            raise NotRestorable("Un traitement ou une grossesse de la copie s'arrête avant d'avoir commencé, ou "
                                "après aujourd'hui.")
    return planned


def plan_document(url: str, resource: dict, professionals: dict[str, Professional], *,
                  patient_url: str) -> PlannedDocument:
    attachment = resource["content"][0]["attachment"]
    sha256 = extension(attachment, SHA256_EXTENSION)
    withdrawn = resource.get("status") == WITHDRAWN
    # Withdrawn by its author: a line with no content (professionals/withdrawal.withdraw_document), whatever an older
    # copy still holds of it.
    title = "" if withdrawn else resource.get("description", "")
    if not sha256 and not withdrawn:
        raise NotRestorable(f"Le document «\u00a0{title}\u00a0» n'a pas d'empreinte SHA-256 dans la copie.")
    categories = [c["code"] for cc in resource.get("category", []) for c in cc.get("coding", [])
                  if c.get("system") == CATEGORY_SYSTEM]
    author = (resource.get("author") or [{}])[0]
    rpps = rpps_of([author["identifier"]]) if "identifier" in author else None
    by_patient, relative = (False, "") if rpps else document_adder(resource, author, patient_url=patient_url)
    category = categories[0] if categories else ""
    type_system, type_code, type_display = ("", "", "") if withdrawn else sent_type(resource, category)
    own_id = [i["value"] for i in resource.get("identifier", []) if i.get("system") == DOCUMENT_SYSTEM]
    master = resource.get("masterIdentifier", {})
    derived = own_id and master.get("value", "").replace("-", "") == f"urn:uuid:{own_id[0]}"
    replaced = [r.get("target", {}).get("reference", "") for r in resource.get("relatesTo", [])
                if r.get("code") == "replaces"]
    return PlannedDocument(
        url=url, path="" if withdrawn else attachment.get("url", ""), sha256="" if withdrawn else str(sha256),
        title=title,
        category=category, event_date=day(resource["context"]["period"]["start"]),
        filename="" if withdrawn else attachment.get("title") or "document",
        mime_type=attachment.get("contentType", ""), author=professionals[rpps] if rpps else None,
        source="" if withdrawn else str(extension(resource, SOURCE_EXTENSION) or ""),
        hidden=bool(extension(resource, HIDDEN_EXTENSION)),
        kept_from_representatives=bool(extension(resource, KEPT_EXTENSION)),
        master_identifier=None if derived or not master else (
            f"{master['system']}|{master['value']}" if master.get("system") else master.get("value")),
        withdrawn=withdrawn, added_at=instant(resource.get("date")), replaces=replaced[0] if replaced else "",
        copy_id=own_id[0] if own_id else "",
        added_by_patient=by_patient, relative_name=relative, type_system=type_system, type_code=type_code,
        type_display=type_display)
