"""A dossier as an International Patient Summary: a FHIR R4B (4.3.0) document Bundle (fhir.resources R4B models).

Composition first, then the Patient (people to contact as `Patient.contact`), then one resource per profile
item (profile_items.py; a pregnancy's followed by that of its expected delivery date) and a DocumentReference per
document. What goes in is what the caller's reader sees: the caller asks the rule (profile_of,
listing) and passes the result; what the patient hid (or a professional kept from a minor's parents) says so in
`meta.security`, and the Composition's confidentiality is the highest of what it holds.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import i18n
from ..authors import Adder, adder_label
from ..dossiers import author_title
from ..caregivers.invitations import current_delegation
from ..models import Account, Document, Dossier, Patient, Professional, ProfileItem
from ..professionals.professions import written_profession
from ..profile.items import Profile
from ..profile.phones import international
from ..profile.wording import describe, in_reading_order
from ..profile.kinds import NATURES
from ..templating import PARIS
from .identity import UNQUALIFIED_IDENTITY
from .profile_items import ITEM_SYSTEM, LABORATORY, expected_delivery, item_resource
from .resources import LOINC, confidentiality, document_reference, fhir_instant

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
NOT_GIVEN = "Aucune information transmise."  # a withheld section's narrative; Carnet's viewer says it too (/shl)
# On the Composition: the patient's people to contact are in the document (Patient.contact), listed or none. A link
# of vaccinations and allergies carries none: its reader was told "no one to contact" (an outside probe's find).
CONTACTS_CARRIED = "urn:carnet:fhir:personnes-a-prevenir"
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
LEVELS = "NRV"  # v3 Confidentiality, from normal to very restricted



def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def narrative(lines: list[str]) -> dict:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines) or "<li>Aucune information connue.</li>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'}


def narrated(document: Document, author: Professional | None = None) -> str:
    """A document as the summary's narrative lists it: its title, and what became of it; withdrawn, no title, and
    who withdrew it, its `author`, said of her as her profession is written (of either where none is known)."""
    if document.withdrawn_at is not None:
        by = "la personne qui l'avait ajouté" if author is None else "son autrice" if author.profession_feminine \
            else "son auteur"
        return f"Document ajouté le {document.created_at.astimezone(PARIS).date().isoformat()}, retiré par {by}"
    return f"{document.title} (remplacé par une version plus récente)" if document.superseded_at else document.title


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
    if section in ("measurement", "results"):  # each measure's values together, as the page gives them
        return in_reading_order("measurement", [i for i in profile.by_kind.get("measurement", [])
                                                if (i.label in LABORATORY) == (section == "results")])
    if SECTION_KIND.get(section) == "condition":
        return [i for i in profile.by_kind.get("condition", []) if i.nature == section]
    items = in_reading_order(section, profile.by_kind.get(section, []))  # treatments in progress first, as the page
    return items + (profile.by_kind.get("organ_donation", []) if section == "directive" else [])


def patient_resource(patient: Patient, contacts: list[ProfileItem], *, contact_ids: bool = True) -> dict:
    """The patient by their traits, with no INS: Carnet's is never qualified (fhir/identity.py). Each person to
    contact names the item it was made from (`contact_ids`, as every other item's resource does by its identifier,
    which Patient.contact has not): what a dossier's copy reads them back by (export/ips_copy.py)."""
    return {
        "resourceType": "Patient",
        "extension": [UNQUALIFIED_IDENTITY],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": {"F": "female", "M": "male"}.get(patient.sex, "unknown"),
        "birthDate": patient.birth_date.isoformat(),
        "contact": [{"extension": [{"url": ITEM_SYSTEM, "valueString": c.id}] if contact_ids else None,
                     "relationship": [{"text": c.detail or "Personne à prévenir"}], "name": {"text": c.label},
                     # E.164: the summary is read abroad too (a SMART Health Link), where "06…" reaches no one.
                     "telecom": [{"system": "phone", "value": international(c.phone)}]} for c in contacts] or None,
    }


def practitioner(professional: Professional) -> dict:
    return {"resourceType": "Practitioner",
            "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": f"8{professional.rpps}"}],
            "name": [{"family": professional.family_name, "given": [professional.given_name]}],
            "qualification": [{"code": {"text": written_profession(professional)}}]}


ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"


# A legal representative's relationship (rule.LEGAL_REPRESENTATIVES) in HL7's role codes; a caregiver's, in words.
ROLES = {"parent": ("PRN", "parent"), "tuteur": ("GUARD", "guardian")}


@dataclass(frozen=True)
class Compiler:
    """A relative who made the summary for the patient (a parent, for a child): its Composition's author."""

    name: str
    relationship: str  # their delegation's: "parent", "tuteur", "proche"


@dataclass(frozen=True)
class Assembler:
    """Carnet itself, which assembled the summary a professional's software asked for (summary.py): its Composition's
    author, a Device, since neither the patient nor that professional made it."""

    name: str
    version: str


async def compiler_of(session: AsyncSession, *, dossier: Dossier, account: Account) -> Compiler | None:
    """Who makes a summary of the dossier with this account: None for the patient, else the relative they are."""
    if account.patient_id == dossier.patient_id:
        return None
    delegation = await current_delegation(session, dossier_id=dossier.id, account_id=account.id)
    return Compiler(account.display_name, delegation.relationship if delegation is not None else "proche")


