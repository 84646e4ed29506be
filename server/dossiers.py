"""Data functions for patients, professionals, dossiers and documents."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import Select, bindparam, inspect
from sqlalchemy.orm.util import identity_key
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .accesslog import audit
from .accesslog.phrases import CARE_LINES_WAITING, in_french
from .db import SIGNED_IN_PROFESSIONAL, begin_write
from .i18n import N_, _, translations
from .identifiers import is_valid_ins, is_valid_rpps, normalize_ins
from .models import (CATEGORIES, Account, ChainHead, Document, DocumentPage, DocumentText, Dossier, Patient,
                     Professional, ProfessionalWord, paris_today)
from .files import blobs
from .files.pages import PageImage, page_rows_for
from .files.store import Storage
from .professionals.professions import (
    PROFESSIONS, profession_of, profession_words, written_profession)
from .reimbursements.importer import INSURER, attach_waiting
from .search import forget, search_text, search_title
from .text_input import NAME_MAX, clean, names_missing, names_too_long, readable_length


def directory_words(*, rpps: str, given_name: str, family_name: str, profession: str, city: str) -> set[str]:
    """What the directory finds a professional by (`ProfessionalWord`): the words of their names and city, and of
    their profession in either form ("infirmière" finds an "infirmier"), folded; their RPPS."""
    words = {rpps, *search_title(" ".join((family_name, given_name, city, *profession_words(profession)))).split()}
    return {word[:WORD_LENGTH] for word in words}  # folding may lengthen a name ("ß" is "ss"): the column's length


WORD_LENGTH = 100  # ProfessionalWord.word's


ALLOWED_MIME_TYPES = {"application/pdf", "image/png", "image/jpeg", "text/plain"}
# A birth date typed that is no day (31/02/2025), or none Carnet takes: said so, never asked for as one left empty.
INVALID_BIRTH_DATE = N_("La date de naissance n'est pas valide (JJ/MM/AAAA).")
SCREEN_COPIED = {"application/pdf", "image/png", "image/jpeg"}  # shown as page images (files/pages.py)
OLDEST_BIRTH = date(1900, 1, 1)  # as every form's dates (professionals/uploads.py, OLDEST_DATE)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class InvalidInput(ValueError):
    """Input a person typed that Carnet refuses; the message is safe to show, in the person's language.

    `fields` names the form fields it is about (as the form names them), for the page to mark them.
    """

    upload: int | None = None  # of a batch of documents (professionals/uploads.py): the index of the one refused
    # Of a form's several problems said at once (professionals/checks.refuse): each sentence and the fields it is
    # about, so that each field is described by its own (partials/form_error.html).
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.fields = fields


async def create_patient(
    session: AsyncSession, *, ins: str, given_name: str, family_name: str, birth_date: date, sex: str,
    commit: bool = True,
) -> tuple[Patient, Dossier]:
    """Create a patient and their (single) dossier; `commit=False` leaves them in the caller's transaction."""
    ins = normalize_ins(ins)
    if not is_valid_ins(ins):
        raise InvalidInput(_("Ce matricule INS n'est pas valide."))
    # The form checks first (professionals/opening.py); this is for the command line and whatever comes next:
    # names as every form keeps them (no control or direction character), never cut.
    given_name, family_name = clean(given_name), clean(family_name)
    names = {"given_name": given_name, "family_name": family_name}
    if missing := names_missing(names):
        raise InvalidInput(_("Saisissez le prénom et le nom du patient."), *missing)
    if too_long := names_too_long(names):
        raise InvalidInput(_("Le prénom et le nom doivent faire 100 caractères au plus chacun : "
                             "raccourcissez ce qui dépasse."), *too_long)
    if not OLDEST_BIRTH <= birth_date <= paris_today():
        raise InvalidInput(_("Saisissez une date de naissance valide (JJ/MM/AAAA)."), "birth_date")
    await begin_write(session)
    existing = await session.exec(select(Patient).where(Patient.ins == ins))
    if existing.first() is not None:
        raise InvalidInput(_("Un dossier existe déjà pour ce matricule INS."))
    patient = Patient(ins=ins, given_name=given_name, family_name=family_name, birth_date=birth_date, sex=sex)
    session.add(patient)
    await session.flush()  # no ORM relationships, so SQLAlchemy cannot order the inserts for us
    dossier = Dossier(patient_id=patient.id)
    session.add(dossier)
    await session.flush()
    session.add(ChainHead(dossier_id=dossier.id))  # the row every append to this dossier's log locks
    await session.flush()
    # Reimbursed care the insurer sent before the dossier existed is its own from now on, and its log says so.
    waited = await attach_waiting(session, ins=ins, dossier_id=dossier.id)
    if waited:
        await audit.append(session, dossier_id=dossier.id, action="care_received", actor=INSURER,
                           detail=in_french(CARE_LINES_WAITING, waited))
    if commit:
        await session.commit()
    else:
        await session.flush()
    return patient, dossier


