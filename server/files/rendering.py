"""Turning a stored document into something a phone can show: PDF pages as images."""

from __future__ import annotations

import io
import threading

import pypdfium2

# PDFium is not thread-safe: two renders at once in one process can crash it (seen under
# load in bench/reads.py). Calls run in worker threads, one at a time per process.
PDFIUM = threading.Lock()

PAGE_WIDTH_PX = 1000
MAX_PAGES = 50


def pdf_page_count(data: bytes) -> int:
    with PDFIUM:
        return _page_count(data)


def _page_count(data: bytes) -> int:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return min(len(pdf), MAX_PAGES)
    finally:
        pdf.close()


def pdf_page_png(data: bytes, page_number: int) -> bytes | None:
    """Page `page_number` (1-based) as a PNG about 1000 px wide, or None if there is no such page."""
    with PDFIUM:
        return _page_png(data, page_number)


def _page_png(data: bytes, page_number: int) -> bytes | None:
    pdf = pypdfium2.PdfDocument(data)
    try:
        if not 1 <= page_number <= min(len(pdf), MAX_PAGES):
            return None
        page = pdf[page_number - 1]
        scale = PAGE_WIDTH_PX / page.get_width()
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=3)  # optimize=True costs ~8x the time (bench/reads.py)
        return out.getvalue()
    finally:
        pdf.close()
