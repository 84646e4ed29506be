"""One DocumentReference of a Provide Document Bundle (IHE MHD ITI-65) read into an upload: its patient, identifier,
category, content, type, date and the version it replaces, each checked before any right is asked (submission.py
reads the Bundle around it)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime

from fhir.resources.R4B.documentreference import DocumentReference

from ..identifiers import is_valid_ins, normalize_ins
from ..professionals.checks import Upload
from ..templating import PARIS
from .categories import Unfiled, filed_category
from .errors import FhirError
from .resources import CONFIDENTIALITY, CURRENT, INS_SYSTEM

DOCUMENT_ID = re.compile(r"[0-9a-f]{32}")  # models.new_id's
# A file's name, not a title: one word ending in a file type's extension.
FILE_NAME = re.compile(r"[^\s/\\]+\.(?:pdf|png|jpe?g|txt|tiff?)", re.IGNORECASE)


def unprocessable(text: str, *, expression: tuple[str, ...] = ()) -> FhirError:
    return FhirError(422, text, code="processable", expression=expression)


def kept_from_parents(resource) -> bool | None:
    """Whether a DocumentReference is labelled V ("very restricted"), Carnet's own label for a minor's document a
    professional keeps from the parents (CSP L1111-5, resources.VERY_RESTRICTED): the web form's "Ne pas montrer aux
    parents", which uploads.add_professional_documents refuses for a patient who is not a minor.
    Carnet keeps no other confidentiality level of a document's own: what is hidden from professionals, the patient
    hides (DESIGN.md). A label stored as nothing would leave a "restricted" document to every reader of its category,
    so N (normal) is taken, V as said, and any other label refused rather than dropped, as the sender must know.
    None: no label at all, which says neither."""
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
    return kept if codings else None


def invisible(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text)


def _refuse_invisible(field: str, text: str) -> None:
    """An identifier is compared and stored as it is sent: none may hide characters (NUL, bidirectional
    overrides, zero-width marks), which would make two identifiers look alike and not be, and which PostgreSQL
    refuses in text (NUL) or UTF-8 cannot carry (a lone surrogate)."""
    if invisible(text):
        raise unprocessable(f"{field} contient des caractères de contrôle ou invisibles : un identifiant ne doit "
                            "contenir que des caractères visibles.")


def read_reference(reference: DocumentReference, binaries: dict[str, tuple[bytes, str]],
            base: str = "") -> tuple[str, Upload, str | None, tuple[str, ...]]:
    """The patient's INS, the upload, the fullUrl of the Binary that holds its bytes (None: inline), and the warnings
    the answer gives about its coding."""
    kept = kept_from_parents(reference)
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
    type_system, type_code, type_display = _sent_type(reference)
    # Its description, else its attachment's label, else its type's (a lab's software may send a LOINC type alone:
    # "Compte rendu d'examens biologiques"); none of them, and the sender is told where one goes. An attachment's
    # label that is a file's name ("cr.pdf") titles it only where no type says better: the patient read "cr.pdf" in
    # her banner and on her timeline (an outside probe's find).
    label = attachment.title or ""
    title = reference.description or (type_display if FILE_NAME.fullmatch(label.strip()) else "") or label or type_display
    if not title.strip():
        raise unprocessable("Le document n'a pas de titre : indiquez-le dans description (ou attachment.title, ou le "
                            "libellé de son type, type.coding.display).")
    return normalize_ins(identifier.value), Upload(
        title=title.strip(), category=category, event_date=_event_date(reference),
        filename=attachment.title or "document", data=data, master_identifier=master_text, declared_type=declared,
        type_system=type_system, type_code=type_code, type_display=type_display,
        hidden_from_representatives=bool(kept), confidentiality_said=kept is not None, replaces=_replaces(reference, base),
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
