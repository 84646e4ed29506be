"""Provide Document Bundle (IHE MHD ITI-65): reading what software sends into Carnet's uploads.

A transaction Bundle holds one SubmissionSet (`List`), one or more `DocumentReference`s, and each
document's bytes inline (`attachment.data`) or as a `Binary` entry its `attachment.url` names. The
patient is named by INS in `subject.identifier`. Everything is checked here, before any right is asked
or any file stored; the professional behind the software is the author, whatever `author` says.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference

from ..identifiers import is_valid_ins, normalize_ins
from ..professionals.uploads import Upload
from ..templating import PARIS
from .errors import FhirError
from .categories import Unfiled, filed_category
from .resources import CONFIDENTIALITY, CURRENT, INS_SYSTEM, number_read_as_date

MAX_DOCUMENTS = 10  # per Bundle: a visit's reports, not a migration (which is many Bundles)
ELEMENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # a FHIR element's name, as JSON writes it


@dataclass
class Submission:
    ins: str
    uploads: list[Upload]
    # For the answer, one per entry sent, in order: the entry's resource type, and the indexes of the uploads it
    # carries (a DocumentReference its own; a Binary those whose attachment.url names it; a List none).
    entries: list[tuple[str, tuple[int, ...]]]
    # What the answer says of each upload's coding, by its index (a class of another category: filed_category).
    warnings: list[tuple[str, ...]]


def invalid(text: str) -> FhirError:
    return FhirError(400, text, code="structure")


def unprocessable(text: str) -> FhirError:
    return FhirError(422, text, code="processable")


def parse_bundle(body: bytes) -> Bundle:
    try:
        data = json.loads(body)  # each field a document keeps is checked for hidden characters where it is read
    except (ValueError, RecursionError):
        raise invalid("Le corps de la requête n'est pas du JSON valide.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise invalid("Envoyez une ressource Bundle de type transaction.")
    try:
        bundle = Bundle.model_validate(data)
    except Exception as error:  # noqa: BLE001 - pydantic's errors, and KeyError for an unknown resourceType
        where = f" ({_place(error.errors()[0].get('loc', ()))})" if hasattr(error, "errors") else ""
        raise invalid(f"Le Bundle n'est pas une ressource FHIR R4B valide{where}.") from None
    if (loc := number_read_as_date(data, bundle)) is not None:
        raise invalid(f"Date invalide ({_place(loc)}) : une date FHIR s'écrit en texte, AAAA-MM-JJ ou "
                      "AAAA-MM-JJThh:mm:ss+01:00, jamais en nombre.")
    return bundle


def _place(loc: tuple) -> str:
    """Where the models found an error, as a developer reads a Bundle ("entrée 4 du Bundle, élément
    content[0].attachment.size"), not as the parser's path ("entry.3.resource.content.0.attachment.size",
    "entry.3.root")."""
    entry = ""
    if len(loc) > 1 and loc[0] == "entry" and isinstance(loc[1], int):
        entry, loc = f"entrée {loc[1] + 1} du Bundle", loc[2:]
        loc = loc[1:] if loc[:1] == ("resource",) else loc
    path = ""
    for part in loc:  # FHIR's names and 0-based indexes (FHIRPath's); the parser's own steps ("root", …) are left out
        if isinstance(part, int):
            path += f"[{part}]" if path else ""
        elif ELEMENT.fullmatch(str(part)) and part != "root":
            path += f".{part}" if path else part
    if entry and path:
        return f"{entry}, élément {path}"
    return entry or (f"élément {path}" if path else "structure du Bundle")


def read_submission(body: bytes) -> Submission:
    bundle = parse_bundle(body)
    if bundle.type != "transaction":
        raise invalid("Le Bundle doit être de type transaction (IHE MHD, Provide Document Bundle).")
    entries = bundle.entry or []
    binaries: dict[str, tuple[bytes, str]] = {}
    kinds: list[str] = []
    numbers: dict[str, int] = {}  # each fullUrl: its entry's number, counted from 1 as a developer reads the Bundle
    for number, entry in enumerate(entries, start=1):
        resource = entry.resource
        if resource is None:
            raise invalid("Chaque entrée du Bundle doit contenir une ressource.")
        kind = type(resource).__name__
        if kind not in ("List", "DocumentReference", "Binary"):
            raise invalid(f"Ressource non prise en charge dans un envoi de documents : {kind}.")
        if entry.request is None or entry.request.method != "POST":
            raise invalid("Chaque entrée d'une transaction doit avoir request.method = POST.")
        if entry.fullUrl in numbers:  # a reference would name two entries, and the answer would speak of one twice
            raise invalid(f"Les entrées {numbers[entry.fullUrl]} et {number} du Bundle portent le même fullUrl : "
                          "chaque entrée doit avoir le sien.")
        if entry.fullUrl:
            numbers[entry.fullUrl] = number
        _refuse_labels(resource, number)
        if kind == "Binary" and entry.fullUrl:
            binaries[entry.fullUrl] = (resource.data or b"", resource.contentType or "")
        kinds.append(kind)
    if kinds.count("List") != 1:
        raise invalid("Le Bundle doit contenir un SubmissionSet (une ressource List), et un seul.")
    count = kinds.count("DocumentReference")
    if not 1 <= count <= MAX_DOCUMENTS:
        raise invalid(f"Le Bundle doit contenir entre 1 et {MAX_DOCUMENTS} DocumentReference.")
    uploads: list[Upload] = []
    warnings: list[tuple[str, ...]] = []
    answer: list[tuple[str, tuple[int, ...]]] = []
    patients: set[str] = set()
    carried: dict[str, list[int]] = {}  # a Binary's fullUrl: the uploads whose bytes it holds
    for entry, kind in zip(entries, kinds, strict=True):
        if kind == "DocumentReference":
            try:
                ins, upload, url, said = _upload(entry.resource, binaries)
            except (AttributeError, TypeError):
                # fhir.resources checks types, not every cardinality: an element required by FHIR may be missing.
                raise unprocessable("Un DocumentReference de l'envoi est incomplet : il lui manque un élément "
                                    "obligatoire (subject, masterIdentifier, content.attachment…).") from None
            if any(upload.master_identifier == u.master_identifier for u in uploads):
                raise unprocessable("Deux documents de l'envoi portent le même identifiant (masterIdentifier) : "
                                    "chaque document doit avoir le sien.")
            patients.add(ins)
            if url is not None:
                carried.setdefault(url, []).append(len(uploads))
            answer.append((kind, (len(uploads),)))
            uploads.append(upload)
            warnings.append(said)
        else:
            answer.append((kind, ()))
    for number, (entry, kind) in enumerate(zip(entries, kinds, strict=True), start=1):
        if kind == "Binary" and entry.fullUrl not in carried:  # its bytes would be answered "201 Created" and not kept
            raise unprocessable(f"L'entrée {number} du Bundle (Binary) n'est désignée par aucun DocumentReference "
                                "(content.attachment.url) : rien n'a été enregistré. Désignez-la, ou retirez-la.")
    if len(patients) != 1:
        raise unprocessable("Tous les documents d'un envoi doivent concerner le même patient (même INS).")
    answer = [(kind, tuple(carried[entry.fullUrl]) if kind == "Binary" else indexes)
              for entry, (kind, indexes) in zip(entries, answer, strict=True)]
    return Submission(ins=patients.pop(), uploads=uploads, entries=answer, warnings=warnings)


def _refuse_labels(resource, number: int) -> None:
    """Carnet keeps no confidentiality level of a document's own: what is hidden, the patient hides (DESIGN.md). A
    label stored as nothing would leave a "restricted" document to every reader of its category, so "N" (normal) alone
    is taken, and any other label refused rather than dropped, as the sender must know."""
    codings = [c for concept in getattr(resource, "securityLabel", None) or [] for c in concept.coding or [None]]
    codings += (resource.meta.security or []) if resource.meta else []
    for coding in codings:
        if coding is None or coding.system not in (None, CONFIDENTIALITY) or coding.code != "N":
            label = f"«\u00a0{coding.code[:20]}\u00a0» " if coding is not None and coding.code else ""
            raise unprocessable(f"Carnet n'enregistre que des documents de confidentialité normale (N) : l'étiquette "
                                f"{label}de l'entrée {number} du Bundle (securityLabel ou meta.security) n'est pas "
                                "prise en charge, et rien n'a été enregistré. C'est le patient qui choisit, dans "
                                "Carnet, les documents qu'il masque.")


def _refuse_invisible(field: str, text: str) -> None:
    """An identifier is compared and stored as it is sent: none may hide characters (NUL, bidirectional
    overrides, zero-width marks), which would make two identifiers look alike and not be, and which PostgreSQL
    refuses in text (NUL) or UTF-8 cannot carry (a lone surrogate)."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text):
        raise unprocessable(f"{field} contient des caractères de contrôle ou invisibles : un identifiant ne doit "
                            "contenir que des caractères visibles.")


