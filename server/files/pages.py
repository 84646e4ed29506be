"""Page images of PDF documents: rendered once, in a bounded child process, then stored; and, kept the same way,
an image document's copy sized for a screen (screen.py), its one "page".

A phone without a PDF viewer (Android's Chrome has none) reads a PDF as images of its pages.
They are rendered when the document is added (`render_pdf`, which also refuses a PDF that cannot
be shown within the limits, with a French reason) and kept in the store like any file, so
reading a page costs a file read and never blocks anyone. Documents added before page images
existed, or by the demo, get theirs on first view, through the same bounded renderer (an image, its copy: migration
0047 asks it of the images added before). Pages made
when they were 1,000 px wide are kept as they are (2.8 device pixels per CSS pixel on a 360 px phone):
making them again on view would make a read cost a render.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass

from anyio import to_thread
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write, upsert
from ..i18n import N_, _
from ..models import Document, DocumentPage, DocumentText
from . import blobs, screen
from .render_worker import MAX_ASPECT, MAX_PAGES
from .store import Storage

FORK_SERVER = [sys.executable, "-m", "server.files.render_worker"]  # its control socket's fd is added (tests change it)
WALL_SECONDS = 60  # the whole document, however many pages
CONCURRENT_RENDERS = 2  # per process: each child may use a core and up to 1 GiB
CONTROL_SECONDS = 30  # a fork server that answers no request in this time (stopped, wedged) is replaced
MAX_ANSWER = 512 * 1024 * 1024  # bytes a child may send: 100 pages of the largest PNGs, in base64

REFUSALS = {
    "unreadable": N_("Ce fichier PDF est endommagé ou illisible."),
    "password": N_("Ce PDF est protégé par un mot de passe : enregistrez-le de nouveau sans mot de passe, puis "
                   "réessayez."),
    "protected": N_("Ce PDF est protégé d'une façon que Carnet ne sait pas ouvrir : enregistrez-le de nouveau sans "
                    "protection, puis réessayez."),
    "too_many_pages": N_("Ce PDF a plus de %(pages)s pages : envoyez-le en plusieurs documents."),
    "page_shape": N_("Une page de ce PDF est trop étroite ou trop allongée pour être affichée "
                     "(plus de %(aspect)s fois plus haute que large, ou l'inverse)."),
    "too_complex": N_("Ce PDF est trop lourd à afficher. Enregistrez-le de nouveau (par exemple avec "
                      "«\u00a0Imprimer en PDF\u00a0») et réessayez."),
}


def refusal(reason: str) -> str:
    """Why a PDF is refused, in the language of the request that sent it."""
    return _(REFUSALS.get(reason, REFUSALS["unreadable"]), pages=MAX_PAGES, aspect=MAX_ASPECT)


class Unrenderable(Exception):
    """A PDF that cannot be shown within the limits; the message is in the request's language."""


@dataclass(frozen=True)
class PageImage:
    number: int
    png: bytes  # an image document's copy for a screen is a JPEG (screen.py)
    width: int
    height: int


@dataclass(frozen=True)
class Rendered:
    pages: list[PageImage]
    text: str  # the PDF's own text (none for a scan): what a search finds it by


