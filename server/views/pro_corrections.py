"""A professional corrects a document they added: its title, its date, its text or its file, as a new version that
replaces it (professionals/corrections.py), for its author alone; 404 for anyone else, as for a missing document;
"Accès terminé" to its author whose access to the dossier ended, with what she typed given back."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import AccessEnded, open_document
from ..dossiers import MAX_DOCUMENT_BYTES, InvalidInput
from ..errors import Unsent, access_ended
from ..guards import logged_in
from ..i18n import _
from ..identifiers import identity_of
from ..models import Document, Dossier, Patient, paris_today
from ..professionals.own_documents import own_documents_after
from ..professionals.corrections import AlreadyChanged, correct_document, is_typed_note, to_correct
from ..professionals.checks import NOTE_MAX, OLDEST_DATE
from .documents import read_file
from .forms import FORM_OVERHEAD, FormError, MultipartForm, file_of, parse_date, text


async def form_page(request: Request, db: AsyncSession, document: Document, *, form: dict | None = None,
                    error: FormError | None = None) -> Template:
    """The form, filled with what the version says, or (`form`) with what its author sent, refused."""
    note = is_typed_note(document)
    if form is None:
        form = {"title": document.title, "event_date": document.event_date.isoformat()}
        if note:
            form["note"] = read_file(request, document.storage_key, document.sha256).decode("utf-8", errors="replace")
    # The dates the upload's checks accept, for the browser's date picker; the dossier and patient the rule has just
    # read, held by the session (the document's page shows its author the birth date already).
    patient = await db.get(Patient, (await db.get(Dossier, document.dossier_id)).patient_id)
    return Template("pro_correct.html", status_code=400 if error else 200, context={
        "document": document, "note": note, "note_max": NOTE_MAX, "form": form, "error": error,
        "earliest": max(patient.birth_date, OLDEST_DATE).isoformat(), "today": paris_today().isoformat(),
        # Whose document, as its page says: checked most where a correction goes (an outside probe's find).
        "identity": identity_of(patient, today=paris_today())})


def unsent(form: dict) -> Unsent:
    """What a correction refused as her access ended gives back: its title, and a note's text (only a note's form has
    one; a file stays on her device)."""
    title = (_("Titre"), form["title"], False)
    if form["note"]:
        return Unsent(_("La correction n'a pas été enregistrée. La voici, pour la copier dans votre logiciel : Carnet "
                        "ne l'a pas gardée."), (title, (_("Texte de la note"), form["note"], True)))
    return Unsent(_("La correction n'a pas été enregistrée."), (title,))


def already_changed(changed: AlreadyChanged) -> Redirect:
    """Withdrawn or replaced meanwhile: its page says so, and leads to the latest version."""
    return Redirect(f"/documents/{changed.document_id}", status_code=303)


async def shown_again(request: Request, db: AsyncSession, document_id: str, form: dict,
                      error: FormError) -> Response:
    """A refused correction's form, as it was sent, once the rule is asked again: a right ended meanwhile is a
    missing document's 404; a version withdrawn or replaced meanwhile (another tab: the replacement's NotReplaceable),
    its page."""
    try:
        earlier = await to_correct(db, account=request.user.account, document_id=document_id)
    except AlreadyChanged as changed:
        return already_changed(changed)
    return await form_page(request, db, earlier, form=form, error=error)


@get("/documents/{document_id:str}/correction", guards=[logged_in])
async def correction_form(request: Request, db: AsyncSession, document_id: str) -> Response:
    try:
        await to_correct(db, account=request.user.account, document_id=document_id)
    except AlreadyChanged as changed:
        return already_changed(changed)
    # Its title and text are shown: the author's read, logged once with the document page's own (where they come from).
    document, _dossier, _right = await open_document(db, account=request.user.account, document_id=document_id,
                                                     once=True)
    return await form_page(request, db, document)


@post("/documents/{document_id:str}/correction", guards=[logged_in], status_code=200,
      request_max_body_size=MAX_DOCUMENT_BYTES + FORM_OVERHEAD)
async def correct(request: Request, db: AsyncSession, document_id: str, data: MultipartForm) -> Response:
    """The corrected version, filed as the FHIR API files a replacement, and its page; a refusal shows the form
    again, as it was sent."""
    account = request.user.account
    # One more character than a note may hold: a longer one is refused, never cut short unsaid.
    form = {"title": text(data, "title", limit=300), "event_date": text(data, "event_date", limit=20),
            "note": text(data, "note", limit=NOTE_MAX + 1, multiline=True)}
    content, filename = await file_of(data)
    try:
        earlier = await to_correct(db, account=account, document_id=document_id)
        document = await correct_document(
            db, request.app.state.storage, account=account, earlier=earlier, title=form["title"],
            event_date=parse_date(form["event_date"]), event_date_text=form["event_date"], note=form["note"],
            data=content, filename=filename,
            today=paris_today())
    except AlreadyChanged as changed:
        return already_changed(changed)
    except InvalidInput as invalid:
        try:
            return await shown_again(request, db, document_id, form, FormError.of(invalid))
        except AccessEnded as ended:  # ended meanwhile, a refusal of hers seen only now
            return access_ended(request, unsent=unsent(form),
                                own_documents=await own_documents_after(db, account=account, refusal=ended))
    except AccessEnded as ended:  # before she sent it, or meanwhile (the filing's write_right, under the chain's lock)
        return access_ended(request, unsent=unsent(form),
                            own_documents=await own_documents_after(db, account=account, refusal=ended))
    return Redirect(f"/documents/{document.id}?fait=document-corrige", status_code=303)  # said once, on that page


routes = [correction_form, correct]
