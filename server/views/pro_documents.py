"""A professional files a document in a dossier they may write to, as its author; and withdraws it, as its author."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import log_add_form, open_document
from ..accesslog import audit
from ..access.rule import Right
from ..dossiers import MAX_DOCUMENT_BYTES, InvalidInput
from ..files.copies import AlreadyAdded
from ..guards import logged_in
from ..caregivers.dossiers import is_minor
from ..identifiers import identity_of
from ..models import Patient, paris_today, utcnow
from ..professionals.uploads import (
    OLDEST_DATE, PRO_CATEGORIES, NotAuthor, Upload, add_professional_document, withdraw_document, write_right,
)
from .forms import FORM_OVERHEAD, FormError, MultipartForm, file_of, parse_date, text



def form_page(dossier_id: str, patient: Patient, *, form: dict | None = None, error: FormError | None = None,
              status: int = 200, copy: AlreadyAdded | None = None) -> Template:
    # The dates check_upload accepts, for the browser's date picker: the patient's birth (never before 1900) to today.
    # Only a professional who may write here gets this page (`writable`), and the band above shows the birth date.
    earliest = max(patient.birth_date, OLDEST_DATE)
    context = {"dossier_id": dossier_id, "patient": patient, "categories": PRO_CATEGORIES, "form": form or {},
               "error": error, "earliest": earliest.isoformat(), "today": paris_today().isoformat(),
               "minor": is_minor(patient, utcnow()), "copy": copy,
               "identity": identity_of(patient, today=paris_today())}
    return Template("pro_upload.html", context=context, status_code=status)


async def writable(request: Request, db: AsyncSession, dossier_id: str) -> Patient:
    """The patient whose dossier this professional may add to now; 404 for anyone else."""
    dossier, _ = await write_right(db, account=request.user.account, dossier_id=dossier_id)
    patient = await db.get(Patient, dossier.patient_id)
    await db.commit()
    return patient


@get("/dossiers/{dossier_id:str}/documents/nouveau", guards=[logged_in])
async def upload_form(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    """The form shows who the patient is: opened to add to the dossier, logged (the right read under the chain's
    lock, so a revoke committed just before is seen)."""
    await audit.begin_chained(db, dossier_id=dossier_id)
    dossier, right = await write_right(db, account=request.user.account, dossier_id=dossier_id)
    await log_add_form(db, account=request.user.account, dossier=dossier, right=right)
    return form_page(dossier_id, await db.get(Patient, dossier.patient_id))


@post("/dossiers/{dossier_id:str}/documents/nouveau", guards=[logged_in], status_code=200,
      request_max_body_size=MAX_DOCUMENT_BYTES + FORM_OVERHEAD)
async def upload(request: Request, db: AsyncSession, dossier_id: str, data: MultipartForm) -> Response:
    form = {"title": text(data, "title", limit=300), "category": text(data, "category", limit=30),
            "event_date": text(data, "event_date", limit=20), "confidential": text(data, "confidentiel", limit=5) == "oui",
            "second_copy": text(data, "seconde_copie", limit=5) == "oui"}
    content, filename = await file_of(data)
    upload = Upload(title=form["title"], category=form["category"], event_date=parse_date(form["event_date"]),
                    filename=filename, data=content, hidden_from_representatives=form["confidential"])
    try:
        document = await add_professional_document(
            db, request.app.state.storage, account=request.user.account, dossier_id=dossier_id, upload=upload,
            today=paris_today(), second_copy=form["second_copy"],
        )
    except InvalidInput as invalid:
        # Checked against the right first: without one, the answer is the same 404 as for any other dossier.
        return form_page(dossier_id, await writable(request, db, dossier_id), form=form, error=FormError.of(invalid),
                         status=400, copy=invalid if isinstance(invalid, AlreadyAdded) else None)
    return Redirect(f"/documents/{document.id}?fait=document-ajoute", status_code=303)  # said once, on that page


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
    document, _dossier, _right = await open_document(db, account=request.user.account, document_id=document_id,
                                                     once=True)
    return Template("withdraw_document.html", context={"document": document})


@post("/documents/{document_id:str}/retrait", guards=[logged_in], status_code=200)
async def withdraw(request: Request, db: AsyncSession, document_id: str) -> Redirect:
    """The author's withdrawal (FHIR's entered-in-error), logged before the answer; 404 for all but the author."""
    try:
        document, _dossier = await withdraw_document(db, account=request.user.account, document_id=document_id)
    except NotAuthor:
        raise NotFoundException() from None
    return Redirect(f"/documents/{document.id}?fait=document-retire", status_code=303)


routes = [upload_form, upload, withdraw_form, withdraw]
