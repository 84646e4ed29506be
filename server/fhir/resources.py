"""Carnet's documents as FHIR R4B resources (fhir.resources models), and the answers' common shapes.

Codes follow the French PDSm guide where it fixes them (the INS's OID, the RPPS-based national
identifier of professionals) and LOINC for a document's type; a document's Carnet category travels
in `category`, under Carnet's own code system, with the CI-SIS class PDSm reads there (categories.py);
what is hidden or kept from parents carries HL7's confidentiality label in `meta.security`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import BaseModel

from ..models import CATEGORIES, Document, Patient, Professional
from ..authors import Adder, adder_label
from ..dossiers import author_title
from ..professionals.versions import GivenBack
from .categories import CATEGORY_SYSTEM, LOINC, TYPES, class_coding
from .identity import unqualified_ins

FHIR_JSON = "application/fhir+json"
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR, the patient's national health identifier
IDNAT_PS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # a professional's national identifier: "8" + RPPS
CURRENT, SUPERSEDED, WITHDRAWN = "current", "superseded", "entered-in-error"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
RESTRICTED = {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}  # hidden by the patient from professionals
# Kept from a minor's legal representatives (CSP L1111-5). A resource has one confidentiality level, the highest
# that applies: V when a document is both (the Carnet extensions of an export still say each).
VERY_RESTRICTED = {"system": CONFIDENTIALITY, "code": "V", "display": "very restricted"}


def fhir_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def split_token(value: str) -> tuple[str | None, str]:
    """A FHIR token search value, "system|code" or "code"."""
    system, bar, code = value.partition("|")
    return (system, code) if bar else (None, value)


def master_identifier(document: Document) -> dict:
    if document.master_identifier:
        system, value = split_token(document.master_identifier)
        return {"system": system, "value": value} if system else {"value": value}
    return {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{document.id[:8]}-{document.id[8:12]}-"
                                                     f"{document.id[12:16]}-{document.id[16:20]}-{document.id[20:]}"}


def confidentiality(*, hidden: bool, kept_from_parents: bool = False) -> dict | None:
    """The HL7 v3 Confidentiality code of what the patient hid or a professional kept from the parents."""
    return VERY_RESTRICTED if kept_from_parents else RESTRICTED if hidden else None


def security_meta(document: Document) -> dict | None:
    """`meta` with the document's confidentiality label, or None for a document every reader may see."""
    label = confidentiality(hidden=document.hidden, kept_from_parents=document.hidden_from_representatives)
    return {"security": [label]} if label else None


def version_of(document: Document, given_back: GivenBack | None = None) -> str:
    """FHIR's `meta.versionId` of a document, which its ETag repeats: "1" as filed, one more for each change of its
    status, the changes a document's metadata goes through: replaced by a newer version (superseded), withdrawn by its
    author, current again when the correction that replaced it is withdrawn (`given_back`: replaced then current,
    two each time, so that a version never repeats). The patient's hiding is no new version: it sets
    `meta.security`, which FHIR changes without one ($meta-add), labels being "used to apply access rules to existing
    resources"."""
    again = 2 * given_back.times if given_back else 0
    return str(1 + (document.superseded_at is not None) + (document.withdrawn_at is not None) + again)


def status_of(document: Document) -> str:
    """A withdrawn version is an error, whether or not a newer one replaced it."""
    return WITHDRAWN if document.withdrawn_at else SUPERSEDED if document.superseded_at else CURRENT


def etag_of(document: Document, given_back: GivenBack | None = None) -> str:
    return f'W/"{version_of(document, given_back)}"'


