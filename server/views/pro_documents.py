"""A professional files a document in a dossier they may write to, as its author, a file or a note typed there (a
nurse's transmission at the bedside); and withdraws it, as its author."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import AccessEnded, log_add_form, open_document
from ..accesslog import audit
from ..access.rule import Right
from ..dossiers import MAX_DOCUMENT_BYTES, InvalidInput
from ..errors import Unsent, access_ended
from ..files.copies import AlreadyAdded
from ..guards import logged_in
from ..i18n import _
from ..caregivers.confidential import keeps_from_parents
from ..caregivers.dossiers import is_minor
from ..identifiers import identity_of
from ..models import Patient, paris_today, utcnow
from ..professionals.own_documents import own_documents_after
from ..professionals.checks import NOTE_MAX, OLDEST_DATE, PRO_CATEGORIES, Upload
from ..professionals.uploads import add_professional_document, typed_note, write_right
from ..professionals import keeping
from ..professionals.withdrawal import NotAuthor, withdraw_document
from .forms import FORM_OVERHEAD, Form, FormError, MultipartForm, file_of, parse_date, text

# What a typed note is filed under unless its author says otherwise: the CI-SIS's class 10 "Compte rendu"; a nurse's
# or a kinésithérapeute's, as LOINC's report of the care given (uploads.stored_type).
NOTE_CATEGORY = "compte_rendu"


def form_page(dossier_id: str, patient: Patient, right: Right, *, form: dict | None = None,
              error: FormError | None = None, status: int = 200, copy: AlreadyAdded | None = None,
              note: bool = False) -> Template:
    """The form to add a file, or (`note`) to type a note instead; `right`, the one she adds by (its hint of who still
    reads a hidden document speaks to a médecin traitant as one)."""
    # The dates check_upload accepts, for the browser's date picker: the patient's birth (never before 1900) to today.
    # Only a professional who may write here gets this page (`writable`), and the band above shows the birth date.
    earliest = max(patient.birth_date, OLDEST_DATE)
    context = {"dossier_id": dossier_id, "patient": patient, "categories": PRO_CATEGORIES, "form": form or {},
               "error": error, "earliest": earliest.isoformat(), "today": paris_today().isoformat(),
               "minor": is_minor(patient, utcnow()), "copy": copy, "note": note, "note_max": NOTE_MAX,
               "identity": identity_of(patient, today=paris_today()),
               "medecin_traitant": right == Right.MEDECIN_TRAITANT}
    return Template("pro_upload.html", context=context, status_code=status)


async def writable(request: Request, db: AsyncSession, dossier_id: str) -> tuple[Patient, Right]:
    """The patient whose dossier this professional may add to now, and the right she adds by; 404 for anyone else."""
    dossier, right = await write_right(db, account=request.user.account, dossier_id=dossier_id)
    patient = await db.get(Patient, dossier.patient_id)
    await db.commit()
    return patient, right


async def opened_to_add(request: Request, db: AsyncSession, dossier_id: str) -> tuple[Patient, Right]:
    """The patient whose dossier this professional opens to add to, shown on the form to check it is the right one: an
    opening logged before the form is sent (the right read under the chain's lock, so a revoke committed just before
    is seen); 404 for anyone else."""
    await audit.begin_chained(db, dossier_id=dossier_id)
    dossier, right = await write_right(db, account=request.user.account, dossier_id=dossier_id)
    await log_add_form(db, account=request.user.account, dossier=dossier, right=right)
    return await db.get(Patient, dossier.patient_id), right


def details_of(data: dict) -> dict:
    """What both forms send of the document, besides its file or its text."""
    return {"title": text(data, "title", limit=300), "category": text(data, "category", limit=30),
            "event_date": text(data, "event_date", limit=20), "confidential": text(data, "confidentiel", limit=5) == "oui",
            "hidden": text(data, "masquer", limit=5) == "oui",
            "second_copy": text(data, "seconde_copie", limit=5) == "oui"}


async def file_as_author(request: Request, db: AsyncSession, dossier_id: str, upload: Upload, form: dict, *,
                         note: bool = False) -> Response:
    """File the document as its author and lead to its page; a refusal shows the form again, as it was sent. Her
    access ended meanwhile: said so, with what she typed given back (the file she chose cannot be)."""
    try:
        try:
            document = await add_professional_document(
                db, request.app.state.storage, account=request.user.account, dossier_id=dossier_id, upload=upload,
                today=paris_today(), second_copy=form["second_copy"],
            )
        except InvalidInput as invalid:
            # Checked against the right first: without one, the answer is any other dossier's (or her access ended).
            return form_page(dossier_id, *await writable(request, db, dossier_id), form=form,
                             error=FormError.of(invalid), status=400,
                             copy=invalid if isinstance(invalid, AlreadyAdded) else None, note=note)
    except AccessEnded as ended:
        return access_ended(request, unsent=unsent(form, note=note), own_documents=await own_documents_after(
            db, account=request.user.account, refusal=ended))
    return Redirect(f"/documents/{document.id}?fait=document-ajoute", status_code=303)  # said once, on that page


def unsent(form: dict, *, note: bool) -> Unsent:
    """What a form refused as her access ended gives back: its title, and a note's text."""
    title = (_("Titre"), form["title"], False)
    if note:
        return Unsent(_("La note n'a pas été ajoutée au dossier. La voici, pour la copier dans votre logiciel : Carnet "
                        "ne l'a pas gardée."), (title, (_("Texte de la note"), form["note"], True)))
    return Unsent(_("Le document n'a pas été ajouté au dossier : son fichier est resté sur votre appareil."), (title,))


