"""Document files for the demo dossier, made in memory: letters and reports as PDF, pictures as PNG or JPEG.

Nothing here touches the database; `server.demo` decides what each document says.
Files are deterministic: the same arguments give the same bytes (and SHA-256).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import images as demo_images

# The PDF core fonts (Helvetica...) only know latin-1: give what is outside it a plain equivalent.
_PLAIN = str.maketrans({
    "œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "“": '"', "”": '"', "€": "EUR", "…": "...", "–": "-", "—": "-",
    "≥": ">=", "≤": "<=", "β": "beta", "\u202f": " ", "\u2009": " ", "\u2011": "-",
})

INK = (24, 38, 110)
GREY = (90, 90, 90)

# A section of a document: a paragraph, (heading, paragraph), or (heading, table rows with a
# header row first[, column widths in mm]).
Section = str | tuple[str, str] | tuple[str, Sequence[Sequence[str]]] | tuple[str, Sequence[Sequence[str]], Sequence[int]]


def latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Letter(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 4, latin1(self.footer_text))
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="R")


def pdf_document(
    *,
    title: str,
    header_lines: Sequence[str],
    body_paragraphs: Sequence[Section],
    signature: str,
    patient_lines: Sequence[str] = (),
    place_date: str = "",
    created: date | None = None,
    accent: tuple[int, int, int] = (31, 78, 121),
) -> bytes:
    """An A4 letter: letterhead, patient identity block, place and date, title, sections, signature.

    `header_lines[0]` is the practice or hospital's name, the other lines its address and
    numbers; `signature` may hold several lines, the first being the signer's name.
    """
    pdf = _Letter(format="A4")
    pdf.footer_text = "Document fictif - jeu de démonstration de Carnet"
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(latin1(title))
    pdf.set_author(latin1(signature.split("\n")[0] or header_lines[0]))
    pdf.set_creator("Carnet (démonstration)")
    pdf.set_creation_date(datetime.combine(created or date(2000, 1, 1), time(9, 0), tzinfo=UTC))
    pdf.add_page()

    pdf.set_text_color(*accent)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 6, latin1(header_lines[0]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_text_color(*GREY)
    for line in header_lines[1:]:
        pdf.cell(0, 4.2, latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.6)
    pdf.line(18, pdf.get_y() + 2, 192, pdf.get_y() + 2)
    pdf.ln(6)

    if patient_lines:
        top = pdf.get_y()
        pdf.set_fill_color(241, 244, 249)
        pdf.set_draw_color(200, 208, 222)
        pdf.set_line_width(0.2)
        pdf.rect(112, top, 80, 5.5 + 4.6 * len(patient_lines), style="DF")
        pdf.set_xy(115, top + 2.5)
        pdf.set_text_color(20, 20, 20)
        for i, line in enumerate(patient_lines):
            pdf.set_font("Helvetica", "B" if i == 0 else "", 10 if i == 0 else 8.5)
            pdf.cell(74, 4.6, latin1(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_y(top + 8 + 4.6 * len(patient_lines))
    if place_date:
        pdf.set_font("Helvetica", "", 9.5)
        pdf.set_text_color(20, 20, 20)
        pdf.cell(0, 5, latin1(place_date), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font("Helvetica", "B", 13)
    pdf.set_text_color(*accent)
    _lines(pdf, latin1(title), pdf.epw, 6.5, align="C")
    pdf.ln(3)
    for section in body_paragraphs:
        _section(pdf, section, accent)

    if signature:
        _signature(pdf, signature)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section, accent: tuple[int, int, int]) -> None:
    if isinstance(section, str):
        section = ("", section)
    heading, content, widths = (*section, None) if len(section) == 2 else section
    if heading:
        if pdf.will_page_break(16):  # keep a heading with its first lines
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.set_text_color(*accent)
        pdf.cell(0, 6, latin1(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(20, 20, 20)
    if isinstance(content, str):
        pdf.set_font("Helvetica", "", 10)
        _lines(pdf, latin1(content), pdf.epw, 5)
    else:
        _table(pdf, content, widths, accent)
    pdf.ln(2.5)


def _table(pdf: FPDF, rows: Sequence[Sequence[str]], widths: Sequence[float] | None, accent) -> None:
    """A table with a shaded header row and a rule under each row.

    Hand-made with `cell()` rather than `FPDF.table()`, which was most of the demo's load time.
    """
    widths = widths or [pdf.epw / len(rows[0])] * len(rows[0])
    pdf.set_draw_color(190, 198, 210)
    pdf.set_line_width(0.2)
    for i, row in enumerate(rows):
        pdf.set_font("Helvetica", "B" if i == 0 else "", 9)
        pdf.set_text_color(*(accent if i == 0 else (20, 20, 20)))
        pdf.set_fill_color(241, 244, 249)
        cells = [wrap(pdf, latin1(cell), width - 2) for cell, width in zip(row, widths)]
        height = 5 * max(len(lines) for lines in cells)
        if pdf.will_page_break(height):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        for lines, width in zip(cells, widths):
            for k in range(height // 5):
                pdf.set_xy(x, y + 5 * k)
                pdf.cell(width, 5, lines[k] if k < len(lines) else "", fill=i == 0)
            x += width
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + sum(widths), y + height)
        pdf.set_xy(pdf.l_margin, y + height)


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap in the current font.

    `multi_cell` measures each line again at every character (quadratic), which made
    the PDFs most of the demo's load time; measuring each word once is linear.
    """
    space = pdf.get_string_width(" ")
    lines = []
    for paragraph in text.split("\n"):
        line, used = [], 0.0
        for word in paragraph.split(" "):
            w = pdf.get_string_width(word)
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0) + w
            line.append(word)
        lines.append(" ".join(line))
    return lines