class _ForkServer:
    """This process's fork server (render_worker.serve): started at the first PDF, again if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one request at a time on the control socket; callers are threads
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._command: list[str] = []
        self._stale = False

    def fork(self, draw: bool) -> tuple[int, socket.socket] | None:
        """A pidfd of a new child and our end of its socket; None if no child could be had (twice)."""
        with self._lock:
            for _attempt in range(2):
                control = self._running()
                ours, theirs = socket.socketpair()
                answer, fds = b"", []
                try:
                    socket.send_fds(control, [b"d" if draw else b"t"], [theirs.fileno()])
                    answer, fds, _flags, _address = socket.recv_fds(control, 4, 1, socket.MSG_WAITALL)
                except OSError:  # it died, or is stuck past CONTROL_SECONDS: replaced like a dead one
                    pass
                finally:
                    theirs.close()
                if len(answer) == 4 and struct.unpack("!i", answer)[0] > 0 and len(fds) == 1:
                    return fds[0], ours
                for fd in fds:
                    os.close(fd)
                ours.close()
                self._stop()  # it died (or cannot fork): a new one, once
            return None

    def retire(self) -> None:
        """A child died without answering (a crash, a limit): the next PDF gets a new fork server, so that no
        two crashes meet the same memory layout (its children all share its address-space randomisation)."""
        with self._lock:
            self._stale = True

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def _running(self) -> socket.socket:
        if (self._process is None or self._process.poll() is not None or self._command != FORK_SERVER
                or self._stale):
            self._stop()
            self._stale = False
            ours, theirs = socket.socketpair()
            ours.settimeout(CONTROL_SECONDS)
            self._command = list(FORK_SERVER)
            self._process = subprocess.Popen(
                [*FORK_SERVER, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            theirs.close()
            self._control = ours
        assert self._control is not None
        return self._control

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()  # it ends when its control socket closes
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


FORKS = _ForkServer()
_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(CONCURRENT_RENDERS)
    return _slots[loop]


async def render_pdf(data: bytes, *, draw: bool = True) -> Rendered:
    """Every page as a PNG 1,200 px wide (render_worker.PAGE_WIDTH_PX), and the text; `Unrenderable` if the PDF
    cannot be shown within the limits. Without `draw`, the text alone (and the same refusals of a PDF's shape)."""
    loop = asyncio.get_running_loop()
    async with _slot():
        # The fork server's handshake blocks (and starts it the first time): off the event loop. Were this request
        # cancelled meanwhile, the child's pidfd and socket are closed once it answers: the child reads an empty
        # PDF, refuses it and ends.
        forking = loop.run_in_executor(None, FORKS.fork, draw)
        try:
            forked = await asyncio.shield(forking)
        except asyncio.CancelledError:
            forking.add_done_callback(_discard)
            raise
        if forked is None:
            raise Unrenderable(refusal("too_complex"))
        child, channel = forked  # a pidfd: killed through it, never by a pid another process may have taken since
        try:
            out = await asyncio.wait_for(_exchange(loop, channel, data), timeout=WALL_SECONDS)
        except BaseException as error:
            with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile; the fork server reaps it
                signal.pidfd_send_signal(child, signal.SIGKILL)
            if isinstance(error, TimeoutError):
                raise Unrenderable(refusal("too_complex")) from None
            raise  # the request was cancelled: the child must not outlive it
        finally:
            channel.close()
            os.close(child)
    try:
        result = json.loads(out)
    except ValueError:  # killed by its CPU or memory limit, or crashed, before it could answer
        FORKS.retire()
        raise Unrenderable(refusal("too_complex")) from None
    if "refused" in result:
        raise Unrenderable(refusal(result["refused"]))
    pages = [PageImage(n, base64.b64decode(p["png"]), p["width"], p["height"])
             for n, p in enumerate(result["pages"], start=1)]
    return Rendered(pages, str(result.get("text", "")))


async def render_image(data: bytes) -> Rendered:
    """An image's copy sized for a screen, as its one page; none if it cannot be decoded (the page shows the original).
    Off the event loop, and counted with the PDFs' renders: decoding a photo takes a core for a moment."""
    async with _slot():
        copy = await to_thread.run_sync(screen.copy_for_screen, data)
    return Rendered([PageImage(1, *copy)] if copy else [], "")


def _discard(forking: asyncio.Future) -> None:
    forked = None if forking.cancelled() or forking.exception() else forking.result()
    if forked is not None:
        os.close(forked[0])
        forked[1].close()


async def _exchange(loop: asyncio.AbstractEventLoop, channel: socket.socket, data: bytes) -> bytes:
    """The PDF to the child, its answer back (empty if it died first)."""
    channel.setblocking(False)
    try:
        await loop.sock_sendall(channel, data)
        channel.shutdown(socket.SHUT_WR)
    except OSError:
        return b""  # it died before reading it all
    chunks, size = [], 0
    try:
        while chunk := await loop.sock_recv(channel, 1 << 20):
            size += len(chunk)
            if size > MAX_ANSWER:
                return b""
            chunks.append(chunk)
    except OSError:
        return b""  # it died with some of the PDF unread (the socket is reset)
    return b"".join(chunks)


def page_rows_for(document: Document, pages: list[PageImage], stored: list[tuple[str, str]]) -> list[DocumentPage]:
    """The rows of page images already stored (`stored`: their keys and digests, in order)."""
    return [DocumentPage(document_id=document.id, number=page.number, storage_key=key, sha256=digest,
                         width=page.width, height=page.height)
            for page, (key, digest) in zip(pages, stored, strict=True)]


async def page_rows(session: AsyncSession, *, document: Document) -> list[DocumentPage]:
    rows = await session.exec(select(DocumentPage).where(DocumentPage.document_id == document.id)
                              .order_by(DocumentPage.number))  # type: ignore[arg-type]
    return list(rows.all())


async def pages_of(session: AsyncSession, storage: Storage, *, document: Document) -> list[DocumentPage]:
    """The document's page images (an image's: its copy sized for a screen), made now if they were never made (a
    document added before they existed, or by the demo): once, whatever the outcome, so a PDF that cannot be shown
    is not tried again.

    An empty list: a text, a PDF that cannot be shown (the page offers the download), an image that could not be
    decoded (the page shows the original).
    """
    if document.page_count == 0:
        return []
    if document.page_count is not None:
        return await page_rows(session, document=document)
    try:
        data = storage.get(document.storage_key, sha256=document.sha256)
    except FileNotFoundError:
        return []  # nothing to decide until the file is restored
    if document.mime_type != "application/pdf":
        rendered = await render_image(data)
    else:
        try:
            rendered = await render_pdf(data)
        except Unrenderable:
            rendered = Rendered([], "")
    pages = rendered.pages
    # Two first views at once both render; the document's key, locked with the pages', lets one keep them.
    await begin_write(session)
    await blobs.lock_keys(session, [document.storage_key, *(hashlib.sha256(p.png).hexdigest() for p in pages)])
    current = await session.get(Document, document.id, populate_existing=True)
    if current is not None and current.page_count is None:
        stored = [storage.put(p.png) for p in pages]
        session.add_all(page_rows_for(current, pages, stored))
        current.page_count = len(pages)
        session.add(current)
        if (current.mime_type == "application/pdf" and current.deleted_at is None
                and await session.get(DocumentText, current.id) is None):
            # Its text came with the render: `text_of` need not make the PDF's another.
            session.add(DocumentText(document_id=current.id, text=rendered.text))
    await session.commit()
    return await page_rows(session, document=document)


async def text_of(session: AsyncSession, storage: Storage, *, document: Document) -> str:
    """A PDF's own text as written ("" for a scan, or another kind of file), which its page offers to whoever
    cannot read the pages' images. Kept when the document was added; for one added before (migration 0036),
    extracted at its first view, once, by the bounded renderer."""
    if document.mime_type != "application/pdf":
        return ""
    kept = await session.get(DocumentText, document.id)
    if kept is not None:
        return kept.text
    try:
        data = storage.get(document.storage_key, sha256=document.sha256)
    except FileNotFoundError:
        return ""  # nothing to keep until the file is restored
    try:
        text = (await render_pdf(data, draw=False)).text
    except Unrenderable:
        text = ""
    # Two first views at once both extract it; either's row is the same text. A deleted document keeps none.
    await begin_write(session)
    current = await session.get(Document, document.id, populate_existing=True)
    if current is not None and current.deleted_at is None:
        table = DocumentText.__table__  # type: ignore[attr-defined]
        keep = upsert(session.get_bind().dialect.name, table, ("document_id",))
        await session.exec(keep, params={"document_id": document.id, "text": text})  # type: ignore[call-overload]
    await session.commit()
    return text
