"""One DocumentReference of a Provide Document Bundle (IHE MHD ITI-65) read into an upload: its patient, identifier,
category, content, type, date and the version it replaces, each checked before any right is asked (submission.py
reads the Bundle around it)."""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from fhir.resources.R4B.documentreference import DocumentReference

from ..identifiers import is_valid_ins, normalize_ins
from ..professionals.checks import Upload
from ..templating import PARIS
from .categories import Unfiled, filed_category
from .errors import FhirError
from .resources import CONFIDENTIALITY, CURRENT, IDNAT_PS_SYSTEM, INS_SYSTEM

DOCUMENT_ID = re.compile(r"[0-9a-f]{32}")  # models.new_id's
# A file's name, not a title: one word ending in a file type's extension.
FILE_NAME = re.compile(r"[^\s/\\]+\.(?:pdf|png|jpe?g|txt|tiff?)", re.IGNORECASE)


def unprocessable(text: str, *, expression: tuple[str, ...] = ()) -> FhirError:
    return FhirError(422, text, code="processable", expression=expression)


@dataclass(frozen=True)
class DeclaredAuthor:
    """An author a DocumentReference names (`author`), which Carnet does not keep: the professional whose software
    sends a document is its author (unapplied.ignored_authors says so to the sender)."""

    identifiers: tuple[tuple[str, str], ...]  # (system, value), its own or those of the contained resource it names
    display: str
    reference: str

    def is_professional(self, rpps: str) -> bool:
        """Whether it names this professional: by their national identifier ("8" + RPPS), or their RPPS alone."""
        return any(system == IDNAT_PS_SYSTEM and value in (f"8{rpps}", rpps) for system, value in self.identifiers)

    def said(self) -> str:
        """As the answer names it: « Léa Fontaine », 810009512384; what the sender wrote, within reason."""
        parts = [f"«\u00a0{self.display}\u00a0»"] if self.display else []
        parts += [value for _system, value in self.identifiers]
        parts = [part for part in parts or [self.reference] if part and len(part) <= 100 and not invisible(part)]
        return ", ".join(parts[:3]) or "sans nom"


@dataclass(frozen=True)
class Reading:
    """A DocumentReference read: its patient's INS, the upload, the fullUrl of the Binary that holds its bytes (None:
    inline), the warnings the answer gives about its coding, where its title and its date were read from (an upload's
    field, "title" or "event_date": its element), and the authors it declares."""

    ins: str
    upload: Upload
    url: str | None
    warnings: tuple[str, ...]
    elements: dict[str, str]
    authors: tuple[DeclaredAuthor, ...]


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


def read_reference(reference: DocumentReference, binaries: dict[str, tuple[bytes, str]], base: str = "") -> Reading:
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
    if attachment.hash is not None and len(attachment.hash) != hashlib.sha1().digest_size:
        raise unprocessable(f"attachment.hash doit être l'empreinte SHA-1 du fichier, ses 20 octets en base64 (28 "
                            f"caractères) : celle reçue fait {len(attachment.hash)} octets une fois décodée (une "
                            "empreinte SHA-256, ou le texte hexadécimal d'un SHA-1 plutôt que ses octets ?).")
    if attachment.hash is not None and hashlib.sha1(data).digest() != attachment.hash:
        raise unprocessable("L'empreinte SHA-1 déclarée (attachment.hash) ne correspond pas au contenu reçu : "
                            "attachment.hash est le SHA-1 des octets du fichier, en base64.")
    if attachment.size is not None and attachment.size != len(data):
        raise unprocessable(f"La taille déclarée (attachment.size : {attachment.size} octets) ne correspond pas au "
                            f"contenu reçu ({len(data)} octets).")
    type_system, type_code, type_display = _sent_type(reference)
    # Its description, else its attachment's label, else its type's (a lab's software may send a LOINC type alone:
    # "Compte rendu d'examens biologiques"); none of them, and the sender is told where one goes. An attachment's
    # label that is a file's name ("cr.pdf") titles it only where no type says better: the patient read "cr.pdf" in
    # her banner and on her timeline (an outside probe's find).
    label = attachment.title or ""
    titled = [("description", reference.description),
              ("type.coding.display", type_display if FILE_NAME.fullmatch(label.strip()) else ""),
              ("attachment.title", label), ("type.coding.display", type_display)]
    title_element, title = next(((element, text) for element, text in titled if text), ("", ""))
    if not title.strip():
        raise unprocessable("Le document n'a pas de titre : indiquez-le dans description (ou attachment.title, ou le "
                            "libellé de son type, type.coding.display).")
    event_date, date_element = _event_date(reference)
    upload = Upload(
        title=title.strip(), category=category, event_date=event_date,
        filename=attachment.title or "document", data=data, master_identifier=master_text, declared_type=declared,
        type_system=type_system, type_code=type_code, type_display=type_display,
        hidden_from_representatives=bool(kept), confidentiality_said=kept is not None, replaces=_replaces(reference, base),
    )
    return Reading(normalize_ins(identifier.value), upload, url, said,
                   {"title": title_element, "event_date": date_element}, _declared_authors(reference))


