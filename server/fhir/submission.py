"""Provide Document Bundle (IHE MHD ITI-65): reading what software sends into Carnet's uploads.

A transaction Bundle holds one SubmissionSet (`List`), one or more `DocumentReference`s, and each
document's bytes inline (`attachment.data`) or as a `Binary` entry its `attachment.url` names. The
patient is named by INS in `subject.identifier`. Everything is checked here, before any right is asked
or any file stored; the professional behind the software is the author, whatever `author` says.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference

from ..identifiers import is_valid_ins, normalize_ins
from ..professionals.uploads import PRO_CATEGORIES, Upload
from ..templating import PARIS
from .errors import FhirError
from .resources import CURRENT, INS_SYSTEM, category_of

MAX_DOCUMENTS = 10  # per Bundle: a visit's reports, not a migration (which is many Bundles)


@dataclass
class Submission:
    ins: str
    uploads: list[Upload]
    # For the answer, one per entry sent, in order: the entry's resource type, and its upload's index.
    entries: list[tuple[str, int | None]]


def invalid(text: str) -> FhirError:
    return FhirError(400, text, code="structure")


def unprocessable(text: str) -> FhirError:
    return FhirError(422, text, code="processable")


def parse_bundle(body: bytes) -> Bundle:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise invalid("Le corps de la requête n'est pas du JSON valide.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise invalid("Envoyez une ressource Bundle de type transaction.")
    try:
        return Bundle.model_validate(data)
    except Exception as error:  # noqa: BLE001 - pydantic's errors, and KeyError for an unknown resourceType
        where = ""
        if hasattr(error, "errors"):
            first = error.errors()[0]
            where = f" (champ « {'.'.join(str(p) for p in first.get('loc', ()))} »)"
        raise invalid(f"Le Bundle n'est pas une ressource FHIR R4B valide{where}.") from None


def read_submission(body: bytes) -> Submission:
    bundle = parse_bundle(body)
    if bundle.type != "transaction":
        raise invalid("Le Bundle doit être de type transaction (IHE MHD, Provide Document Bundle).")
    entries = bundle.entry or []
    binaries: dict[str, tuple[bytes, str]] = {}
    kinds: list[str] = []
    for entry in entries:
        resource = entry.resource
        if resource is None:
            raise invalid("Chaque entrée du Bundle doit contenir une ressource.")
        kind = type(resource).__name__
        if kind not in ("List", "DocumentReference", "Binary"):
            raise invalid(f"Ressource non prise en charge dans un envoi de documents : {kind}.")
        if entry.request is None or entry.request.method != "POST":
            raise invalid("Chaque entrée d'une transaction doit avoir request.method = POST.")
        if kind == "Binary" and entry.fullUrl:
            binaries[entry.fullUrl] = (resource.data or b"", resource.contentType or "")
        kinds.append(kind)
    if kinds.count("List") != 1:
        raise invalid("Le Bundle doit contenir un SubmissionSet (une ressource List), et un seul.")
    count = kinds.count("DocumentReference")
    if not 1 <= count <= MAX_DOCUMENTS:
        raise invalid(f"Le Bundle doit contenir entre 1 et {MAX_DOCUMENTS} DocumentReference.")
    uploads: list[Upload] = []
    answer: list[tuple[str, int | None]] = []
    patients: set[str] = set()
    for entry, kind in zip(entries, kinds, strict=True):
        if kind == "DocumentReference":
            try:
                ins, upload = _upload(entry.resource, binaries)
            except (AttributeError, TypeError):
                # fhir.resources checks types, not every cardinality: an element required by FHIR may be missing.
                raise unprocessable("Un DocumentReference de l'envoi est incomplet : il lui manque un élément "
                                    "obligatoire (subject, masterIdentifier, content.attachment…).") from None
            patients.add(ins)
            answer.append((kind, len(uploads)))
            uploads.append(upload)
        else:
            answer.append((kind, None))
    if len(patients) != 1:
        raise unprocessable("Tous les documents d'un envoi doivent concerner le même patient (même INS).")
    return Submission(ins=patients.pop(), uploads=uploads, entries=answer)


def _upload(reference: DocumentReference, binaries: dict[str, tuple[bytes, str]]) -> tuple[str, Upload]:
    if reference.status != CURRENT:
        raise unprocessable("Un document envoyé doit avoir le statut « current ».")
    identifier = reference.subject.identifier if reference.subject else None
    if identifier is None or identifier.system != INS_SYSTEM or not is_valid_ins(identifier.value or ""):
        raise unprocessable(f"Désignez le patient par son INS : subject.identifier, système {INS_SYSTEM}, "
                            "et un INS valide (15 caractères, clé comprise).")
    master = reference.masterIdentifier
    if master is None or not master.value:
        raise unprocessable("Le document doit porter un identifiant unique (masterIdentifier).")
    master_text = f"{master.system or ''}|{master.value}"
    if len(master_text) > 300:
        raise unprocessable("L'identifiant du document (masterIdentifier) est trop long (300 caractères au plus).")
    category = _category(reference)
    if len(reference.content or []) != 1:
        raise unprocessable("Le document doit avoir exactement un contenu (content.attachment).")
    attachment = reference.content[0].attachment
    if attachment is None:
        raise unprocessable("Le document doit avoir exactement un contenu (content.attachment).")
    data, declared = attachment.data, attachment.contentType or ""
    if data is None and attachment.url:
        if attachment.url not in binaries:
            raise unprocessable("attachment.url doit désigner une ressource Binary de ce même Bundle (son fullUrl).")
        data, declared = binaries[attachment.url][0], declared or binaries[attachment.url][1]
    if not data:
        raise unprocessable("Le contenu du document est vide : joignez-le (attachment.data ou Binary).")
    if attachment.hash is not None and hashlib.sha1(data).digest() != attachment.hash:
        raise unprocessable("L'empreinte SHA-1 déclarée (attachment.hash) ne correspond pas au contenu reçu.")
    title = reference.description or attachment.title or ""
    return normalize_ins(identifier.value), Upload(
        title=title.strip(), category=category, event_date=_event_date(reference),
        filename=attachment.title or "document", data=data, master_identifier=master_text, declared_type=declared,
    )


def _category(reference: DocumentReference) -> str:
    codings = [c for concept in (reference.category or []) for c in (concept.coding or [])]
    codings += list(reference.type.coding or []) if reference.type else []
    for coding in codings:
        category = category_of(coding.system, coding.code or "")
        if category in PRO_CATEGORIES:
            return category
    raise unprocessable("Catégorie du document inconnue : indiquez category (système urn:carnet:fhir:categorie-document, "
                        f"codes {', '.join(PRO_CATEGORIES)}) ou un type LOINC connu.")


def _event_date(reference: DocumentReference) -> date:
    start = reference.context.period.start if reference.context and reference.context.period else None
    moment = start or reference.date
    if moment is None:
        raise unprocessable("Indiquez la date de l'acte (context.period.start) ou du document (date).")
    if isinstance(moment, datetime):
        return moment.astimezone(PARIS).date() if moment.tzinfo else moment.date()
    return moment