async def kept_at_first(request: Request, db: AsyncSession, patient: Patient, dossier_id: str) -> dict:
    """What a new form starts from: "Ne pas montrer aux parents" ticked for a professional already kept from a minor's
    parents (the minor's code kept from them, or what she kept before): any document of hers they saw would be the
    one trace of her they were shown (caregivers/confidential.py). She unticks it for what they should see."""
    kept = is_minor(patient, utcnow()) and await keeps_from_parents(
        db, dossier_id=dossier_id, professional_id=request.user.account.professional_id)
    return {"confidential": kept}


@get("/dossiers/{dossier_id:str}/documents/nouveau", guards=[logged_in])
async def upload_form(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    patient, right = await opened_to_add(request, db, dossier_id)
    return form_page(dossier_id, patient, right, form=await kept_at_first(request, db, patient, dossier_id))


@post("/dossiers/{dossier_id:str}/documents/nouveau", guards=[logged_in], status_code=200,
      request_max_body_size=MAX_DOCUMENT_BYTES + FORM_OVERHEAD)
async def upload(request: Request, db: AsyncSession, dossier_id: str, data: MultipartForm) -> Response:
    form = details_of(data)
    content, filename = await file_of(data)
    upload = Upload(title=form["title"], category=form["category"], event_date=parse_date(form["event_date"]),
                    event_date_text=form["event_date"], filename=filename, data=content,
                    hidden_from_representatives=form["confidential"], hidden=form["hidden"])
    return await file_as_author(request, db, dossier_id, upload, form)


@get("/dossiers/{dossier_id:str}/documents/nouvelle-note", guards=[logged_in])
async def note_form(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    """A note typed at the bedside, on the day of care, rather than a file made first."""
    patient, right = await opened_to_add(request, db, dossier_id)
    return form_page(dossier_id, patient, right, form={"category": NOTE_CATEGORY, "event_date": paris_today().isoformat(),
                                                **await kept_at_first(request, db, patient, dossier_id)}, note=True)


@post("/dossiers/{dossier_id:str}/documents/nouvelle-note", guards=[logged_in], status_code=200)
async def add_note(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    # One more than a note may hold: a longer one is refused, never cut short unsaid.
    form = {**details_of(data), "note": text(data, "note", limit=NOTE_MAX + 1, multiline=True)}
    upload = typed_note(title=form["title"], text=form["note"], category=form["category"],
                        event_date=parse_date(form["event_date"]), event_date_text=form["event_date"],
                        hidden_from_representatives=form["confidential"], hidden=form["hidden"])
    return await file_as_author(request, db, dossier_id, upload, form, note=True)


@get("/documents/{document_id:str}/retrait", guards=[logged_in])
async def withdraw_form(request: Request, db: AsyncSession, document_id: str) -> Response:
    """What withdrawing means, asked before it is done; only the document's author is asked, 404 for anyone else."""
    found, _dossier, right = await open_document(db, account=request.user.account, document_id=document_id,
                                                 action="")
    withdrawn = found.withdrawn_at is not None
    await db.rollback()  # only asked whose it is: no read is logged for a reader who gets the 404
    if right is not Right.AUTHOR:
        raise NotFoundException()
    if withdrawn:
        return Redirect(f"/documents/{document_id}", status_code=303)
    # Its title is shown: the author's read, logged once with the document page's own (where they come from).
    document, dossier, _right = await open_document(db, account=request.user.account, document_id=document_id,
                                                    once=True)
    # Whose document, as its page says: a withdrawal's first reason is a report filed in a namesake's dossier, which
    # the name, birth date and INS tell apart (an outside probe's find: this page alone said none of them).
    identity = identity_of(await db.get(Patient, dossier.patient_id), today=paris_today())
    return Template("withdraw_document.html", context={"document": document, "identity": identity})


@post("/documents/{document_id:str}/retrait", guards=[logged_in], status_code=200)
async def withdraw(request: Request, db: AsyncSession, document_id: str) -> Redirect:
    """The author's withdrawal (FHIR's entered-in-error), logged before the answer; 404 for all but the author."""
    try:
        document, _dossier = await withdraw_document(db, account=request.user.account, document_id=document_id,
                                                     storage=request.app.state.storage)
    except NotAuthor:
        raise NotFoundException() from None
    return Redirect(f"/documents/{document.id}?fait=document-retire", status_code=303)


@post("/documents/{document_id:str}/cacher-aux-parents", guards=[logged_in], status_code=200)
async def keep_from_parents(request: Request, db: AsyncSession, document_id: str) -> Response:
    """Its author keeps a minor's document from her parents after filing it (professionals/keeping.py)."""
    try:
        await keeping.keep_from_parents(db, account=request.user.account, document_id=document_id)
    except keeping.NotKeepable:
        raise NotFoundException() from None
    return Redirect(f"/documents/{document_id}", status_code=303)


routes = [upload_form, upload, note_form, add_note, withdraw_form, withdraw, keep_from_parents]
