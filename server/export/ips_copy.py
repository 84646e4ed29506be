"""The International Patient Summary in a dossier's copy (archive.py): `summary_bundle`'s, with what a copy needs to
be read back exactly (mapping.py, restore.py): its tag says whose copy it is, each DocumentReference names its file in
the ZIP and carries the file's SHA-256, what the patient hid stays hidden, and who added or declared each thing stays
named."""

from __future__ import annotations

from datetime import datetime

from fhir.resources.R4B.bundle import Bundle

from ..authors import Adder
from ..fhir.identity import unqualified_ins
from ..fhir.ips import Compiler, summary_bundle
from ..fhir.profile_items import ITEM_SYSTEM
from ..models import Document, Patient
from ..profile.items import Profile
from .auditevents import DOCUMENT_SYSTEM
from .names import FOLDER_TITLE, safe_name, slug

# Bundle.meta.tag of a Carnet copy: what restore.py recognises (version: this layout).
EXPORT_TAG = {"system": "urn:carnet:fhir:export", "version": "1", "code": "dossier-complet",
              "display": "Copie complète d'un dossier Carnet"}
# A legal representative's copy (not `chained`): what they see, never said to be whole, and not read back as a
# dossier (restore.py), which it may not be: the same for every representative's, whether or not anything is kept.
SEEN_TAG = {**EXPORT_TAG, "code": "dossier-vu-par-un-representant",
            "display": "Copie d'un dossier Carnet telle que la voit un représentant légal"}
SHA256_EXTENSION = "urn:carnet:fhir:sha256"  # on an attachment: its bytes' SHA-256, hex (R4B's `hash` is SHA-1)
# Hidden by the patient from professionals; kept from a minor's legal representatives (CSP L1111-5). Each resource
# also carries HL7's confidentiality label (meta.security, fhir/resources.py): these say which of the two it is.
HIDDEN_EXTENSION = "urn:carnet:fhir:masque"
KEPT_EXTENSION = "urn:carnet:fhir:reserve-au-patient"
SOURCE_EXTENSION = "urn:carnet:fhir:source"  # where a document comes from, when no professional wrote it
# Where FHIR has no author element (Patient.contact, FamilyMemberHistory): the Practitioner who declared it.
DECLARED_BY_EXTENSION = "urn:carnet:fhir:declare-par"
# The name of the relative who added a document or an item for the patient (authors.py): FHIR's author of a document
# or an item names them only in a sentence ("Paul Martin (proche)": fhir/ips.who_declared), which is no name to read
# back.
RELATIVE_EXTENSION = "urn:carnet:fhir:ajoute-par-un-proche"


def zip_path(document: Document) -> str:
    """Each document in its own folder, named by its date and title, then its id: two documents of one name, or of
    names cut alike, never meet, and a folder says which document it holds, in the order of their dates (folders named
    by the id alone made a corrected report's two versions, "cr1.pdf" and "cr2.pdf", impossible to tell apart without
    software: an outside probe's find)."""
    folder = f"{document.event_date.isoformat()}-{slug(document.title, limit=FOLDER_TITLE) or 'document'}-{document.id}"
    return f"documents/{folder}/{safe_name(document.filename)}"


def flags(*pairs: tuple[str, bool]) -> list[dict]:
    return [{"url": url, "valueBoolean": True} for url, on in pairs if on]


def relative(adder: Adder | None) -> list[dict]:
    """The relative who added it, by name, as an extension (none for the patient, a professional, a source)."""
    return [{"url": RELATIVE_EXTENSION, "valueString": adder.name}] if adder and not adder.is_patient else []


def ips_bundle(*, patient: Patient, profile: Profile, documents: list[Document], now: datetime,
               document_authors: dict, document_adders: dict[str, Adder], item_adders: dict[str, Adder],
               choices: list[dict], whole: bool = True, compiler: Compiler | None = None) -> Bundle:
    """`summary_bundle` of everything, marked as a Carnet copy, with what reading it back needs; not `whole`, a
    legal representative's (SEEN_TAG). `item_adders`: who added each item no professional declared (adders_of)."""
    bundle = summary_bundle(patient=patient, profile=profile, documents=documents, document_authors=document_authors,
                            document_adders=document_adders, item_adders=item_adders, base="", now=now,
                            title="Copie complète du dossier" if whole else "Copie du dossier", compiler=compiler)
    data = bundle.model_dump(mode="json", exclude_none=True)
    data.setdefault("meta", {})["tag"] = [EXPORT_TAG if whole else SEEN_TAG]
    # summary_bundle writes a DocumentReference for each document, in their order: a withdrawn one has no
    # attachment url to be found by.
    in_order = iter(documents)
    items = {i.id: i for kind in profile.by_kind.values() for i in kind}
    practitioners = {e["resource"]["identifier"][0]["value"][1:]: e["fullUrl"] for e in data["entry"]
                     if e["resource"]["resourceType"] == "Practitioner"}
    for entry in data["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "DocumentReference":
            attachment = resource["content"][0]["attachment"]
            document = next(in_order)
            if document.withdrawn_at is None:  # withdrawn: erased, no file in the archive (export/restore.py)
                attachment["url"] = zip_path(document)
                attachment["extension"] = [{"url": SHA256_EXTENSION, "valueString": document.sha256}]
            resource["identifier"] = [{"system": DOCUMENT_SYSTEM, "value": document.id}]
            extensions = flags((HIDDEN_EXTENSION, document.hidden), (KEPT_EXTENSION, document.hidden_from_representatives))
            extensions += relative(document_adders.get(document.id))
            if document.source:
                extensions.append({"url": SOURCE_EXTENSION, "valueString": document.source})
            if extensions:
                resource["extension"] = extensions
        elif resource["resourceType"] == "Patient":
            resource["identifier"] = [unqualified_ins(patient)]  # what restore.py reads the copy back by
            resource["extension"] += choices  # the patient's about her dossier (choices.py)
            for contact in resource.get("contact", []):
                item = items[contact["extension"][0]["valueString"]]
                contact["extension"] += flags((HIDDEN_EXTENSION, item.hidden),
                                              (KEPT_EXTENSION, item.hidden_from_representatives))
                contact["extension"] += relative(item_adders.get(item.id))
                if item.author_professional_id in profile.authors:
                    rpps = profile.authors[item.author_professional_id].rpps
                    contact["extension"].append({"url": DECLARED_BY_EXTENSION,
                                                 "valueReference": {"reference": practitioners[rpps]}})
        else:
            ids = [i["value"] for i in resource.get("identifier", []) if i.get("system") == ITEM_SYSTEM]
            if not ids:
                continue
            item = items[ids[0]]
            extensions = flags((HIDDEN_EXTENSION, item.hidden), (KEPT_EXTENSION, item.hidden_from_representatives))
            extensions += relative(item_adders.get(item.id))
            if resource["resourceType"] == "FamilyMemberHistory" and item.author_professional_id in profile.authors:
                rpps = profile.authors[item.author_professional_id].rpps
                extensions.append({"url": DECLARED_BY_EXTENSION, "valueReference": {"reference": practitioners[rpps]}})
            if extensions:  # after a resource's own (fhir/profile_items.py: a Procedure's, an Immunization's)
                resource["extension"] = resource.get("extension", []) + extensions
    return Bundle.model_validate(data)