def _declared_authors(reference: DocumentReference) -> tuple[DeclaredAuthor, ...]:
    """The authors a DocumentReference names, each by its identifier or that of the resource it contains and names
    ("#id", a Practitioner; a PractitionerRole by its practitioner's)."""
    contained = {resource.id: resource for resource in reference.contained or [] if getattr(resource, "id", None)}

    def identifiers(named, depth: int = 0) -> list[tuple[str, str]]:
        found = [(named.identifier.system or "", named.identifier.value or "")] if named.identifier else []
        inner = contained.get((named.reference or "").removeprefix("#")) if (named.reference or "")[:1] == "#" else None
        if inner is not None and depth < 2:
            found += [(i.system or "", i.value or "") for i in getattr(inner, "identifier", None) or []]
            if getattr(inner, "practitioner", None) is not None:
                found += identifiers(inner.practitioner, depth + 1)
        return found

    return tuple(DeclaredAuthor(tuple(identifiers(author)), " ".join((author.display or "").split()),
                                author.reference or "") for author in reference.author or [])


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


def _event_date(reference: DocumentReference) -> tuple[date, str]:
    """The day of the act, and the element it was read from: context.period.start, else the document's `date`."""
    period = reference.context.period if reference.context else None
    start = period.start if period else None
    moment = start or reference.date
    element = "context.period.start, la date de l'acte" if start else "date, lue faute de context.period.start"
    if moment is None:
        raise unprocessable("Indiquez la date de l'acte (context.period.start) ou du document (date).")
    # A FHIR dateTime may be a year or a month ("2024", "2024-05"): fhir.resources keeps those as text.
    # A document is filed under a day, so a partial date is refused rather than guessed.
    if not isinstance(moment, date):
        raise unprocessable("La date de l'acte doit être complète (jour, mois, année) : context.period.start au "
                            "format AAAA-MM-JJ.")
    try:
        day = moment
        if isinstance(moment, datetime):
            day = moment.astimezone(PARIS).date() if moment.tzinfo else moment.date()
        # FHIR's invariant per-1, "If present, start SHALL have a lower or equal value than end": each a range (a
        # day, a month, a year written alone), the end's last instant before the start's first is refused.
        ends_before = start is not None and period.end is not None and _bounds(period.end)[1] < _bounds(start)[0]
    except (OverflowError, ValueError):  # an instant at the calendar's edge, which Paris's day is outside of
        raise unprocessable("La date de l'acte n'est pas plausible.") from None
    if ends_before:
        raise unprocessable("La période de l'acte finit avant de commencer : context.period.end précède "
                            "context.period.start (invariant FHIR per-1). Corrigez l'une ou l'autre.")
    return day, element


def _bounds(moment: date | str) -> tuple[datetime, datetime]:
    """The first and the last instant a FHIR date or dateTime covers, in Paris where it says no offset: an instant is
    itself, a day its 24 hours, "2024-05" its month, "2024" its year."""
    if isinstance(moment, datetime):
        instant = moment if moment.tzinfo else moment.replace(tzinfo=PARIS)
        return instant, instant
    if isinstance(moment, date):
        first, last = moment, moment
    else:  # a year or a month, which fhir.resources keeps as text
        year, _, month = str(moment).partition("-")
        months = (int(month), int(month)) if month else (1, 12)
        first = date(int(year), months[0], 1)
        last = date(int(year), months[1], calendar.monthrange(int(year), months[1])[1])
    return datetime.combine(first, time.min, PARIS), datetime.combine(last, time.max, PARIS)
