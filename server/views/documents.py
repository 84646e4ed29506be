"""One document: its details, its content shown in the page, its download; and, for its patient or a managing
caregiver, hiding it from professionals and deleting it (through access/hiding.py, which logs each)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import Right, adult_from, visibility
from ..guards import logged_in
from ..caregivers.dossiers import band_of
from ..identifiers import identity_of
from ..models import Document, DocumentPage, Dossier, Patient, paris_today, utcnow
from ..access import hiding
from ..access.reading import document_and_dossier, log_document_read, open_document, readable_versions
from ..access.managing import manage_document, managed_dossier
from ..authors import author_labels
from ..errors import HEAD_ASKED, error_response
from ..export.names import named_for
from ..i18n import _
from ..professionals.corrections import may_correct
from ..profile.seen import shown_to_a_grant_of
from .access import band, done
from .forms import Form, text
from ..files import screen
from ..files.pages import pages_of, text_of
from ..listing import hidden_documents
from ..profile.wording import marked_name
from ..profile.items import profile_of
from ..reimbursements.hiding import lines_shown
from ..reimbursements.history import kept_since
from ..reimbursements.seen import hidden_lines

INLINE_TYPES = {"image/png", "image/jpeg", "text/plain"}


def read_file(request: Request, key: str, sha256: str) -> bytes:
    """A damaged or missing file is never served as if it were the document: it is said, and logged for the operator
    (exception_handlers.on_unreadable_file)."""
    try:
        return request.app.state.storage.get(key, sha256=sha256)
    except KeyError:
        raise NotFoundException() from None


PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")  # as the page's links write it: "٣", "+3" or "03" is no page


def numbered(pages: list[DocumentPage], number: str) -> DocumentPage:
    stored = next((p for p in pages if p.number == int(number)), None) if PAGE_NUMBER.fullmatch(number) else None
    if stored is None:
        raise NotFoundException()
    return stored


async def pdf_pages(request: Request, db: AsyncSession, document: Document) -> list[DocumentPage]:
    """A PDF's page images; an image's one (its copy sized for a screen) is what its file shows (`download`)."""
    if document.mime_type != "application/pdf":
        return []
    return await pages_of(db, request.app.state.storage, document=document)


async def whose_dossier(request: Request, db: AsyncSession, *, dossier: Dossier, right: Right) -> dict:
    """What every page of a document shows of its dossier: the band and the actions for its patient or
    caregiver, the identity traits for a professional."""
    if right in (Right.PATIENT, Right.CAREGIVER):
        managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier.id, readers=True)
        return {
            "can_manage": managed.can_manage,  # hide, show again, delete: not a reader's
            "band": await band_of(db, dossier=dossier, account=request.user.account, now=utcnow(),
                                  manages=managed.can_manage),
        }
    # the Patient row open_document read for the rule (a primary-key read, if it was let go since)
    return {"identity": identity_of(await db.get(Patient, dossier.patient_id), today=paris_today())}


@get("/documents/{document_id:str}", guards=[logged_in])
async def show(request: Request, db: AsyncSession, document_id: str) -> Template:
    """A document's page; one its author withdrew is a line with no content (erased: professionals/uploads.py); a
    version replaced, or replacing another, leads to the other where the reader may read it."""
    account = request.user.account
    document, dossier, right, opens_dossier = await document_and_dossier(db, account=account, document_id=document_id)
    text, pages, pdf_text = None, [], ""
    if document.withdrawn_at is None:
        if document.mime_type == "text/plain":
            text = read_file(request, document.storage_key, document.sha256).decode("utf-8", errors="replace")
        pages = await pdf_pages(request, db, document)
        pdf_text = await text_of(db, request.app.state.storage, document=document)
    earlier, later = await readable_versions(db, account=account, dossier=dossier, document=document)
    authors = await author_labels(db, [document], reader=account)
    context = {
        "document": document,
        "dossier": dossier,
        "author": authors[document.id],
        "author_she": document.id in authors.women,  # "retiré par son autrice"
        "pages": pages,
        "text": text,
        "pdf_text": pdf_text,
        "earlier": earlier,
        "later": later,
        "right": right,
        "can_correct": may_correct(document, right, opens_dossier),  # its author, while the dossier opens to them
        # Its author, on a minor's dossier, if she filed it without keeping it from the parents (CSP L1111-5): its
        # latest version, kept with those it corrects.
        "can_keep_from_parents": right is Right.AUTHOR and not document.withdrawn_at and not document.superseded_at
        and not document.hidden_from_representatives
        and utcnow() < adult_from((await db.get(Patient, dossier.patient_id)).birth_date),
        # Back to the dossier whenever it opens to this reader (its author may hold a grant too); else to their list.
        "opens_dossier": opens_dossier,
        **await whose_dossier(request, db, dossier=dossier, right=right),
    }
    if context.get("can_manage") and document.hidden:
        # Hidden, a prescription no longer shows; the treatment it lists, noted in the profile, still does.
        context["profile_shown"] = await shown_to_a_grant_of(db, dossier_id=dossier.id, category=document.category)
        # The consultation it reports, the medicine it prescribes, as the insurer reimbursed them, still show too.
        context["care_shown"] = await lines_shown(db, dossier_id=dossier.id)
    return Template("document.html", context=context)


@get("/documents/{document_id:str}/pages/{page:str}/plein-ecran", guards=[logged_in])
async def page_full_screen(request: Request, db: AsyncSession, document_id: str, page: str) -> Template:
    """One page alone, the screen's width, where the browser's own pinch-zoom reads its small print."""
    document, dossier, right = await open_document(db, account=request.user.account, document_id=document_id, once=True)
    pages = await pdf_pages(request, db, document)
    context = {
        "document": document,
        "page": numbered(pages, page),
        "count": len(pages),
        **await whose_dossier(request, db, dossier=dossier, right=right),
    }
    return Template("document_page.html", context=context)


@get("/documents/{document_id:str}/fichier", guards=[logged_in])
async def download(request: Request, db: AsyncSession, document_id: str) -> Response:
    # Shown inside the document page (already logged as a read) or downloaded (logged as such). Only a type the
    # page shows inline is shown: any other file asked with "affichage" is a download, and is logged as one.
    account = request.user.account
    document, dossier, right = await open_document(db, account=account, document_id=document_id, action="")
    if document.withdrawn_at is not None:  # erased: no file, and no read of one to log
        await db.rollback()
        raise NotFoundException()
    inline = bool(request.query_params.get("affichage")) and document.mime_type in INLINE_TYPES
    head = request.scope.get(HEAD_ASKED, False)  # its type and size, not its bytes: a read of the document, not more
    await log_document_read(db, account=account, dossier=dossier, right=right, document=document,
                            action="read_document" if inline or head else "download", once=inline)
    # Shown, an image is its copy sized for a screen (files/screen.py), made at its first view if it was not yet;
    # one that would not decode, its original. Downloaded, always the original bytes.
    copy = (await pages_of(db, request.app.state.storage, document=document))[:1] if inline else []
    if copy:
        data, media_type = read_file(request, copy[0].storage_key, copy[0].sha256), screen.MEDIA_TYPE
        filename = PurePosixPath(document.filename).stem + screen.SUFFIX
    else:
        data, media_type = read_file(request, document.storage_key, document.sha256), document.mime_type
        filename = document.filename
    if right is Right.CAREGIVER:  # a relative's: named for them, as their dossier's copy and CSV are
        filename = named_for(filename, await db.get(Patient, dossier.patient_id))
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"},
    )


@get("/documents/{document_id:str}/pages/{page:str}", guards=[logged_in])
async def page_image(request: Request, db: AsyncSession, document_id: str, page: str) -> Response:
    """A page image made when the document was added: a file read, never a render."""
    document, _, _ = await open_document(db, account=request.user.account, document_id=document_id, once=True)
    stored = numbered(await pdf_pages(request, db, document), page)
    return Response(read_file(request, stored.storage_key, stored.sha256), media_type="image/png")


# --- one document: hide it from professionals, or delete it ----------------------------------


@post("/documents/{document_id:str}/masquage", guards=[logged_in], status_code=200)
async def hide(request: Request, db: AsyncSession, document_id: str, data: Form) -> Response:
    document, _dossier, actor = await manage_document(db, account=request.user.account, document_id=document_id)
    choice = text(data, "masque", limit=5)
    if choice not in ("oui", "non"):
        return error_response(request, 400, _("Choisissez de masquer le document ou de ne plus le masquer."))
    await hiding.set_hidden(db, document=document, hidden=choice == "oui", actor=actor)
    return done(f"/documents/{document.id}", "document-masque" if choice == "oui" else "document-visible")


@get("/documents/{document_id:str}/suppression", guards=[logged_in])
async def delete_form(request: Request, db: AsyncSession, document_id: str) -> Template:
    document, dossier, _ = await manage_document(db, account=request.user.account, document_id=document_id)
    return Template("delete_document.html", context={"document": document, "dossier": dossier,
                                                     "band": await band(request, db, dossier)})


@post("/documents/{document_id:str}/suppression", guards=[logged_in], status_code=200)
async def delete(request: Request, db: AsyncSession, document_id: str) -> Response:
    document, dossier, actor = await manage_document(db, account=request.user.account, document_id=document_id)
    await hiding.delete_document(db, document=document, actor=actor, storage=request.app.state.storage)
    return done(f"/dossiers/{dossier.id}", "document-supprime")


MAX_HIDDEN = 500  # a list to read, not to scroll: more than that is a dossier hidden whole (closing it does that)


@get("/dossiers/{dossier_id:str}/masques", guards=[logged_in])
async def hidden_list(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    """What is hidden from professionals, in one place: documents, lines of the profil médical and of the reimbursed
    care, for whoever manages the dossier (each with its way to show it again). What a parent may not see is not here
    either."""
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    visible = visibility(managed.standing, managed.facts, utcnow())
    documents = await hidden_documents(db, dossier_id=dossier_id, visible=visible, limit=MAX_HIDDEN)
    profile = await profile_of(db, dossier_id=dossier_id, visible=visible)
    items = [(item, marked_name(item)) for _kind, kept in profile.sections() for item in kept if item.hidden]
    care = await hidden_lines(db, dossier_id=dossier_id, visible=visible, limit=MAX_HIDDEN,
                              since=kept_since(paris_today()))
    context = {"dossier": managed.dossier, "own": managed.standing.is_patient, "documents": documents,
               # Who withdrew a line, said of her as she is (partials/withdrawn_line.html): asked of those alone.
               "authors": await author_labels(db, [d for d in documents if d.withdrawn_at]),
               "items": items, "care": care,
               "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=utcnow())}
    return Template("hidden.html", context=context)


routes = [show, download, page_image, page_full_screen, hide, delete_form, delete, hidden_list]
