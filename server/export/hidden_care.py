"""The care a copy says its patient hid from professionals, hidden again where the copy is read back (restore.py).

The Assurance Maladie's feed brings a dossier its care, by INS, and a copy does not stand in for it; but only the
copy knows what the patient hid. A hidden line this installation holds already is hidden again; one it does not
hold yet is filed from the copy, checked as a line of the insurer's file is (reimbursements/layout.py), hidden: the
feed that brings it later finds it loaded, and keeps it hidden through a correction (reimbursements/importer.py); one
the insurer cancelled here is not.
Care older than Carnet keeps (reimbursements/retention.py), which an older copy may hold, is left out, as the feed
leaves it out.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import CARE_LINES, in_french
from ..models import Dossier, ReimbursementLine, RetractedLine
from ..reimbursements.hiding import logged_name
from ..reimbursements.importer import FIELDS
from ..reimbursements.layout import COLUMNS, MAX_BYTES, LayoutError, Line, read
from .carefiles import CARE_CSV_NAME, INSURER_ID_COLUMN
from .mapping import NotRestorable

# The insurer's file's columns (layout.COLUMNS but the INS), as the copy's CSV names them (carefiles.CARE_COLUMNS).
AS_IN_THE_COPY = {"id_ligne": INSURER_ID_COLUMN, "date_soins": "date des soins",
                  "date_traitement": "date de traitement", "nomenclature": "nomenclature", "code": "code",
                  "libelle": "libellé", "executant": "exécutant", "rpps_executant": "RPPS exécutant",
                  "prescripteur": "prescripteur", "quantite": "quantité", "depense": "payé (€)",
                  "base": "base de remboursement (€)", "rembourse": "remboursé (€)"}
HIDDEN_COLUMN = "masqué aux professionnels"
FORMULA = ("=", "+", "-", "@", "\t", "\r", "'")  # what accesslog.csvrows.spreadsheet_safe put an apostrophe before


def as_written(cell: str) -> str:
    """A text cell as it was before spreadsheet_safe gave it an apostrophe."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA else cell


def hidden_in_copy(archive: zipfile.ZipFile, *, ins: str, since: date) -> list[Line]:
    """The lines of care since `since` the copy says its patient hid, read as the insurer's file would be;
    NotRestorable for one that is not a line of care. A copy made before it held the care hid none."""
    try:
        info = archive.getinfo(CARE_CSV_NAME)
    except KeyError:
        return []
    unreadable = NotRestorable(f"Les soins remboursés de la copie ({CARE_CSV_NAME}) sont illisibles.")
    if info.file_size > MAX_BYTES:
        raise unreadable
    try:
        rows = list(csv.DictReader(io.StringIO(archive.read(info).decode("utf-8-sig"), newline=""), delimiter=";"))
    except (ValueError, csv.Error, zipfile.BadZipFile, OSError):  # UnicodeDecodeError is a ValueError
        raise unreadable from None
    hidden = [row for row in rows if row.get(HIDDEN_COLUMN) == "oui"]
    if not hidden:
        return []
    insurers = io.StringIO()
    writer = csv.writer(insurers, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([ins, *(as_written(row.get(name) or "") for name in AS_IN_THE_COPY.values())] for row in hidden)
    try:
        lines = read(insurers.getvalue().encode())
    except LayoutError as refused:  # its line number is the rebuilt file's: the reason alone says something
        raise NotRestorable("Un soin masqué de la copie n'est pas un soin valable : "
                            f"{refused.problems[0].partition(' : ')[2] or refused.problems[0]}") from None
    return [line for line in lines if line.care_date >= since]


async def hide_again(session: AsyncSession, *, dossier: Dossier, lines: list[Line], actor: audit.Actor) -> int:
    """Each line hidden in this dossier, filed from the copy where it is not here yet, with its events, in the
    caller's chained transaction (restore.write_documents); NotRestorable, before any write, for a line this
    installation holds for another patient. Returns how many were filed from the copy."""
    refs = [line.line_ref for line in lines]
    here = {line.line_ref: line for line in (await session.exec(select(ReimbursementLine).where(
        col(ReimbursementLine.line_ref).in_(refs)))).all()} if lines else {}
    cancelled = {gone.line_ref: gone for gone in (await session.exec(select(RetractedLine).where(
        col(RetractedLine.line_ref).in_(refs)))).all()} if lines else {}
    if any((here.get(line.line_ref) or cancelled.get(line.line_ref) or line).ins != line.ins for line in lines):
        raise NotRestorable("La copie masque un soin que l'Assurance Maladie a envoyé ici pour un autre patient : "
                            "un soin ne change jamais de patient.")
    # A line the insurer cancelled here stays cancelled: only its feed brings it back (importer.py), hidden.
    for line in lines:
        if (gone := cancelled.get(line.line_ref)) is not None and not gone.hidden:
            gone.hidden = True
            session.add(gone)
    lines = [line for line in lines if line.line_ref not in cancelled]
    filed = [ReimbursementLine(line_ref=line.line_ref, ins=line.ins, dossier_id=dossier.id, hidden=True,
                               **{name: getattr(line, name) for name in FIELDS})
             for line in lines if line.line_ref not in here]
    shown_here = [here[line.line_ref] for line in lines if line.line_ref in here and not here[line.line_ref].hidden]
    if filed:
        session.add_all(filed)
        await audit.append(session, dossier_id=dossier.id, action="care_received", actor=actor,
                           detail=in_french(CARE_LINES, len(filed)))
    for line in shown_here:
        line.hidden = True
        session.add(line)
    for line in [*filed, *shown_here]:
        await audit.append(session, dossier_id=dossier.id, action="care_hide", actor=actor,
                           detail=logged_name(line.label, line.care_date))
    return len(filed)
