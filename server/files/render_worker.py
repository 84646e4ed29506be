"""The processes that turn a PDF into page images, inside hard limits.

PDFium is C code that is not thread-safe and cannot be interrupted: a hostile or broken PDF can
take seconds per page or all the memory there is. So each PDF is read in a process of its own,
with an address-space and a CPU-time limit set before the PDF is opened; the server (pages.py)
also kills it after a wall-clock limit. No process reads two PDFs: a fault in PDFium cannot carry
one patient's pages into another's.

Starting Python and loading PDFium and Pillow for each PDF cost ~150 ms of a one-page PDF's ~220
(bench/RESULTS.md). So each server process starts one fork server (`python -m
server.files.render_worker FD`), which loads them once, reads no PDF, and forks a child per PDF.
On its control socket FD the server sends one byte ("d": draw the pages, "t": the text alone) with
a socket of the child's own; the fork server answers the child's pid (4 bytes, -1 if it could not
fork) with a pidfd of it. On its socket the child reads the PDF to its end, then writes one JSON object (never a
pickle: the server trusts no object a PDF could shape) and exits:
{"pages": [{"width", "height", "png" (base64)}], "text": the PDF's text (for search)} or {"refused": reason}.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import os
import resource
import signal
import socket
import struct
import sys
from collections.abc import Callable

MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes of address space for the whole child
CPU_SECONDS = 60
# A page fills a phone's width: 360 to 400 CSS px at up to 3 device pixels each (1,080-1,200), so its
# text stays sharp there. An A4 page costs ~150 kB (~120 kB at the former 1,000 px, on the demo's PDFs);
# the widest page allowed (MAX_ASPECT) is a 1,200 x 9,600 bitmap, 46 MB, far inside MEMORY_LIMIT.
PAGE_WIDTH_PX = 1200
MAX_PAGES = 100
MAX_ASPECT = 8  # a page at most 8 times taller than wide, or wider than tall (a long receipt, an ECG strip)
MAX_TEXT = 100_000  # characters of text kept for search


def render(data: bytes, *, draw: bool = True) -> dict:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        # Encrypted with a user password (no page opens without it), or by a security handler PDFium lacks
        # (a certificate, a rights-management plug-in): the PDF is sound, saving it without protection is the fix.
        # An owner password alone (printing or copying forbidden) opens, and is accepted.
        locked = {pypdfium2.raw.FPDF_ERR_PASSWORD: "password", pypdfium2.raw.FPDF_ERR_SECURITY: "protected"}
        return {"refused": locked.get(error.err_code, "unreadable")}
    except Exception:  # noqa: BLE001 - PDFium's other errors all mean "not a PDF we can open"
        return {"refused": "unreadable"}
    try:
        count = len(pdf)
        if count == 0:
            return {"refused": "unreadable"}
        if count > MAX_PAGES:
            return {"refused": "too_many_pages"}
        sizes = [pdf[i].get_size() for i in range(count)]
        # Every page is checked before any is drawn: one bad page refuses the document at once.
        if any(w <= 0 or h <= 0 or h / w > MAX_ASPECT or w / h > MAX_ASPECT for w, h in sizes):
            return {"refused": "page_shape"}
        pages, text = [], []
        for index, (width, _height) in enumerate(sizes):
            page = pdf[index]
            try:
                if sum(map(len, text)) < MAX_TEXT:
                    text.append(page.get_textpage().get_text_range())
                if not draw:
                    continue
                image = page.render(scale=PAGE_WIDTH_PX / width).to_pil()
            except Exception:  # noqa: BLE001 - out of memory inside PDFium surfaces as its own error
                return {"refused": "too_complex"}
            out = io.BytesIO()
            image.save(out, format="PNG", compress_level=3)  # optimize=True costs ~8x the time (bench/reads.py)
            pages.append({"width": image.width, "height": image.height, "png": base64.b64encode(out.getvalue()).decode()})
        return {"pages": pages, "text": "\n".join(text)[:MAX_TEXT]}
    finally:
        pdf.close()


def child(channel: socket.socket, draw: bool) -> None:
    """In the process forked for one PDF: its limits first, then the PDF, then one answer."""
    quiet = os.open(os.devnull, os.O_WRONLY)  # PDFium's warnings and any traceback go nowhere: no log of a PDF
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    data = read_to_end(channel)
    try:
        result = render(data, draw=draw)
    except MemoryError:
        result = {"refused": "too_complex"}
    channel.sendall(json.dumps(result).encode())
    channel.close()


def read_to_end(channel: socket.socket) -> bytes:
    chunks = []
    while chunk := channel.recv(1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def serve(control: socket.socket, run: Callable[[socket.socket, bool], None] = child) -> None:
    """Fork a child for each request on `control`, until the server process closes it. The answer is the child's
    pid and a pidfd of it, opened before the child can be reaped: the server kills it through that, never by a pid
    another process may have taken since."""
    signal.signal(signal.SIGCHLD, lambda _signal, _frame: _reap())
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not message or len(fds) != 1:
            return
        channel = socket.socket(fileno=fds[0])
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # not reaped before its pidfd is open
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:
            try:
                control.close()
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
                run(channel, message == b"d")
            finally:
                os._exit(0)
        channel.close()
        try:
            if pid > 0:
                pidfd = os.pidfd_open(pid)
                socket.send_fds(control, [struct.pack("!i", pid)], [pidfd])
                os.close(pidfd)
            else:
                control.sendall(struct.pack("!i", -1))
        except OSError:
            return
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


def _reap() -> None:
    """Every child that has ended, killed or done."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    for name in ("pypdfium2", "PIL.Image", "PIL.PngImagePlugin"):  # loaded once here, for every child
        importlib.import_module(name)
    serve(socket.socket(fileno=int(sys.argv[-1])))


if __name__ == "__main__":
    main()