def _upload(reference: DocumentReference,
            binaries: dict[str, tuple[bytes, str]]) -> tuple[str, Upload, str | None, tuple[str, ...]]:
    """The patient's INS, the upload, the fullUrl of the Binary that holds its bytes (None: inline), and the warnings
    the answer gives about its coding."""
    if reference.status != CURRENT:
        raise unprocessable("Un document envoyé doit avoir le statut «\u00a0current\u00a0».")
    identifier = reference.subject.identifier if reference.subject else None
    if identifier is None or identifier.system != INS_SYSTEM or not is_valid_ins(identifier.value or ""):
        raise unprocessable(f"Désignez le patient par son INS : subject.identifier, système {INS_SYSTEM}, "
                            "et un INS valide (15 caractères, clé comprise).")
    master = reference.masterIdentifier
    if master is None or not master.value:
        raise unprocessable("Le document doit porter un identifiant unique (masterIdentifier).")
    _refuse_invisible("L'identifiant du document (masterIdentifier.value)", master.value)
    _refuse_invisible("Le système de l'identifiant du document (masterIdentifier.system)", master.system or "")
    master_text = f"{master.system or ''}|{master.value}"
    if len(master_text) > 300:
        raise unprocessable("L'identifiant du document (masterIdentifier) est trop long (300 caractères au plus).")
    try:
        category, said = filed_category(reference)
    except Unfiled as refused:
        raise unprocessable(str(refused)) from None
    if len(reference.content or []) != 1:
        raise unprocessable("Le document doit avoir exactement un contenu (content.attachment).")
    attachment = reference.content[0].attachment
    if attachment is None:
        raise unprocessable("Le document doit avoir exactement un contenu (content.attachment).")
    data, declared, url = attachment.data, attachment.contentType or "", None
    if attachment.url in binaries:
        url = attachment.url
        # FHIR (Attachment.url): "If both data and url are provided, the url SHALL point to the same content".
        if data is not None and data != binaries[url][0]:
            raise unprocessable("attachment.data et la ressource Binary que désigne attachment.url n'ont pas le même "
                                "contenu : envoyez-le une seule fois.")
        data, declared = binaries[url][0], declared or binaries[url][1]
    elif data is None and attachment.url:
        raise unprocessable("attachment.url doit désigner une ressource Binary de ce même Bundle (son fullUrl).")
    if not data:
        raise unprocessable("Le contenu du document est vide : joignez-le (attachment.data ou Binary).")
    if attachment.hash is not None and hashlib.sha1(data).digest() != attachment.hash:
        raise unprocessable("L'empreinte SHA-1 déclarée (attachment.hash) ne correspond pas au contenu reçu.")
    if attachment.size is not None and attachment.size != len(data):
        raise unprocessable(f"La taille déclarée (attachment.size : {attachment.size} octets) ne correspond pas au "
                            f"contenu reçu ({len(data)} octets).")
    title = reference.description or attachment.title or ""
    type_system, type_code, type_display = _sent_type(reference)
    return normalize_ins(identifier.value), Upload(
        title=title.strip(), category=category, event_date=_event_date(reference),
        filename=attachment.title or "document", data=data, master_identifier=master_text, declared_type=declared,
        type_system=type_system, type_code=type_code, type_display=type_display,
    ), url, said


