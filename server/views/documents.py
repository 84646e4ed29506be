"""One document: its details, its content shown in the page, and its download."""

from __future__ import annotations

from urllib.parse import quote

from anyio import to_thread
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access import Right
from ..guards import logged_in
from ..models import Document
from ..reading import author_labels, open_document
from ..files.rendering import pdf_page_count, pdf_page_png
from ..files.store import IntegrityError

INLINE_TYPES = {"image/png", "image/jpeg", "text/plain"}


def read_file(request: Request, document: Document) -> bytes:
    try:
        return request.app.state.storage.get(document.storage_key, sha256=document.sha256)
    except (IntegrityError, FileNotFoundError, KeyError):
        # A damaged or missing file is never served as if it were the document.
        raise NotFoundException() from None


@get("/documents/{document_id:str}", guards=[logged_in])
async def show(request: Request, db: AsyncSession, document_id: str) -> Template:
    document, dossier, right = await open_document(db, account=request.user.account, document_id=document_id)
    data = read_file(request, document)
    context = {
        "document": document,
        "dossier": dossier,
        "author": (await author_labels(db, [document]))[document.id],
        "pages": range(1, await to_thread.run_sync(pdf_page_count, data) + 1) if document.mime_type == "application/pdf" else [],
        "text": data.decode("utf-8", errors="replace") if document.mime_type == "text/plain" else None,
        "can_manage": right in (Right.PATIENT, Right.CAREGIVER),  # hide, show again, delete
        "right": right,
    }
    return Template("document.html", context=context)


@get("/documents/{document_id:str}/fichier", guards=[logged_in])
async def download(request: Request, db: AsyncSession, document_id: str) -> Response:
    inline = bool(request.query_params.get("affichage"))
    # Shown inside the document page (already logged as a read) or downloaded (logged as such).
    document, _, _ = await open_document(
        db, account=request.user.account, document_id=document_id,
        action="read_document" if inline else "download", once=inline,
    )
    data = read_file(request, document)
    disposition = "inline" if inline and document.mime_type in INLINE_TYPES else "attachment"
    return Response(
        data,
        media_type=document.mime_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(document.filename)}"},
    )


@get("/documents/{document_id:str}/pages/{page:int}", guards=[logged_in])
async def page_image(request: Request, db: AsyncSession, document_id: str, page: int) -> Response:
    document, _, _ = await open_document(db, account=request.user.account, document_id=document_id, once=True)
    if document.mime_type != "application/pdf":
        raise NotFoundException()
    png = await to_thread.run_sync(pdf_page_png, read_file(request, document), page)
    if png is None:
        raise NotFoundException()
    return Response(png, media_type="image/png")


routes = [show, download, page_image]