def _lines(pdf: FPDF, text: str, width: float, height: float, align: str = "L") -> None:
    for line in wrap(pdf, text, width):
        pdf.cell(width, height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signature(pdf: FPDF, signature: str) -> None:
    """The signer's name, their titles, and a scribble in blue ink that is the same for the same name."""
    lines = signature.split("\n")
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_x(118)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(74, 5, latin1(lines[0]), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_text_color(*GREY)
    for line in lines[1:]:
        pdf.cell(74, 4.2, latin1(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
    # A cursive-looking loop: a slanted sine whose height and speed follow the name.
    rng = random.Random(signature)
    y = pdf.get_y() + 8
    loops, height, length = rng.randint(4, 7), rng.uniform(2.5, 4.0), rng.uniform(34, 46)
    phase = rng.uniform(0, math.pi)
    points = []
    for i in range(161):
        u = i / 160
        angle = 2 * math.pi * loops * u
        swing = height * (0.8 + 0.4 * math.sin(3 * u + phase)) * (1 - 0.5 * u)
        points.append((120 + u * length + 1.6 * math.cos(angle), y - swing * math.sin(angle)))
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.4)
    pdf.polyline(points)
    pdf.line(points[0][0] - 2, y + 5, points[-1][0] + 6, y + 3.5)


# --- pictures -------------------------------------------------------------------------------

DRAWINGS = {
    "xray_knee": demo_images.xray_knee,
    "mri_knee": demo_images.mri_knee,
    "ultrasound": demo_images.ultrasound,
    "ecg": demo_images.ecg,
    "vaccination_booklet": demo_images.vaccination_booklet,
}


def png_image(kind: str, *, seed: int = 0, **params) -> bytes:
    """A picture of `kind` (see DRAWINGS) as PNG; colour ones get a 64-colour palette to stay small."""
    image = DRAWINGS[kind](random.Random(seed), **params)
    if image.mode == "RGB":
        image = image.quantize(64)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def jpeg_image(kind: str, *, seed: int = 0, quality: int = 80, **params) -> bytes:
    """A picture of `kind` (see DRAWINGS) as JPEG, as a phone or a PACS export would give it."""
    image = DRAWINGS[kind](random.Random(seed), **params)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
