"""The patient, or a relative who manages the dossier, adds a document to it from the timeline: a file or a typed
note (patient_uploads.py). Anyone else, a reading relative or a professional (who has their own form,
views/pro_documents.py), gets the same 404 as for a missing dossier."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.managing import Managed, managed_dossier
from ..caregivers.dossiers import band_of
from ..caregivers.representatives import parents_read_what_she_writes
from ..dossiers import MAX_DOCUMENT_BYTES, InvalidInput
from ..errors import Unsent, giving_back
from ..files.copies import AlreadyAdded
from ..guards import logged_in
from ..i18n import _
from ..models import paris_today, utcnow
from ..patient_uploads import PATIENT_CATEGORIES, Addition, add_own_document
from ..professionals.checks import NOTE_MAX, OLDEST_DATE, Upload
from .forms import FORM_OVERHEAD, FormError, MultipartForm, file_of, parse_date, text

DEFAULT_CATEGORY = "note_patient"


async def form_page(request: Request, db: AsyncSession, managed: Managed, *, form: dict,
                    error: FormError | None = None, status: int = 200, copy: AlreadyAdded | None = None) -> Template:
    # The dates the checks accept, for the browser's date picker: the patient's birth (never before 1900) to today.
    today = paris_today()
    context = {"dossier": managed.dossier, "categories": PATIENT_CATEGORIES, "form": form, "error": error,
               "earliest": max(managed.patient.birth_date, OLDEST_DATE).isoformat(), "today": today.isoformat(),
               "note_max": NOTE_MAX, "copy": copy,
               "parents_read": await parents_read_what_she_writes(db, dossier=managed.dossier,
                                                                  account_patient_id=request.user.account.patient_id),
               "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=utcnow())}
    return Template("patient_upload.html", context=context, status_code=status)


@get("/dossiers/{dossier_id:str}/ajouter", guards=[logged_in])
async def add_form(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    form = {"category": DEFAULT_CATEGORY, "event_date": paris_today().isoformat()}
    return await form_page(request, db, managed, form=form)


@post("/dossiers/{dossier_id:str}/ajouter", guards=[logged_in], status_code=200,
      request_max_body_size=MAX_DOCUMENT_BYTES + FORM_OVERHEAD)
async def add(request: Request, db: AsyncSession, dossier_id: str, data: MultipartForm) -> Response:
    form = {"title": text(data, "title", limit=300), "category": text(data, "category", limit=30),
            "event_date": text(data, "event_date", limit=20),
            # One more than a note may hold: a longer one is refused, never cut short unsaid.
            "note": text(data, "note", limit=NOTE_MAX + 1, multiline=True),
            "second_copy": text(data, "seconde_copie", limit=5) == "oui"}
    content, filename = await file_of(data)
    upload = Upload(title=form["title"], category=form["category"], event_date=parse_date(form["event_date"]),
                    event_date_text=form["event_date"], filename=filename, data=content)
    # A relative the patient made a reader (or removed) while she typed: refused, with what she typed given back.
    with giving_back(unsent(form)):
        try:
            document = await add_own_document(db, request.app.state.storage, account=request.user.account,
                                              dossier_id=dossier_id, addition=Addition(upload, note=form["note"]),
                                              today=paris_today(), second_copy=form["second_copy"])
        except InvalidInput as invalid:
            # Asked of the rule first (add_own_document): a refusal is shown only to whoever may add here.
            managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
            return await form_page(request, db, managed, form=form, error=FormError.of(invalid), status=400,
                                   copy=invalid if isinstance(invalid, AlreadyAdded) else None)
    return Redirect(f"/documents/{document.id}?fait=document-ajoute", status_code=303)  # said once, on that page


def unsent(form: dict) -> Unsent:
    """What a form refused to a relative who no longer manages the dossier gives back: its title, and a note's text
    (the file she chose cannot be)."""
    title = (_("Titre"), form["title"], False)
    if form["note"].strip():
        return Unsent(_("La note n'a pas été ajoutée au dossier. La voici, pour la copier : Carnet ne l'a pas gardée."),
                      (title, (_("Texte de la note"), form["note"], True)))
    return Unsent(_("Le document n'a pas été ajouté au dossier : son fichier est resté sur votre appareil."), (title,))


routes = [add_form, add]