def _sent_type(reference: DocumentReference) -> tuple[str, str, str]:
    """The document's type as the software coded it (its first coding), to give back and search as sent: (system,
    code, display), or ("", "", "") when it sent none (Carnet's category then says the type)."""
    coding = next((c for c in (reference.type.coding or []) if c.code), None) if reference.type else None
    if coding is None:
        return "", "", ""
    system, code, display = coding.system or "", coding.code, " ".join((coding.display or "").split())
    for name, value in (("type.coding.system", system), ("type.coding.code", code), ("type.coding.display", display)):
        _refuse_invisible(f"Le type du document ({name})", value)
    if len(system) > 300 or len(code) > 100 or len(display) > 300:
        raise unprocessable("Le type du document (type.coding) est trop long : 300 caractères au plus pour son "
                            "système et son libellé, 100 pour son code.")
    return system, code, display


def _event_date(reference: DocumentReference) -> date:
    start = reference.context.period.start if reference.context and reference.context.period else None
    moment = start or reference.date
    if moment is None:
        raise unprocessable("Indiquez la date de l'acte (context.period.start) ou du document (date).")
    # A FHIR dateTime may be a year or a month ("2024", "2024-05"): fhir.resources keeps those as text.
    # A document is filed under a day, so a partial date is refused rather than guessed.
    if not isinstance(moment, date):
        raise unprocessable("La date de l'acte doit être complète (jour, mois, année) : context.period.start au "
                            "format AAAA-MM-JJ.")
    if not isinstance(moment, datetime):
        return moment
    try:
        return moment.astimezone(PARIS).date() if moment.tzinfo else moment.date()
    except (OverflowError, ValueError):  # an instant at the calendar's edge, which Paris's day is outside of
        raise unprocessable("La date de l'acte n'est pas plausible.") from None