def document_reference(document: Document, *, patient: Patient, author: Professional | None, base: str,
                       added_by: Adder | None = None, served: bool = False, replaces: bool = False,
                       given_back: GivenBack | None = None) -> DocumentReference:
    """What a reader's software sees of a document it may read (the author and the médecin traitant see hidden ones);
    one its author withdrew, as it is now: its status, who added it and when, no content (erased: no title, no
    attachment to fetch). `replaces`: it says which version it replaces (`relatesTo`), one this reader may read.
    `added_by`: the patient or the relative who added a document no professional wrote (authors.py). `given_back`: its
    corrections withdrawn while the latest (professionals/versions.py), which its version counts. `served`: as the
    API answers it, with its version, and the patient named by an identifier alone, as PDSm allows ("via le champ
    identifier"): the API serves no Patient resource, so a reference would lead nowhere; her INS, not qualified, under
    Carnet's own system (fhir/identity.py). Otherwise the patient is `Patient/<id>`,
    which a Bundle holding the patient's entry points at it (ips.py)."""
    code, display = TYPES[document.category]
    coding = {"system": document.type_system or None, "code": document.type_code,  # as the software coded it
              "display": document.type_display or None} if document.type_code else \
        {"system": LOINC, "code": code, "display": display}
    ins = unqualified_ins(patient)
    if author is not None:
        author_ref = {"identifier": {"system": IDNAT_PS_SYSTEM, "value": f"8{author.rpps}"},
                      "display": author_title(author, in_french=True)}
    elif added_by is not None:  # R4B's author may be the Patient; a relative has no resource here: named only
        author_ref = {}
        if added_by.is_patient:
            author_ref = {"identifier": ins} if served else {"reference": f"Patient/{patient.id}"}
        author_ref["display"] = adder_label(added_by)
    else:
        author_ref = {"display": document.source or "Carnet"}
    meta = security_meta(document)
    if served:
        changed = max(filter(None, (document.withdrawn_at, document.superseded_at, given_back and given_back.last)),
                      default=document.created_at)
        meta = (meta or {}) | {"versionId": version_of(document, given_back), "lastUpdated": fhir_instant(changed)}
    attachment = {"contentType": document.mime_type}
    if not document.withdrawn_at:  # `creation`: the act's day (no hour is known, none is made up)
        attachment |= {"url": f"{base}/fhir/Binary/{document.id}", "size": document.size, "title": document.filename,
                       "creation": document.event_date.isoformat()}
    return DocumentReference.model_validate({
        "resourceType": "DocumentReference",
        "id": document.id,
        "meta": meta,
        "masterIdentifier": master_identifier(document),
        "status": status_of(document),
        "relatesTo": [{"code": "replaces", "target": {"reference": f"DocumentReference/{document.replaces_id}"}}]
        if replaces and document.replaces_id else None,
        "type": {"coding": [{k: v for k, v in coding.items() if v is not None}]},
        # MHD's Minimal DocumentReference has one category (0..1): two codings of it. Carnet's first, which decides
        # where a copy or a document sent again is filed (export/mapping.py, categories.filed_category); then the
        # CI-SIS class, all that PDSm software reads.
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": document.category,
                                  "display": CATEGORIES[document.category]}, class_coding(document.category)]}],
        # Served: by identifier alone (no Patient resource to lead to), never under the INS OID (fhir/identity.py).
        "subject": {"identifier": ins} if served else {"reference": f"Patient/{patient.id}"},
        "date": fhir_instant(document.created_at),
        "author": [author_ref],
        "description": document.title or None,  # erased with its content, withdrawn
        "content": [{"attachment": attachment}],
        "context": {"period": {"start": document.event_date.isoformat()}},
    })


def outcome(text: str, *, code: str, severity: str = "error", expression: tuple[str, ...] = (),
            details: tuple[str, ...] = ()) -> OperationOutcome:
    """An OperationOutcome whose first issue says `text`, its diagnostics in French (`expression`: where, as
    FHIRPath), then an issue of the same kind for each of `details` (each problem of a file refused whole)."""
    issue = {"severity": severity, "code": code, "diagnostics": text, "expression": list(expression) or None}
    more = [{"severity": severity, "code": code, "diagnostics": detail} for detail in details]
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue, *more]})


def number_read_as_date(raw: Any, value: Any, loc: tuple = ()) -> tuple | None:
    """Where the first JSON number of `raw` is that the models read as a date, a dateTime or an instant (in `value`,
    the model read from it), None if none is. FHIR's JSON writes them as strings only, yet pydantic reads a number
    as seconds since 1970: a document sent with context.period.start = 20250101 was dated the 23rd of August 1970,
    and refused as dated before the patient's birth."""
    if isinstance(raw, dict) and isinstance(value, BaseModel):
        names = {field.alias or name: name for name, field in type(value).model_fields.items()}
        found = (number_read_as_date(item, getattr(value, names[key]), (*loc, key))
                 for key, item in raw.items() if key in names)
    elif isinstance(raw, list) and isinstance(value, list):
        found = (number_read_as_date(item, read, (*loc, index))
                 for index, (item, read) in enumerate(zip(raw, value, strict=False)))
    else:
        number = isinstance(raw, int | float) and not isinstance(raw, bool)
        return loc if number and isinstance(value, date | time) else None
    return next((place for place in found if place is not None), None)


def searchset(resources: list[DocumentReference], *, base: str, self_url: str, next_url: str | None,
              total: int | None = None, notes: tuple[str, ...] = ()) -> Bundle:
    """A search's page; `notes`: warnings about the search itself, in an OperationOutcome of search mode "outcome"."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    entries = [{"fullUrl": f"{base}/fhir/DocumentReference/{r.id}", "resource": r.model_dump(mode="json"),
                "search": {"mode": "match"}} for r in resources]
    if notes:
        said = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [
            {"severity": "warning", "code": "code-invalid", "diagnostics": note} for note in notes]})
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "search": {"mode": "outcome"},
                        "resource": said.model_dump(mode="json", exclude_none=True)})
    return Bundle.model_validate({"resourceType": "Bundle", "type": "searchset", "link": links, "total": total,
                                  "entry": entries})
