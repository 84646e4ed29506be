"""What a document added to a dossier must be before anything is written: its title, category and date, and a file
that is what its first bytes say and opens (files/kinds.py), or a typed note; every problem of a form said at once.
A professional's upload (uploads.py) and a patient's addition (patient_uploads.py) are checked here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from anyio import to_thread

from ..dossiers import MAX_DOCUMENT_BYTES, InvalidInput
from ..files.kinds import check_image, sniff_type
from ..files.pages import Rendered, Unrenderable, render_image, render_pdf
from ..i18n import N_, _
from ..models import CATEGORIES
from ..text_input import clean, readable_length

Problem = tuple[str, ...]  # what is said, then the form fields it is about
# What a professional files: not the patient's own notes, not the Assurance Maladie's feed.
PRO_CATEGORIES = {code: label for code, label in CATEGORIES.items() if code not in {"note_patient", "remboursement"}}
OLDEST_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class Upload:
    title: str
    category: str
    event_date: date | None
    filename: str
    data: bytes
    # What the form's date field held, to tell a date left empty from one typed that is none (31/02/2025); "" where
    # nothing was typed, or the sender (software) gives no text.
    event_date_text: str = ""
    # For a minor: kept from their legal representatives, at the minor's request (CSP L1111-5).
    hidden_from_representatives: bool = False
    # Whether the sender said so either way: the web form's box does; software that sends no confidentiality label
    # (neither N nor V) does not, and its document is then kept as the form would start for this professional
    # (uploads.add_professional_documents).
    confidentiality_said: bool = True
    # Hidden from professionals from the start, at the patient's request (a psychiatrist's report): never listed, even
    # for a moment, to those the patient's grants or an emergency let read the dossier (access/rule.py).
    hidden: bool = False
    # Sent by software: the document's own identifier ("system|value"); the same one is stored once per dossier.
    master_identifier: str | None = None
    declared_type: str = ""  # the MIME type the sender says: it must be what the bytes are
    type_system: str = ""  # the document type the software coded, kept as sent ("" for none)
    type_code: str = ""
    type_display: str = ""
    replaces: str | None = None  # the id of the version this one corrects (FHIR relatesTo "replaces"), if any
    # Typed in the web form instead of a file (`typed_note`): `data` is its text, in UTF-8, filed as text/plain.
    typed: bool = False


NOTE_MAX = 20_000  # characters: a nurse's transmission, a page of questions for a doctor; not a book


def note_problem(text: str) -> Problem | None:
    """Why a typed note is refused, if it is: nothing to read, or more than NOTE_MAX characters (never cut short)."""
    if not readable_length(text):
        return _("Écrivez le texte de la note."), "note"
    if len(text) > NOTE_MAX:
        return _("La note doit faire 20 000 caractères au plus : raccourcissez-la."), "note"
    return None


def refuse(problems: list[Problem | None]) -> None:
    """Every problem a form's fields have, said at once, each wrong field marked: a form refused for its title, then
    sent again and refused for its date, then for its file, made a professional send it three times."""
    found = [problem for problem in problems if problem is not None]
    if found:
        refused = InvalidInput(" ".join(problem[0] for problem in found), *(f for problem in found for f in problem[1:]))
        if len(found) > 1:
            refused.parts = tuple((problem[0], tuple(problem[1:])) for problem in found)
        raise refused


@dataclass(frozen=True)
class DateRefusals:
    """What is said of a wrong date, named as the form labels the field (partials/document_fields.html). Of the birth,
    nothing says whose: one text for a patient (a woman or a man) and for the patient filing her own, who read "la
    naissance du patient" as someone else's."""

    missing: str
    invalid: str  # typed, but no day of the calendar (31/02/2025): not said to be missing
    future: str
    implausible: str
    before_birth: str


DOCUMENT_DATE = DateRefusals(  # "Date du document"
    N_("Indiquez la date du document (JJ/MM/AAAA)."), N_("La date du document n'est pas valide (JJ/MM/AAAA)."),
    N_("La date du document ne peut pas être dans le futur."),
    N_("La date du document n'est pas plausible."), N_("La date du document ne peut pas précéder la naissance."))
