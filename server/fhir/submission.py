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
from collections.abc import Iterator
from contextlib import contextmanager
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
DOCUMENT_ID = re.compile(r"[0-9a-f]{32}")  # models.new_id's


@dataclass
class Submission:
    ins: str
    uploads: list[Upload]
    # For the answer, one per entry sent, in order: the entry's resource type, and the indexes of the uploads it
    # carries (a DocumentReference its own; a Binary those whose attachment.url names it; a List none).
    entries: list[tuple[str, tuple[int, ...]]]
    # What the answer says of each upload's coding, by its index (a class of another category: filed_category).
    warnings: list[tuple[str, ...]]
    numbers: list[int]  # each upload's entry, by its index: its number in the Bundle, counted from 1

    def refusal(self, index: int | None, error: FhirError) -> FhirError:
        """A refusal of the upload at `index`, naming its entry (None: of the whole Bundle, as it is)."""
        if index is None:
            return error
        return entry_refusal(error, self.numbers[index], self.uploads[index].master_identifier.partition("|")[2])


def invalid(text: str, *, expression: tuple[str, ...] = ()) -> FhirError:
    return FhirError(400, text, code="structure", expression=expression)


def unprocessable(text: str, *, expression: tuple[str, ...] = ()) -> FhirError:
    return FhirError(422, text, code="processable", expression=expression)


def entry_path(number: int) -> str:
    """An entry of the Bundle as OperationOutcome.issue.expression says it: FHIRPath, which counts from 0."""
    return f"Bundle.entry[{number - 1}].resource"


def entry_refusal(error: FhirError, number: int, master: str | None = None) -> FhirError:
    """`error`, said of one entry: its number and its masterIdentifier in words, where it is as FHIRPath. Of a
    Bundle of ten documents, the software is told which one to correct; nothing of the Bundle was filed."""
    shown = master if master and len(master) <= 100 and not _invisible(master) else None
    named = f"L'entrée {number} du Bundle" + (f" (masterIdentifier «\u00a0{shown}\u00a0»)" if shown else "")
    filed = "" if "rien n'a été enregistré" in error.detail else ", et rien n'a été enregistré"
    return FhirError(error.status_code, f"{named} est refusée{filed}. {error.detail}",
                     code=error.code, headers=error.headers, expression=(entry_path(number),))


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
        loc = error.errors()[0].get("loc", ()) if hasattr(error, "errors") else None
        where = f" ({_place(loc)})" if loc is not None else ""
        raise invalid(f"Le Bundle n'est pas une ressource FHIR R4B valide{where}.",
                      expression=_expression(loc) if loc is not None else ()) from None
    if (loc := number_read_as_date(data, bundle)) is not None:
        raise invalid(f"Date invalide ({_place(loc)}) : une date FHIR s'écrit en texte, AAAA-MM-JJ ou "
                      "AAAA-MM-JJThh:mm:ss+01:00, jamais en nombre.", expression=_expression(loc))
    return bundle


def _steps(loc: tuple) -> tuple[int | None, str, str]:
    """Where the models found an error: the entry's index, the element's path in it, and the whole as FHIRPath.
    FHIR's names and 0-based indexes, not the parser's own steps ("entry.3.resource.content.0.attachment.size",
    "entry.3.root")."""
    entry, prefix = None, "Bundle"
    if len(loc) > 1 and loc[0] == "entry" and isinstance(loc[1], int):
        entry, loc, prefix = loc[1], loc[2:], f"Bundle.entry[{loc[1]}]"
        if loc[:1] == ("resource",):
            loc, prefix = loc[1:], f"{prefix}.resource"
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]" if path else ""
        elif ELEMENT.fullmatch(str(part)) and part != "root":
            path += f".{part}" if path else part
    return entry, path, f"{prefix}.{path}" if path else prefix


def _place(loc: tuple) -> str:
    """Where the models found an error, as a developer reads a Bundle ("entrée 4 du Bundle, élément
    content[0].attachment.size")."""
    index, path, _ = _steps(loc)
    entry = f"entrée {index + 1} du Bundle" if index is not None else ""
    if entry and path:
        return f"{entry}, élément {path}"
    return entry or (f"élément {path}" if path else "structure du Bundle")


def _expression(loc: tuple) -> tuple[str, ...]:
    """The same place as FHIRPath, for OperationOutcome.issue.expression."""
    return (_steps(loc)[2],)


