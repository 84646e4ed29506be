"""The copy's `synthese.pdf`: the dossier as a person reads it on paper (identity, profil médical, documents,
and how many lines of reimbursed care the archive holds)."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import ImageFont

from ..dossiers import author_title
from ..identifiers import identity_of
from ..models import CATEGORIES, Document, Patient
from ..profile.items import Profile
from ..profile.wording import describe, in_reading_order
from ..profile.kinds import AGREED, GENDER, KINDS, NATURES, ORDER
from ..templating import PARIS, date_fr, datetime_fr, de
from .carefiles import CARE_CSV_NAME, CARE_FHIR_NAME

if TYPE_CHECKING:
    from ..authors import AuthorLabels

NBSP = "\u00a0"
INK = (29, 78, 216)  # the site's theme colour
GREY = (90, 90, 90)


@functools.cache
def font_file(name: str) -> str | None:
    """A system font's path, found the way the demo's pictures find theirs (server/demo/images.py)."""
    try:
        return ImageFont.truetype(name, 10).path
    except OSError:
        return None


def quoted(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"


def day(value: date | None) -> str:
    """ "17 janvier 2026", never broken between the day and the month (formats.date_fr)."""
    return date_fr(value)


def when(moment: datetime) -> str:
    return datetime_fr(moment).replace(" h ", f"{NBSP}h{NBSP}")


class _Summary(FPDF):
    footer_text = ""
    family = "Helvetica"

    def normalize_text(self, text: str) -> str:
        # Without DejaVu, the core font writes what latin-1 has (accents, guillemets) and "?" for the rest.
        if not self.is_ttf_font:
            text = text.encode("latin-1", "replace").decode("latin-1")
        return super().normalize_text(text)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.footer_text)
        self.set_x(self.l_margin)
        self.cell(0, 4, f"page {self.page_no()}/{{nb}}", align="R")

    def heading(self, text: str, size: float = 13) -> None:
        self.ln(3)
        self.set_font(self.family, "B", size)
        self.set_text_color(*INK)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 10, style: str = "") -> None:
        self.set_font(self.family, style, size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def new_pdf() -> _Summary:
    pdf = _Summary(format="A4")
    regular, bold = font_file("DejaVuSans.ttf"), font_file("DejaVuSans-Bold.ttf")
    if regular and bold:
        pdf.add_font("DejaVu", "", regular)
        pdf.add_font("DejaVu", "B", bold)
        pdf.family = "DejaVu"
    return pdf


def withdrawn_by(document: Document, authors: AuthorLabels) -> str:
    """Who withdrew a document, as the timeline says it (partials/withdrawn_line.html): its author, said of her as her
    profession is written; of either where no professional author is known."""
    if document.id in authors.women:
        return "son autrice"
    return "son auteur" if document.author_professional_id else "la personne qui l'avait ajouté"


def summary_pdf(*, patient: Patient, profile: Profile, documents: list[Document], authors: AuthorLabels,
                now: datetime, missing: frozenset[str] = frozenset(), declarers: dict[str, str] | None = None,
                whole: bool = True, care: int = 0, care_from: date | None = None) -> bytes:
    """`authors`: who each document comes from, as the timeline says it; `missing`: documents whose file could
    not be read from the store (named, so the reader knows the ZIP lacks them); `declarers`: who declared each item
    no professional wrote (items.declarers_of), as the profile page says it; not `whole`: a legal representative's
    copy, never said to be complete (ips_copy.SEEN_TAG); `care`: how many lines of reimbursed care since `care_from`
    the archive's own files hold (export/carefiles.py), said here, not listed."""
    name = f"{patient.given_name} {patient.family_name}"
    pdf = new_pdf()
    pdf.footer_text = f"Carnet — copie du dossier {de(name)}, faite le {when(now)}"
    pdf.set_title(f"Synthèse du dossier {de(name)}")
    pdf.set_author("Carnet")
    pdf.set_creator("Carnet")
    pdf.set_lang("fr")
    pdf.set_creation_date(now)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    pdf.heading(f"Synthèse du dossier {de(name)}", size=17)
    born = "Née" if patient.sex == "F" else "Né"
    pdf.paragraph(f"{born} le {day(patient.birth_date)}")
    # As the pages name it, with its status (a professional's identity band): the number whole on its line.
    identity = identity_of(patient, today=now.astimezone(PARIS).date())
    pdf.paragraph(f"Matricule INS{NBSP}: {identity.ins.replace(' ', NBSP)} ({identity.status})")
    pdf.set_text_color(*GREY)
    made = "Copie complète du dossier" if whole else "Copie du dossier, telle que vous le voyez,"
    pdf.paragraph(f"{made} faite le {when(now)}. Ce document résume ce que l'archive "
                  f"contient{NBSP}; les documents eux-mêmes sont dans le dossier {quoted('documents')} de l'archive.",
                  size=9)
    pdf.set_text_color(0, 0, 0)

    pdf.heading("Profil médical")
    if not profile:
        pdf.paragraph("Aucune information dans le profil médical.")
    for kind in ORDER:
        items = in_reading_order(kind, profile.by_kind.get(kind, []))
        if not items:
            continue
        pdf.paragraph(KINDS[kind].title, size=10.5, style="B")
        stopped_said, nature = False, ""
        for item in items:
            if kind == "treatment" and item.ended_on and not stopped_said:  # as the page: never under "en cours"
                if item is items[0]:
                    pdf.paragraph("Aucun traitement en cours.", size=9.5)
                pdf.paragraph("Traitements arrêtés", size=10.5, style="B")
                stopped_said = True
            if kind == "condition" and item.nature != nature:  # as the page, and the summary's sections
                nature = item.nature
                pdf.paragraph(NATURES[nature].heading, size=10, style="B")
            author = profile.authors.get(item.author_professional_id or "")
            themselves = "la patiente" if patient.sex == "F" else "le patient"  # as "Née" above
            who = author_title(author, in_french=True) if author else (declarers or {}).get(item.id, themselves)
            agreed = AGREED[GENDER[kind]]  # une allergie "déclarée", un traitement "déclaré" (as the page says)
            said = f"déclaré{agreed} par {who}"
            hidden = f", masqué{agreed} aux professionnels" if item.hidden else ""
            pdf.paragraph(f"•{NBSP}{describe(item)} ({said}{hidden})", size=9.5)
        pdf.ln(1.5)

    pdf.heading(f"Documents ({len(documents)})")
    if not documents:
        pdf.paragraph("Aucun document.")
    else:
        pdf.set_font(pdf.family, "", 8.5)
        with pdf.table(col_widths=(28, 72, 30, 44), text_align="LEFT", line_height=4.2, padding=1,
                       first_row_as_headings=True) as table:
            table.row(["Date", "Document", "Catégorie", "Auteur"])
            for document in documents:
                notes = [n for n, on in (("masqué aux professionnels", document.hidden),
                                         ("remplacé par une version plus récente", document.superseded_at is not None),
                                         ("fichier illisible, absent de l'archive", document.id in missing)) if on]
                title = quoted(document.title) + (f" ({', '.join(notes)})" if notes else "")
                if document.withdrawn_at is not None:  # erased: its line says so, and no title
                    by = withdrawn_by(document, authors)
                    title = f"Document ajouté le {day(document.created_at)}, retiré par {by}"
                table.row([day(document.event_date), title, CATEGORIES.get(document.category, document.category),
                           authors.get(document.id) or "—"])

    if care_from is not None:
        pdf.heading(f"Soins remboursés ({care})")
        pdf.paragraph(f"Les soins remboursés par l'Assurance Maladie depuis le {day(care_from)} sont dans l'archive, "
                      f"avec leurs montants{NBSP}: {quoted(CARE_CSV_NAME)} pour un tableur, {quoted(CARE_FHIR_NAME)} "
                      "pour un logiciel de santé." if care else
                      f"Aucun soin remboursé par l'Assurance Maladie depuis le {day(care_from)}.")
    return bytes(pdf.output())
