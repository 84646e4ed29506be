"""Provide Document Bundle (IHE MHD ITI-65): reading what software sends into Carnet's uploads.

A transaction Bundle holds one SubmissionSet (`List`), one or more `DocumentReference`s, and each
document's bytes inline (`attachment.data`) or as a `Binary` entry its `attachment.url` names. The
patient is named by INS in `subject.identifier`, the SubmissionSet's and each document's, and the SubmissionSet lists
every document (IHE MHD). Everything is checked here, before any right is asked or any file stored; the professional
behind the software is the author, whatever `author` says (the answer says so: unapplied.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fhir.resources.R4B.bundle import Bundle

from ..dossiers import InvalidInput
from ..professionals.checks import Upload
from .docreference import DeclaredAuthor, invisible, kept_from_parents, read_reference, unprocessable
from .errors import NOT_UTF8, FhirError
from .resources import INS_SYSTEM, number_read_as_date
from .submission_set import lists_every_document, same_patient

MAX_DOCUMENTS = 10  # per Bundle: a visit's reports, not a migration (which is many Bundles)
ELEMENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # a FHIR element's name, as JSON writes it
RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")  # a resource type's name, as a Bundle may say one
SENT = ("List", "DocumentReference", "Binary")  # what a Provide Document Bundle holds


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
    # Each upload's title and date, by its field: the element it was read from ("description", "context.period.start,
    # la date de l'acte"), which a refusal of it names; and the authors each DocumentReference declares.
    elements: list[dict[str, str]]
    authors: list[tuple[DeclaredAuthor, ...]]

    def refusal(self, index: int | None, error: FhirError, *, elements: tuple[str, ...] = ()) -> FhirError:
        """A refusal of the upload at `index`, naming its entry (None: of the whole Bundle, as it is); `elements`: the
        elements of it that are at fault."""
        if index is None:
            return error
        return entry_refusal(error, self.numbers[index], self.uploads[index].master_identifier.partition("|")[2],
                             elements=elements)

    def refused_input(self, refused: InvalidInput) -> FhirError:
        """A refusal of an upload's title or date (professionals/checks.py, in the words of the web form: "La date du
        document…") said with the element it was read from, which the sender's developer looks for."""
        index = refused.upload
        named = self.elements[index] if index is not None else {}
        sentences, elements = [], []
        for sentence, fields in refused.parts or ((str(refused), refused.fields),):
            said = " ; ".join(named[field] for field in fields if named.get(field))
            if said:  # "(200 caractères au plus)." gains "; description" within its parentheses
                sentence = sentence.rstrip(".")
                sentence = f"{sentence[:-1]} ; {said})." if sentence.endswith(")") else f"{sentence} ({said})."
            sentences.append(sentence)
            elements += [named[field].partition(",")[0] for field in fields if named.get(field)]
        return self.refusal(index, FhirError(422, " ".join(sentences), code="processable"), elements=tuple(elements))


def invalid(text: str, *, expression: tuple[str, ...] = ()) -> FhirError:
    return FhirError(400, text, code="structure", expression=expression)


def entry_path(number: int) -> str:
    """An entry of the Bundle as OperationOutcome.issue.expression says it: FHIRPath, which counts from 0."""
    return f"Bundle.entry[{number - 1}].resource"


def entry_refusal(error: FhirError, number: int, master: str | None = None, *,
                  elements: tuple[str, ...] = ()) -> FhirError:
    """`error`, said of one entry: its number and its masterIdentifier in words, where it is as FHIRPath (`elements`:
    the elements of it at fault, else the whole entry). Of a Bundle of ten documents, the software is told which one
    to correct; nothing of the Bundle was filed."""
    shown = master if master and len(master) <= 100 and not invisible(master) else None
    named = f"L'entrée {number} du Bundle" + (f" (masterIdentifier «\u00a0{shown}\u00a0»)" if shown else "")
    filed = "" if "rien n'a été enregistré" in error.detail else ", et rien n'a été enregistré"
    return FhirError(error.status_code, f"{named} est refusée{filed}. {error.detail}", code=error.code,
                     headers=error.headers,
                     expression=tuple(f"{entry_path(number)}.{e}" for e in elements) or (entry_path(number),))