async def create_professional(
    session: AsyncSession, *, rpps: str, given_name: str, family_name: str, profession: str, city: str,
    feminine: bool = False,
) -> Professional:
    """Register a professional: `profession` a code of PROFESSIONS, written for them in the feminine if
    `feminine`."""
    if not is_valid_rpps(rpps):
        raise InvalidInput(_("Ce numéro RPPS n'est pas valide."))
    if profession not in PROFESSIONS:
        raise InvalidInput(_("Profession inconnue."))
    given_name, family_name, city = clean(given_name), clean(family_name), clean(city)  # as create_patient
    names = {"given_name": given_name, "family_name": family_name}
    if missing := names_missing(names):
        raise InvalidInput(_("Saisissez le prénom et le nom du professionnel."), *missing)
    if (too_long := names_too_long(names)) or len(city) > NAME_MAX:
        raise InvalidInput(_("Le prénom, le nom et la ville doivent faire 100 caractères au plus chacun : "
                             "raccourcissez ce qui dépasse."), *too_long)
    await begin_write(session)
    existing = await session.exec(select(Professional).where(Professional.rpps == rpps))
    if existing.first() is not None:
        raise InvalidInput(_("Ce numéro RPPS est déjà enregistré."))
    professional = Professional(
        rpps=rpps, given_name=given_name, family_name=family_name, profession=profession, profession_feminine=feminine,
        city=city,
    )
    session.add(professional)
    await session.flush()  # (no relationships: SQLAlchemy cannot order the inserts)
    session.add_all(ProfessionalWord(word=word, professional_id=professional.id) for word in directory_words(
        rpps=rpps, given_name=given_name, family_name=family_name, profession=profession, city=city))
    await session.commit()
    return professional


async def add_document(
    session: AsyncSession,
    storage: Storage,
    *,
    dossier: Dossier,
    title: str,
    category: str,
    event_date: date,
    filename: str,
    mime_type: str,
    data: bytes,
    pages: list[PageImage] | None = None,
    text: str | None = None,
    author: Professional | None = None,
    source: str = "",
    added_by: Account | None = None,
    commit: bool = True,
) -> Document:
    """File a document, its bytes and its page images (if already rendered), in the caller's write transaction.

    The files are written under their keys' locks (files/blobs.py), so no deletion of a document
    with the same bytes can erase them before this one commits. `text` is a PDF's text, extracted
    when it was rendered (kept as written too, for a screen reader; None: not extracted yet, then at the first
    view); a text file's is its content: both are what a search finds it by.
    """
    title = clean(title)
    if not readable_length(title) or len(title) > 200:
        raise InvalidInput(_("Le titre doit faire entre 1 et 200 caractères."))
    if category not in CATEGORIES:
        raise InvalidInput(_("Catégorie inconnue."))
    if mime_type not in ALLOWED_MIME_TYPES:
        raise InvalidInput(_("Seuls les fichiers PDF, PNG, JPEG et texte sont acceptés."))
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(_("Le fichier doit faire entre 1 octet et 20 Mo."))
    pages = pages or []
    body = data.decode("utf-8", errors="replace") if mime_type == "text/plain" else text or ""
    [(key, digest), *page_files] = await blobs.store(session, storage, [data, *(p.png for p in pages)])
    document = Document(
        dossier_id=dossier.id,
        title=title,
        category=category,
        event_date=event_date,
        author_professional_id=author.id if author else None,
        source=source,
        storage_key=key,
        filename=filename,
        mime_type=mime_type,
        size=len(data),
        sha256=digest,
        # Without them (the demo, a copy read back, an image that would not decode), made at its first view.
        page_count=len(pages) if pages else (None if mime_type in SCREEN_COPIED else 0),
        search_text=search_text(title, body, about=found_by(category, author, source)),
        search_title=search_title(title),
        added_by_account_id=added_by.id if added_by else None,
    )
    session.add(document)
    kept = mime_type == "application/pdf" and text is not None  # as written, for a reader who cannot see the pages
    if pages or kept:
        await session.flush()  # the document row first: its pages and its text point to it
        session.add_all(page_rows_for(document, pages, page_files))
    if kept:
        session.add(DocumentText(document_id=document.id, text=text))
    if commit:
        await session.commit()
    return document