def read_submission(body: bytes, *, base: str = "") -> Submission:
    """`base`: this server's address, which an absolute reference to a document already filed starts with."""
    bundle = parse_bundle(body)
    if bundle.type != "transaction":
        raise invalid("Le Bundle doit être de type transaction (IHE MHD, Provide Document Bundle).")
    entries = bundle.entry or []
    binaries: dict[str, tuple[bytes, str]] = {}
    kinds: list[str] = []
    numbers: dict[str, int] = {}  # each fullUrl: its entry's number, counted from 1 as a developer reads the Bundle
    for number, entry in enumerate(entries, start=1):
        resource = entry.resource
        if entry.fullUrl in numbers:  # a reference would name two entries, and the answer would speak of one twice
            raise invalid(f"Les entrées {numbers[entry.fullUrl]} et {number} du Bundle portent le même fullUrl : "
                          "chaque entrée doit avoir le sien.",
                          expression=(entry_path(numbers[entry.fullUrl]), entry_path(number)))
        if entry.fullUrl:
            numbers[entry.fullUrl] = number
        with _about_entry(number, resource):
            if resource is None:
                raise invalid("Chaque entrée du Bundle doit contenir une ressource.")
            kind = type(resource).__name__
            if kind not in ("List", "DocumentReference", "Binary"):
                raise invalid(f"Ressource non prise en charge dans un envoi de documents : {kind}.")
            if entry.request is None or entry.request.method != "POST":
                raise invalid("Chaque entrée d'une transaction doit avoir request.method = POST.")
            if kind != "DocumentReference":  # a document's labels are read with it (_upload)
                _kept_from_parents(resource)
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
    patient = ""  # the INS of the first document, which every other one must name
    uploaded_from: list[int] = []  # each upload's entry number
    carried: dict[str, list[int]] = {}  # a Binary's fullUrl: the uploads whose bytes it holds
    for number, (entry, kind) in enumerate(zip(entries, kinds, strict=True), start=1):
        if kind != "DocumentReference":
            answer.append((kind, ()))
            continue
        with _about_entry(number, entry.resource):
            try:
                ins, upload, url, said = _upload(entry.resource, binaries, base)
            except (AttributeError, TypeError):
                # fhir.resources checks types, not every cardinality: an element required by FHIR may be missing.
                raise unprocessable("Ce DocumentReference est incomplet : il lui manque un élément obligatoire "
                                    "(subject, masterIdentifier, content.attachment…).") from None
            if patient and ins != patient:
                raise unprocessable(f"Tous les documents d'un envoi doivent concerner le même patient : l'INS de "
                                    f"celui-ci n'est pas celui de l'entrée {uploaded_from[0]}.")
        if (twin := next((i for i, u in enumerate(uploads) if u.master_identifier == upload.master_identifier),
                         None)) is not None:
            raise unprocessable(f"Les entrées {uploaded_from[twin]} et {number} du Bundle portent le même identifiant "
                                "(masterIdentifier) : chaque document doit avoir le sien.",
                                expression=(entry_path(uploaded_from[twin]), entry_path(number)))
        patient = ins
        if url is not None:
            carried.setdefault(url, []).append(len(uploads))
        answer.append((kind, (len(uploads),)))
        uploads.append(upload)
        uploaded_from.append(number)
        warnings.append(said)
    for number, (entry, kind) in enumerate(zip(entries, kinds, strict=True), start=1):
        if kind == "Binary" and entry.fullUrl not in carried:  # its bytes would be answered "201 Created" and not kept
            raise unprocessable(f"L'entrée {number} du Bundle (Binary) n'est désignée par aucun DocumentReference "
                                "(content.attachment.url) : rien n'a été enregistré. Désignez-la, ou retirez-la.",
                                expression=(entry_path(number),))
    answer = [(kind, tuple(carried[entry.fullUrl]) if kind == "Binary" else indexes)
              for entry, (kind, indexes) in zip(entries, answer, strict=True)]
    return Submission(ins=patient, uploads=uploads, entries=answer, warnings=warnings, numbers=uploaded_from)


@contextmanager
def _about_entry(number: int, resource) -> Iterator[None]:
    """A refusal of what an entry holds says which entry it is (entry_refusal)."""
    try:
        yield
    except FhirError as error:
        master = getattr(getattr(resource, "masterIdentifier", None), "value", None)
        raise entry_refusal(error, number, master) from None


