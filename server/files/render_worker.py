"""The child process that turns a PDF into page images, inside hard limits.

PDFium is C code that is not thread-safe and cannot be interrupted: a hostile or broken PDF can
take seconds per page or all the memory there is. So it runs here, in a process of its own, with
an address-space and a CPU-time limit set before the PDF is opened; the parent (pages.py) also
kills it after a wall-clock limit. Input: the PDF on stdin. Output: one JSON object on stdout,
{"pages": [{"width", "height", "png" (base64)}], "text": the PDF's text (for search)} or {"refused": reason}.
"""

from __future__ import annotations

import base64
import io
import json
import resource
import sys

MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes of address space for the whole child
CPU_SECONDS = 60
# A page fills a phone's width: 360 to 400 CSS px at up to 3 device pixels each (1,080-1,200), so its
# text stays sharp there. An A4 page costs ~150 kB (~120 kB at the former 1,000 px, on the demo's PDFs);
# the widest page allowed (MAX_ASPECT) is a 1,200 x 9,600 bitmap, 46 MB, far inside MEMORY_LIMIT.
PAGE_WIDTH_PX = 1200
MAX_PAGES = 100
MAX_ASPECT = 8  # a page at most 8 times taller than wide, or wider than tall (a long receipt, an ECG strip)
MAX_TEXT = 100_000  # characters of text kept for search


def render(data: bytes) -> dict:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception:  # noqa: BLE001 - PDFium's errors all mean "not a PDF we can open"
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
                image = page.render(scale=PAGE_WIDTH_PX / width).to_pil()
                if sum(map(len, text)) < MAX_TEXT:
                    text.append(page.get_textpage().get_text_range())
            except Exception:  # noqa: BLE001 - out of memory inside PDFium surfaces as its own error
                return {"refused": "too_complex"}
            out = io.BytesIO()
            image.save(out, format="PNG", compress_level=3)  # optimize=True costs ~8x the time (bench/reads.py)
            pages.append({"width": image.width, "height": image.height, "png": base64.b64encode(out.getvalue()).decode()})
        return {"pages": pages, "text": "\n".join(text)[:MAX_TEXT]}
    finally:
        pdf.close()


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    data = sys.stdin.buffer.read()
    try:
        result = render(data)
    except MemoryError:
        result = {"refused": "too_complex"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