CARE_DATE = DateRefusals(  # "Date des soins", a typed note's (pro_upload.html)
    N_("Indiquez la date des soins (JJ/MM/AAAA)."), N_("La date des soins n'est pas valide (JJ/MM/AAAA)."),
    N_("La date des soins ne peut pas être dans le futur."),
    N_("La date des soins n'est pas plausible."), N_("La date des soins ne peut pas précéder la naissance."))


async def check_upload(upload: Upload, *, today: date, born: date,
                       categories: Mapping[str, str] = PRO_CATEGORIES) -> tuple[str, Rendered | None]:
    """Every refusal an upload can earn, before anything is written; returns the real MIME type and, for a file,
    its page images and a PDF's text (a PDF that cannot be shown within the renderer's limits is refused; an image's
    one page is its copy sized for a screen; a typed note has none).
    `born` is the patient's birth date, before which no document is dated: checked after the right to write,
    so that no one else learns it by trying dates. `categories`: those its sender may file (a patient's, too).
    Each refusal names its field as the upload forms (templates/pro_upload.html, patient_upload.html) name it."""
    problems = detail_problems(upload, today=today, born=born, categories=categories)
    refuse([*problems, note_problem(upload.data.decode()) if upload.typed else file_problem(upload)])
    if upload.typed:
        return "text/plain", None
    return await check_file(upload)


def detail_problems(upload: Upload, *, today: date, born: date, categories: Mapping[str, str]) -> list[Problem]:
    """What is wrong in an upload's title, category and date, each said as its field is labelled."""
    problems: list[Problem] = []
    if not readable_length(upload.title) or len(clean(upload.title)) > 200:  # as stored: "é" in two code points is one
        problems.append((_("Donnez un titre au document (200 caractères au plus)."), "title"))
    if upload.category not in categories:
        problems.append((_("Choisissez une catégorie."), "category"))
    said, day = CARE_DATE if upload.typed else DOCUMENT_DATE, upload.event_date
    if day is None:
        refusal: str | None = said.invalid if upload.event_date_text.strip() else said.missing
    elif day > today:
        refusal = said.future
    elif day < OLDEST_DATE:
        refusal = said.implausible
    elif day < born:
        refusal = said.before_birth
    else:
        refusal = None
    if refusal is not None:
        problems.append((_(refusal), "event_date"))
    return problems


def file_problem(upload: Upload) -> Problem | None:
    """Why an upload's file is refused before it is read further, if it is: none, empty, too large, not a PDF, a PNG
    or a JPEG by its first bytes."""
    if not upload.data and upload.filename:  # chosen, but of no byte: "choose a file" read as if none was
        return _("Ce fichier est vide : choisissez-en un autre."), "file"
    if not upload.data:
        return _("Choisissez un fichier PDF, PNG ou JPEG."), "file"
    if len(upload.data) > MAX_DOCUMENT_BYTES:
        return _("Le fichier dépasse 20 Mo."), "file"
    if sniff_type(upload.data) is None:
        return _("Seuls les fichiers PDF, PNG et JPEG sont acceptés."), "file"
    return None


async def check_file(upload: Upload) -> tuple[str, Rendered | None]:
    """An upload's file is what its first bytes say, a PDF, a PNG or a JPEG of 20 Mo at most, that opens; with its
    page images (an image's, its copy sized for a screen)."""
    refuse([file_problem(upload)])
    mime = sniff_type(upload.data)
    declared = upload.declared_type.partition(";")[0].strip().lower()
    if declared and declared != mime:  # only software declares a type: said in the API's French
        raise InvalidInput(f"Le type déclaré ({declared[:60]}) ne correspond pas au contenu du fichier ({mime}).")
    if mime != "application/pdf":
        await to_thread.run_sync(check_image, mime, upload.data)
        return mime, await render_image(upload.data)
    try:
        return mime, await render_pdf(upload.data)
    except Unrenderable as refused:
        raise InvalidInput(str(refused), "file") from None