def related_person(compiler: Compiler, patient_ref: str) -> dict:
    role = ROLES.get(compiler.relationship)
    relationship = {"text": "proche aidant"} if role is None else {
        "coding": [{"system": ROLE_CODE, "code": role[0], "display": role[1]}], "text": compiler.relationship}
    return {"resourceType": "RelatedPerson", "patient": {"reference": patient_ref}, "relationship": [relationship],
            "name": [{"text": compiler.name}]}


def device(assembler: Assembler) -> dict:
    return {"resourceType": "Device", "deviceName": [{"name": assembler.name, "type": "user-friendly-name"}],
            "version": [{"value": assembler.version}]}


def summary_bundle(*, patient: Patient, profile: Profile, documents: list[Document],
                   document_authors: dict[str, Professional], base: str, now: datetime,
                   kinds: tuple[str, ...] | None = None, title: str = "Synthèse médicale",
                   document_adders: dict[str, Adder] | None = None,
                   item_adders: dict[str, Adder] | None = None,
                   compiler: Compiler | Assembler | None = None, contact_ids: bool = True) -> Bundle:
    """The IPS document Bundle of what the caller's reader sees (`kinds`: only these sections, e.g. an emergency card);
    `document_adders`, `item_adders`: who added each document, or item, no professional wrote, by its id
    (authors.adders_of). Its author is the patient, or the relative who made it (`compiler`): a child's summary made
    by her mother was said to be the child's (a probe's find), or Carnet (`Assembler`) for a professional's software.
    Written in French (TEXTS_LANGUAGE), whatever the request's language: the document says it is (a probe read
    "severity: mild" in a fr-FR summary a recipient abroad was given). `contact_ids`: patient_resource's; not for a
    link's recipient, to whom Carnet's item ids are of no use (another probe's find)."""
    with i18n.speaking(i18n.SOURCE):
        return _bundle(patient=patient, profile=profile, documents=documents, document_authors=document_authors,
                       base=base, now=now, kinds=kinds, title=title, document_adders=document_adders,
                       item_adders=item_adders, compiler=compiler, contact_ids=contact_ids)


def _bundle(*, patient: Patient, profile: Profile, documents: list[Document], document_authors: dict[str, Professional],
            base: str, now: datetime, kinds: tuple[str, ...] | None, title: str,
            document_adders: dict[str, Adder] | None, item_adders: dict[str, Adder] | None,
            compiler: Compiler | Assembler | None, contact_ids: bool) -> Bundle:
    patient_ref = urn()
    authors = {**profile.authors, **document_authors}
    refs = {pro_id: urn() for pro_id in authors}
    entries: list[dict] = [{"fullUrl": patient_ref, "resource": patient_resource(
        patient, profile.by_kind.get("contact", []) if kinds is None or "contact" in kinds else [],
        contact_ids=contact_ids)}]
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
        withheld = not items and kind not in profile.whole
        section = {"title": section_title, "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                   # Not "none known" of a section its reader may not read whole (a probe's find: a professional read
                   # it of the patient's current problems, which she has): true whether or not it holds anything, and
                   # to whoever reads it, a professional through the API or whoever a link's file is passed on to
                   # (addressed to "vous", it read as a refusal; another probe's find).
                   "text": narrative([NOT_GIVEN] if withheld else [describe(i) for i in items]),
                   "entry": [{"reference": r} for r in item_refs] or None,
                   "emptyReason": None if items else WITHHELD if withheld else NOT_ASKED}
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
            [f"{d.event_date.isoformat()} — {narrated(d, document_authors.get(d.author_professional_id or ''))}"
             for d in documents]),
            "entry": [{"reference": document_refs[d.id]} for d in documents]})
    if compiler is None:
        author = {"reference": patient_ref, "display": f"{patient.given_name} {patient.family_name}"}
    else:
        author = {"reference": urn(), "display": compiler.name}
        made_by = device(compiler) if isinstance(compiler, Assembler) else related_person(compiler, patient_ref)
        entries.append({"fullUrl": author["reference"], "resource": made_by})
    composition = {
        "resourceType": "Composition", "language": TEXTS_LANGUAGE, "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}]},
        "subject": {"reference": patient_ref}, "date": fhir_instant(now),
        "author": [author],
        "title": f"{title} — {patient.given_name} {patient.family_name}",
        "confidentiality": max((label["code"] for label in labels if label), key=LEVELS.index, default="N"),
        "section": sections,
    }
    if (kinds is None or "contact" in kinds) and "contact" in profile.opened:  # a section its reader is shared
        composition["extension"] = [{"url": CONTACTS_CARRIED, "valueBoolean": True}]
    composition_ref = urn()
    # An IPS holds the sections it REQUIRES: a content that leaves one out (a link's vaccinations and allergies) does
    # not claim its profile, which a reader that checks the claim would refuse.
    ips = kinds is None or all(SECTION_KIND.get(name, name) in kinds for name in REQUIRED)
    return Bundle.model_validate({
        "resourceType": "Bundle", "language": TEXTS_LANGUAGE, "meta": {"profile": [IPS_PROFILE]} if ips else None,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": urn()}, "type": "document", "timestamp": fhir_instant(now),
        "entry": [{"fullUrl": composition_ref, "resource": composition}, *entries],
    })
