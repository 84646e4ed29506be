"""The reimbursed care in a dossier's copy (archive.py): the lines of the Soins page as a CSV a spreadsheet opens
(the format of the page's own download too, views/care.py), and as a Bundle of FHIR ExplanationOfBenefits
(claims.py) a health software reads. Both hold what the copy's maker sees there (reimbursements/seen.py: the rule,
and nothing kept from a minor's parents), over the period the page shows, each read a batch at a time and written as
it is read, as the log's files are (logfiles.py)."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import TextIO

from fhir.resources.R4B.bundle import Bundle
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import Visibility
from ..accesslog.csvrows import spreadsheet_safe
from ..fhir.resources import fhir_instant
from ..models import Patient, ReimbursementLine
from ..reimbursements.history import kept_since
from ..reimbursements.seen import seen_batches
from ..templating import PARIS
from .claims import explanation_of_benefit
from .logfiles import entry_info

CARE_CSV_NAME = "soins-rembourses.csv"
CARE_FHIR_NAME = "soins-rembourses-explanationofbenefit.json"
CARE_BATCH = 1000  # lines read at a time, as the log's LOG_BATCH events
# What a legal representative's copy leaves out, whether or not anything is kept from them: the insurer's ids of
# the lines may follow one another, and their gaps would tell that some are kept (as the log's numbering would:
# caregivers/confidential.py). No page shows them; every other copy keeps them, to name a line to the insurer.
INSURER_ID_COLUMN = "id ligne"
# One fixed French format, as the log's CSV (accesslog/csvrows.py): the copy is a French document.
CARE_COLUMNS = ["date des soins", "nomenclature", "code", "libellé", "quantité", "exécutant", "RPPS exécutant",
                "prescripteur", "payé (€)", "base de remboursement (€)", "remboursé (€)",
                # What was paid less what the Assurance Maladie paid back; a complementary insurer may pay part of it.
                "reste à charge après l'Assurance Maladie (€)", "masqué aux professionnels", "date de traitement",
                INSURER_ID_COLUMN]
# An ExplanationOfBenefit's fullUrl: a UUID of its own, the same in every copy, as the log's AuditEvents
# (logfiles.EVENT_NAMESPACE): version 5, of Carnet's id of the line (random, kept by a correction), never of the
# insurer's, which a representative could find again by trying ids in turn.
LINE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:carnet:fhir:soins")


def care_since(now: datetime) -> date:
    """The first day of care the copy holds: what Carnet shows and keeps (older lines are shown to no one)."""
    return kept_since(now.astimezone(PARIS).date())


def amount(cents: int) -> str:
    """Euros as a French spreadsheet reads a number, and as the insurer's file writes it: "30,00"."""
    return f"{cents // 100},{cents % 100:02d}"


def care_row(line: ReimbursementLine) -> list[str]:
    label, performer, prescriber = (spreadsheet_safe(t) for t in (line.label, line.performer, line.prescriber))
    return [line.care_date.isoformat(), line.code_system, line.code, label, str(line.quantity), performer,
            line.performer_rpps, prescriber, amount(line.spent_cents), amount(line.base_cents),
            amount(line.reimbursed_cents), amount(line.spent_cents - line.reimbursed_cents),
            "oui" if line.hidden else "non", line.processed_on.isoformat(),
            spreadsheet_safe(line.line_ref)]


class CareCsv:
    """Lines of care written as rows of CARE_COLUMNS (less INSURER_ID_COLUMN unless `insurer_ids`) on `text`, its
    header first, separated by ";" as the log's CSV; the BOM a French Excel needs is the caller's to write."""

    def __init__(self, text: TextIO, *, insurer_ids: bool = True) -> None:
        self.width = len(CARE_COLUMNS) if insurer_ids else len(CARE_COLUMNS) - 1
        self.writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        self.writer.writerow(CARE_COLUMNS[:self.width])

    def write(self, lines: Iterable[ReimbursementLine]) -> None:
        self.writer.writerows(care_row(line)[:self.width] for line in lines)


async def write_care_csv(session: AsyncSession, archive: zipfile.ZipFile, *, dossier_id: str, visible: Visibility,
                         since: date, now: datetime, insurer_ids: bool = True) -> int:
    """The lines as CareCsv writes them, newest first (the Soins page's order), with a BOM; returns how many."""
    count = 0
    with archive.open(entry_info(CARE_CSV_NAME, now), "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # the BOM: a French Excel reads accents
        rows = CareCsv(text, insurer_ids=insurer_ids)
        async for lines in seen_batches(session, dossier_id=dossier_id, visible=visible, since=since,
                                       size=CARE_BATCH):
            rows.write(lines)
            count += len(lines)
        text.flush()
        text.detach()
    return count


async def write_care_claims(session: AsyncSession, archive: zipfile.ZipFile, *, patient: Patient, dossier_id: str,
                            visible: Visibility, since: date, now: datetime, insurer_ids: bool = True) -> None:
    """A Bundle of type collection, one ExplanationOfBenefit per line, in the CSV's order (with the insurer's id of
    each as the CSV has it): each entry validated on its own and the envelope once, written as it is read
    (logfiles.write_audit_events)."""
    envelope = Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "timestamp": fhir_instant(now)})
    head = envelope.model_dump_json(exclude_none=True)
    with archive.open(entry_info(CARE_FHIR_NAME, now), "w") as out:
        out.write(head[:-1].encode())
        written = 0
        async for lines in seen_batches(session, dossier_id=dossier_id, visible=visible, since=since,
                                       size=CARE_BATCH):
            for line in lines:
                entry = {"fullUrl": f"urn:uuid:{uuid.uuid5(LINE_NAMESPACE, line.id)}",
                         "resource": explanation_of_benefit(line, patient=patient, insurer_id=insurer_ids)
                         .model_dump(mode="json", exclude_none=True)}
                out.write((b",\n" if written else b',"entry":[\n') + json.dumps(entry, ensure_ascii=False).encode())
                written += 1
        # No line, no `entry`: FHIR's JSON has no empty array.
        out.write(b"\n]}\n" if written else b"}\n")