def found_by(category: str, author: Professional | None, source: str = "") -> str:
    """What finds a document besides its title and text (`search_text`'s `about`): its kind in either language
    ("imagerie", "imaging"), its author's names and profession in either form and language ("Roux",
    "sage-femme", "midwife"), where it comes from (a lab, a hospital). Migration 0035 made the same words for the
    documents added before it."""
    english = translations("en")
    kind = CATEGORIES[category]
    words = [kind, english.gettext(kind), source]
    if author is not None:
        words += [author.given_name, author.family_name, *profession_words(author.profession),
                  english.gettext(author.profession)]
    return " ".join(words)


async def erase_document(session: AsyncSession, document: Document) -> set[str]:
    """What a deleted or withdrawn document's row held of it, erased in that transaction: title, file name, source,
    type, size, hash, words (search.forget), text, pages' rows; its files written down to release (blobs.to_release:
    a crash before the caller's `blobs.release`, after its commit, loses nothing), their keys returned for it.
    Its hash stays under a software's identifier, for the same bytes sent again to be answered as deleted or
    withdrawn, not filed anew (professionals/uploads.py, looked up by author and identifier, which stay too); so do
    its ids, who added it, and its category and date, codes its indexes order it by."""
    keys = await blobs.document_keys(session, document)
    await blobs.to_release(session, keys)
    await forget(session, document.id)
    document.title = document.filename = document.source = ""
    document.type_system = document.type_code = document.type_display = ""
    document.search_text = document.search_title = document.storage_key = ""
    document.size, document.page_count = 0, 0
    if document.master_identifier is None:
        document.sha256 = ""
    session.add(document)
    await session.exec(delete(DocumentPage).where(DocumentPage.document_id == document.id))
    await session.exec(delete(DocumentText).where(DocumentText.document_id == document.id))
    return keys


async def dossier_documents(session: AsyncSession, *, dossier_id: str) -> list[Document]:
    """Every document of a dossier that is not deleted, newest first."""
    result = await session.exec(
        select(Document)
        .where(Document.dossier_id == dossier_id, Document.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(Document.event_date.desc(), Document.created_at.desc())  # type: ignore[attr-defined]
    )
    return list(result.all())


async def professionals_by_id(session: AsyncSession, ids: set[str]) -> dict[str, Professional]:
    # Those this request's session holds already (the reader, an author just shown) are not asked again.
    held = {i: p for i in ids if (p := session.identity_map.get(identity_key(Professional, i))) is not None
            and not inspect(p).expired_attributes}  # (a rollback expires what it held: those are asked again)
    reader = session.info.get(SIGNED_IN_PROFESSIONAL)  # loaded with the web session (sessions.py)
    if reader is not None and reader.id in ids:
        held[reader.id] = reader
    missing = sorted(ids - held.keys())
    if not missing:
        return held
    result = await session.exec(_professionals_by_id(), params={"ids": missing})
    return held | {p.id: p for p in result.all()}


@cache
def _professionals_by_id() -> Select:
    """Built once: every timeline and document page asks it (listing says why)."""
    return select(Professional).where(Professional.id.in_(bindparam("ids", expanding=True)))  # type: ignore[attr-defined]


DOCTORS = frozenset({"médecin", "cardiologue", "radiologue", "chirurgien-dentiste", "endocrinologue-diabétologue",
                     "ophtalmologiste"})  # called "Dr"


def professional_title(professional: Professional) -> str:
    """"Dr Claire Bernard", "Léa Fontaine": the name, a doctor's with her title (the profession said apart)."""
    prefix = "Dr " if professional.profession in DOCTORS else ""
    return f"{prefix}{professional.given_name} {professional.family_name}"


def author_title(professional: Professional, *, in_french: bool = False, mid_sentence: bool = False) -> str:
    """Who wrote a document or declared a line of the profile, as a reader is told: "Dr Antoine Moreau", a médecin,
    whose title says what he is; anyone else with their profession in their form, "Nathalie Roche, pharmacienne",
    "Dr Sophie Garnier, chirurgienne-dentiste", which the patient would not guess from a name or a title. `in_french`: for what speaks French whatever the page's language (the FHIR API, the
    copy of the dossier), else in the reader's ("Nathalie Roche, pharmacist"). `mid_sentence`: where the sentence
    goes on after the name, the profession's incise closed ("Déclarée par Nathalie Roche, pharmacienne, le 6 mars")."""
    if professional.profession == "médecin":
        return professional_title(professional)
    profession = written_profession(professional) if in_french else profession_of(professional)
    return f"{professional_title(professional)}, {profession}" + ("," if mid_sentence else "")
