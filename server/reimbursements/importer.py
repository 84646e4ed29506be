"""Loading reimbursement lines into dossiers: idempotent, corrections replace, nothing unmatched is lost.

Lines are matched to dossiers by INS. A line already loaded (same `id_ligne`) is left alone, unless
this one was processed later (`date_traitement`), or the same day with other content: then it
replaces the earlier one (a correction). A line processed earlier than the one kept is ignored. A line
never changes patient: a file that sends a loaded `id_ligne` with another INS is refused whole, before
anything is written, in the same words whether either INS has a dossier or not. Care older than
Carnet keeps (history.KEPT_MONTHS, by its date of care) is left out, and the report says so. A line
whose INS has no dossier yet is kept aside and attached when that patient's dossier is created
(`attach_waiting`), until it ages past what Carnet keeps (retention.py purges it). Each dossier
that receives lines gets one event in its access log, from the Assurance Maladie, saying how many,
in the same transaction as the lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import CARE_LINES, in_french
from ..i18n.formats import date_fr
from ..models import Dossier, Patient, ReimbursementLine, new_id, paris_today, utcnow
from .history import KEPT_MONTHS, kept_since
from .layout import LayoutError, Line

INSURER = audit.Actor(None, "system", "Assurance Maladie")
BATCH = 500  # lines per transaction: a dossier's chain lock is held for one batch at most
TABLE = ReimbursementLine.__table__  # type: ignore[attr-defined]  # Core statements: 500 rows, no 500 models
FIELDS = ("care_date", "processed_on", "code_system", "code", "label", "performer", "performer_rpps", "prescriber",
          "quantity", "spent_cents", "base_cents", "reimbursed_cents")


@dataclass
class Report:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0  # a later version of the line was already loaded
    waiting: list[int] = field(default_factory=list)  # file line numbers whose INS matches no dossier yet
    too_old: list[int] = field(default_factory=list)  # file line numbers of care older than Carnet keeps
    since: date | None = None  # the first day of care Carnet keeps
    dossiers: int = 0

    def summary(self) -> str:
        parts = [f"{self.added} ligne(s) ajoutée(s)", f"{self.replaced} corrigée(s)", f"{self.unchanged} déjà chargée(s)"]
        if self.older:
            parts.append(f"{self.older} plus ancienne(s) qu'une version déjà chargée, ignorée(s)")
        text = ", ".join(parts) + f", dans {self.dossiers} dossier(s)."
        if self.too_old:
            text += (f"\n{len(self.too_old)} ligne(s) de soins d'avant le {date_fr(self.since)} "
                     f"(lignes {_numbers(self.too_old)}) : non chargée(s), Carnet ne garde que les soins des "
                     f"{KEPT_MONTHS} derniers mois, ceux que la page Soins montre.")
        if self.waiting:
            text += (f"\n{len(self.waiting)} ligne(s) sans dossier pour leur INS (lignes {_numbers(self.waiting)}) : "
                     f"gardées tant que leurs soins ont moins de {KEPT_MONTHS} mois, elles rejoindront le dossier "
                     "s'il est créé d'ici là.")
        return text


def _numbers(lines: list[int]) -> str:
    return ", ".join(str(n) for n in lines[:20]) + (" …" if len(lines) > 20 else "")


async def load(session: AsyncSession, lines: list[Line], *, today: date | None = None) -> Report:
    """Load the lines of care Carnet keeps on `today` (Paris's, unless given), or LayoutError (nothing written) if
    one would move a loaded line to another patient."""
    await _refuse_other_patients(session, lines)
    since = kept_since(today or paris_today())
    report = Report(too_old=[line.number for line in lines if line.care_date < since], since=since)
    lines = [line for line in lines if line.care_date >= since]
    touched: set[str] = set()
    for start in range(0, len(lines), BATCH):
        await _load_batch(session, lines[start:start + BATCH], report, touched)
    report.dossiers = len(touched)
    return report


def _other_patient(line: Line) -> str:
    # Said from what the insurer itself sent, never from the dossiers: the same words whether the earlier INS
    # or this one has a dossier, so the refusal tells no more than the feed's answers already do.
    return (f"Ligne {line.number} : l'identifiant {line.line_ref} a déjà été reçu avec un autre INS : "
            "une ligne ne change jamais de patient.")


async def _refuse_other_patients(session: AsyncSession, lines: list[Line]) -> None:
    """LayoutError if a line's `id_ligne` was loaded before with another INS (first 50 problems)."""
    problems: list[str] = []
    for start in range(0, len(lines), BATCH):
        batch = lines[start:start + BATCH]
        kept = dict((await session.exec(select(ReimbursementLine.line_ref, ReimbursementLine.ins).where(
            col(ReimbursementLine.line_ref).in_([line.line_ref for line in batch])))).all())
        problems += [_other_patient(line) for line in batch if kept.get(line.line_ref, line.ins) != line.ins]
        if len(problems) >= 50:
            break
    if problems:
        raise LayoutError(problems[:50])


async def _load_batch(session: AsyncSession, batch: list[Line], report: Report, touched: set[str]) -> None:
    """One batch in one short write transaction: what to write is decided from one read of the kept versions,
    written with a statement per kind of change and one read of the chain heads (audit.append_each), so
    the write lock (SQLite's, for the whole database) is held for a few statements, not a row at a time."""
    dossier_of = dict((await session.exec(
        select(Patient.ins, Dossier.id).join(Dossier, col(Dossier.patient_id) == Patient.id)
        .where(col(Patient.ins).in_({line.ins for line in batch})))).all())
    await audit.begin_chained(session)
    # Read again under the lock: another load may have written some of these lines since.
    kept_columns = [TABLE.c.line_ref, TABLE.c.ins, TABLE.c.dossier_id, *(TABLE.c[name] for name in FIELDS)]
    connection = await session.connection()  # Core rows and executemany: no model built per line
    existing = {row.line_ref: row for row in (await connection.execute(
        select(*kept_columns).where(TABLE.c.line_ref.in_([line.line_ref for line in batch])))).all()}
    now = utcnow()
    inserts: list[dict] = []
    updates: list[dict] = []
    received: Counter[str] = Counter()
    for line in batch:
        dossier_id = dossier_of.get(line.ins)
        values = {name: getattr(line, name) for name in FIELDS}
        kept = existing.get(line.line_ref)
        if kept is not None and kept.ins != line.ins:
            # Only when another load wrote this line since _refuse_other_patients: this batch is not written.
            await session.rollback()
            raise LayoutError([_other_patient(line)])
        if kept is not None and line.processed_on < kept.processed_on:
            report.older += 1
            continue
        if kept is None:
            inserts.append({"id": new_id(), "line_ref": line.line_ref, "ins": line.ins, "dossier_id": dossier_id,
                            "imported_at": now, **values})
            outcome = "added"
        elif all(getattr(kept, name) == value for name, value in values.items()):
            outcome = "unchanged"
            if kept.dossier_id is None and dossier_id is not None:  # it waited for its dossier, which exists now
                updates.append({"ref": line.line_ref, "ins": line.ins, "dossier_id": dossier_id,
                                "imported_at": now, **values})
                outcome = "added"
        else:
            updates.append({"ref": line.line_ref, "ins": line.ins, "dossier_id": dossier_id, "imported_at": now,
                            **values})
            outcome = "replaced"
        existing[line.line_ref] = SimpleNamespace(line_ref=line.line_ref, ins=line.ins, dossier_id=dossier_id, **values)
        if dossier_id is None:
            report.waiting.append(line.number)  # kept, and counted here alone
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            received[dossier_id] += 1
    if inserts:
        await connection.execute(insert(TABLE), inserts)
    if updates:
        await connection.execute(TABLE.update().where(TABLE.c.line_ref == bindparam("ref"))
                              .values({name: bindparam(name) for name in (*FIELDS, "ins", "dossier_id", "imported_at")}),
                              updates)
    await audit.append_each(session, actor=INSURER, entries=[
        (dossier_id, "care_received", in_french(CARE_LINES, count)) for dossier_id, count in received.items()])
    touched.update(received)
    await audit.commit_chained(session)


async def attach_waiting(session: AsyncSession, *, ins: str, dossier_id: str) -> int:
    """Lines that arrived before the patient's dossier: theirs now (in the caller's transaction), but those aged past
    what Carnet keeps, which no page would show and the next purge removes (retention.py)."""
    result = await session.exec(update(ReimbursementLine)  # type: ignore[call-overload]
                                .where(col(ReimbursementLine.ins) == ins, col(ReimbursementLine.dossier_id).is_(None),
                                       col(ReimbursementLine.care_date) >= kept_since(paris_today()))
                                .values(dossier_id=dossier_id))
    return result.rowcount