def _kept_from_parents(resource) -> bool:
    """Whether a DocumentReference is labelled V ("very restricted"), Carnet's own label for a minor's document a
    professional keeps from the parents (CSP L1111-5, resources.VERY_RESTRICTED): the web form's "Ne pas montrer aux
    parents", which uploads.add_professional_documents refuses for a patient who is not a minor.
    Carnet keeps no other confidentiality level of a document's own: what is hidden from professionals, the patient
    hides (DESIGN.md). A label stored as nothing would leave a "restricted" document to every reader of its category,
    so N (normal) is taken, V as said, and any other label refused rather than dropped, as the sender must know."""
    codings = [c for concept in getattr(resource, "securityLabel", None) or [] for c in concept.coding or [None]]
    codings += (resource.meta.security or []) if resource.meta else []
    kept = False
    for coding in codings:
        code = coding.code if coding is not None and coding.system in (None, CONFIDENTIALITY) else None
        if code == "V" and not isinstance(resource, DocumentReference):
            raise unprocessable(f"L'étiquette «\u00a0V\u00a0» (document tenu secret envers les parents d'un patient "
                                f"mineur) se place sur le DocumentReference (securityLabel), pas sur une ressource "
                                f"{type(resource).__name__}.")
        if code not in ("N", "V"):
            label = f"«\u00a0{coding.code[:20]}\u00a0» " if coding is not None and coding.code else ""
            raise unprocessable(f"Carnet n'enregistre que des documents de confidentialité normale (N) ou, pour un "
                                "patient mineur, tenus secrets envers ses parents (V, «\u00a0Ne pas montrer aux "
                                f"parents\u00a0») : l'étiquette {label}(securityLabel ou meta.security) n'est pas "
                                "prise en charge. C'est le patient qui choisit, dans Carnet, les documents qu'il "
                                "masque aux professionnels.")
        kept = kept or code == "V"
    return kept


def _invisible(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text)


def _refuse_invisible(field: str, text: str) -> None:
    """An identifier is compared and stored as it is sent: none may hide characters (NUL, bidirectional
    overrides, zero-width marks), which would make two identifiers look alike and not be, and which PostgreSQL
    refuses in text (NUL) or UTF-8 cannot carry (a lone surrogate)."""
    if _invisible(text):
        raise unprocessable(f"{field} contient des caractères de contrôle ou invisibles : un identifiant ne doit "
                            "contenir que des caractères visibles.")


def _upload(reference: DocumentReference, binaries: dict[str, tuple[bytes, str]],
            base: str = "") -> tuple[str, Upload, str | None, tuple[str, ...]]:
    """The patient's INS, the upload, the fullUrl of the Binary that holds its bytes (None: inline), and the warnings
    the answer gives about its coding."""
    kept = _kept_from_parents(reference)
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
        type_system=type_system, type_code=type_code, type_display=type_display, hidden_from_representatives=kept,
        replaces=_replaces(reference, base),
    ), url, said


def _replaces(reference: DocumentReference, base: str) -> str | None:
    """The id of the version this document replaces (relatesTo, code "replaces", as IHE MHD's Document Recipient
    applies it: the target becomes superseded), or None. Its target is a DocumentReference Carnet filed, by the
    address Carnet gave it; whether the sender may replace it is asked under the dossier's lock (versions.py). Any
    other relation is refused, not dropped: the sender would believe it kept."""
    relations = reference.relatesTo or []
    other = next((r.code for r in relations if r.code != "replaces"), None)
    if other is not None:
        raise unprocessable(f"Carnet ne prend en charge que la relation «\u00a0replaces\u00a0» (relatesTo.code), pas "
                            f"«\u00a0{str(other)[:30]}\u00a0» : rien n'a été enregistré.")
    if not relations:
        return None
    if len(relations) > 1:
        raise unprocessable("Un document ne remplace qu'une version (relatesTo) : rien n'a été enregistré.")
    target = (relations[0].target.reference or "") if relations[0].target else ""
    for prefix in ("DocumentReference/", f"{base}/fhir/DocumentReference/" if base else None):
        if prefix and target.startswith(prefix) and DOCUMENT_ID.fullmatch(target.removeprefix(prefix)):
            return target.removeprefix(prefix)
    raise unprocessable("Désignez la version remplacée par sa référence (relatesTo.target.reference = "
                        "DocumentReference/<id>, l'adresse que Carnet a donnée à sa réception) : rien n'a été "
                        "enregistré.")


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