def parse_bundle(body: bytes) -> Bundle:
    try:
        data = json.loads(body)  # each field a document keeps is checked for hidden characters where it is read
    except UnicodeDecodeError:  # Latin-1 or Windows-1252 text, said apart: "no valid JSON" sent its developer astray
        raise invalid(NOT_UTF8) from None
    except (ValueError, RecursionError):
        raise invalid("Le corps de la requête n'est pas du JSON valide.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise invalid("Envoyez une ressource Bundle de type transaction.")
    _refuse_foreign_resources(data)
    try:
        bundle = Bundle.model_validate(data)
    except Exception as error:  # noqa: BLE001 - pydantic's errors, and KeyError for an unknown resourceType
        loc = error.errors()[0].get("loc", ()) if hasattr(error, "errors") else None
        if loc is not None and loc[-1:] == ("hash",):  # base64Binary that is no base64 (a hex digest, say)
            raise invalid(f"L'empreinte du fichier ({_place(loc)}) n'est pas du base64 : attachment.hash doit être "
                          "l'empreinte SHA-1 du fichier, ses 20 octets en base64 (28 caractères).",
                          expression=_expression(loc)) from None
        where = f" ({_place(loc)})" if loc is not None else ""
        raise invalid(f"Le Bundle n'est pas une ressource FHIR R4B valide{where}.",
                      expression=_expression(loc) if loc is not None else ()) from None
    if (loc := number_read_as_date(data, bundle)) is not None:
        raise invalid(f"Date invalide ({_place(loc)}) : une date FHIR s'écrit en texte, AAAA-MM-JJ ou "
                      "AAAA-MM-JJThh:mm:ss+01:00, jamais en nombre.", expression=_expression(loc))
    return bundle


def _refuse_foreign_resources(data: dict) -> None:
    """A resource a Provide Document Bundle does not hold is said by its entry, before the models read it: a
    Composition where the SubmissionSet belongs was refused for an element it lacks ("élément author"), which sent
    its developer to fix the Composition rather than send a List."""
    entries = data.get("entry")
    for number, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or kind in SENT:
            continue
        if kind == "Patient":  # a common sender's shape (PDSm, MHD): said what to do instead
            said = ("Un envoi de documents ne contient pas de ressource Patient : nommez le patient par son INS dans "
                    f"subject.identifier du SubmissionSet et de chaque DocumentReference (système {INS_SYSTEM}).")
        else:
            named = f"Ressource {kind}" if RESOURCE_TYPE.fullmatch(kind) else "Ressource de type inconnu"
            said = (f"{named} non prise en charge dans un envoi de documents (IHE MHD, ITI-65). Le SubmissionSet doit "
                    "être une ressource List ; chaque document, une ressource DocumentReference ; ses octets, en "
                    "ligne (attachment.data) ou dans une ressource Binary.")
        raise entry_refusal(invalid(said), number)


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
            kind = type(resource).__name__  # one of SENT (_refuse_foreign_resources)
            if entry.request is None or entry.request.method != "POST":
                raise invalid("Chaque entrée d'une transaction doit avoir request.method = POST.")
            if kind != "DocumentReference":  # a document's labels are read with it (docreference.read_reference)
                kept_from_parents(resource)
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
    elements: list[dict[str, str]] = []
    authors: list[tuple[DeclaredAuthor, ...]] = []
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
                read = read_reference(entry.resource, binaries, base)
            except (AttributeError, TypeError):
                # fhir.resources checks types, not every cardinality: an element required by FHIR may be missing.
                raise unprocessable("Ce DocumentReference est incomplet : il lui manque un élément obligatoire "
                                    "(subject, masterIdentifier, content.attachment…).") from None
            ins, upload, url = read.ins, read.upload, read.url
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
        warnings.append(read.warnings)
        elements.append(read.elements)
        authors.append(read.authors)
    listed = kinds.index("List")
    with _about_entry(listed + 1, entries[listed].resource):
        same_patient(entries[listed].resource, patient, uploaded_from[0])
        lists_every_document(entries[listed].resource, entries, uploaded_from)
    for number, (entry, kind) in enumerate(zip(entries, kinds, strict=True), start=1):
        if kind == "Binary" and entry.fullUrl not in carried:  # its bytes would be answered "201 Created" and not kept
            raise unprocessable(f"L'entrée {number} du Bundle (Binary) n'est désignée par aucun DocumentReference "
                                "(content.attachment.url) : rien n'a été enregistré. Désignez-la, ou retirez-la.",
                                expression=(entry_path(number),))
    answer = [(kind, tuple(carried[entry.fullUrl]) if kind == "Binary" else indexes)
              for entry, (kind, indexes) in zip(entries, answer, strict=True)]
    return Submission(ins=patient, uploads=uploads, entries=answer, warnings=warnings, numbers=uploaded_from,
                      elements=elements, authors=authors)


@contextmanager
def _about_entry(number: int, resource) -> Iterator[None]:
    """A refusal of what an entry holds says which entry it is (entry_refusal)."""
    try:
        yield
    except FhirError as error:
        master = getattr(getattr(resource, "masterIdentifier", None), "value", None)
        raise entry_refusal(error, number, master) from None
