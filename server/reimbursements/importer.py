"""Loading reimbursement lines into dossiers: idempotent, corrections replace, cancellations delete, nothing
unmatched is lost.

Lines are matched to dossiers by INS. A line already loaded (same `id_ligne`) is left alone, unless
this one was processed later (`date_traitement`), or the same day with other content: then it
replaces the earlier one (a correction). A line processed earlier than the one kept is ignored. A
cancellation (layout.py) deletes the line, and Carnet remembers it (RetractedLine): a version processed
no later than the cancellation is ignored, a later one brings the line back. A line never changes
patient, cancelled or not: a file that sends a known `id_ligne` with another INS is refused whole, before
anything is written, in the same words whether either INS has a dossier or not. Care older than
Carnet keeps (history.KEPT_MONTHS, by its date of care) is left out, and the report says so; if it
corrects a line Carnet holds, that line's earlier version is deleted as by a cancellation, rather than
shown as if the correction had not come. A line whose INS has no dossier yet is kept aside and attached
when that patient's dossier is created (`attach_waiting`), until it ages past what Carnet keeps
(retention.py purges it). Each dossier whose care changes gets an event in its access log for each kind
of change (added, corrected, removed), from the system that sent the file, saying how many lines, in the
same transaction as the lines: never which lines were removed, since a line sent for the wrong patient is
another person's care.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, insert, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import CARE_LINES, in_french
from ..i18n.formats import date_fr
from ..models import Dossier, Patient, ReimbursementLine, RetractedLine, new_id, paris_today, utcnow
from .history import KEPT_MONTHS, kept_since
from .layout import MAX_PROBLEMS, LayoutError, Line

INSURER = audit.Actor(None, "system", "Assurance Maladie")
FEED_LOCK = int.from_bytes(hashlib.sha256(b"carnet/reimbursements/feed").digest()[:8], "big", signed=True)
BATCH = 500  # lines per transaction: a dossier's chain lock is held for one batch at most
TABLE = ReimbursementLine.__table__  # type: ignore[attr-defined]  # Core statements: 500 rows, no 500 models
FIELDS = ("care_date", "processed_on", "code_system", "code", "label", "performer", "performer_rpps", "prescriber",
          "quantity", "spent_cents", "base_cents", "reimbursed_cents")


@dataclass
class Report:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    cancelled: int = 0  # lines deleted by a cancellation, from a dossier or waiting for one
    older: int = 0  # a later version of the line was already loaded, or its cancellation
    waiting: list[int] = field(default_factory=list)  # file line numbers whose INS matches no dossier yet
    too_old: list[int] = field(default_factory=list)  # file line numbers of care older than Carnet keeps
    removed: list[int] = field(default_factory=list)  # of those, corrections whose earlier version was deleted
    cancelled_unknown: list[int] = field(default_factory=list)  # cancellations of a line Carnet does not hold
    since: date | None = None  # the first day of care Carnet keeps
    dossiers: int = 0

    def summary(self) -> str:
        parts = [f"{self.added} ligne(s) ajoutée(s)", f"{self.replaced} corrigée(s)", f"{self.unchanged} déjà chargée(s)"]
        if self.cancelled:
            parts.append(f"{self.cancelled} annulée(s)")
        if self.older:
            parts.append(f"{self.older} plus ancienne(s) qu'une version déjà chargée ou que son annulation, ignorée(s)")
        text = ", ".join(parts) + f", dans {self.dossiers} dossier(s)."
        if self.too_old:
            text += (f"\n{len(self.too_old)} ligne(s) de soins d'avant le {date_fr(self.since)} "
                     f"({_numbers(self.too_old)}) : non chargée(s), Carnet ne garde que les soins des "
                     f"{KEPT_MONTHS} derniers mois, ceux que la page Soins montre.")
        if self.removed:
            text += (f"\n{len(self.removed)} d'entre elles ({_numbers(self.removed)}) corrige(nt) une ligne "
                     "que Carnet avait : sa version précédente est retirée.")
        if self.cancelled_unknown:
            text += (f"\n{len(self.cancelled_unknown)} annulation(s) d'une ligne que Carnet n'a pas ("
                     f"{_numbers(self.cancelled_unknown)}) : notée(s), la ligne ne sera pas chargée si elle arrive "
                     "avec une date de traitement antérieure ou égale.")
        if self.waiting:
            text += (f"\n{len(self.waiting)} ligne(s) sans dossier pour leur INS ({_numbers(self.waiting)}) : "
                     f"gardées tant que leurs soins ont moins de {KEPT_MONTHS} mois, elles rejoindront le dossier "
                     "s'il est créé d'ici là.")
        return text


def _numbers(lines: list[int]) -> str:
    """"ligne 4", "lignes 2, 5, 6": the file's line numbers, the first 20."""
    word = "ligne" if len(lines) == 1 else "lignes"
    return f"{word} " + ", ".join(str(n) for n in lines[:20]) + (" …" if len(lines) > 20 else "")


async def load(session: AsyncSession, lines: list[Line], *, today: date | None = None,
               actor: audit.Actor = INSURER) -> Report:
    """Load the lines of care Carnet keeps on `today` (Paris's, unless given), their changes logged as `actor`'s
    (the system that sent them), or LayoutError (nothing written) if one would move a line to another patient."""
    await _refuse_other_patients(session, lines)
    report = Report(since=kept_since(today or paris_today()))
    touched: set[str] = set()
    for start in range(0, len(lines), BATCH):
        await _load_batch(session, lines[start:start + BATCH], report, touched, actor)
    report.dossiers = len(touched)
    return report


def _other_patient(line: Line) -> str:
    # Said from what the insurer itself sent, never from the dossiers: the same words whether the earlier INS
    # or this one has a dossier, so the refusal tells no more than the feed's answers already do.
    return (f"Ligne {line.number} : l'identifiant {line.line_ref} a déjà été reçu avec un autre INS : "
            "une ligne ne change jamais de patient.")


async def _refuse_other_patients(session: AsyncSession, lines: list[Line]) -> None:
    """LayoutError if a line's `id_ligne` was received before with another INS, loaded or cancelled since (the first
    MAX_PROBLEMS, and how many more)."""
    problems: list[str] = []
    for start in range(0, len(lines), BATCH):
        batch = lines[start:start + BATCH]
        refs = [line.line_ref for line in batch]
        known = dict((await session.exec(select(ReimbursementLine.line_ref, ReimbursementLine.ins).where(
            col(ReimbursementLine.line_ref).in_(refs)))).all())
        known |= dict((await session.exec(select(RetractedLine.line_ref, RetractedLine.ins).where(
            col(RetractedLine.line_ref).in_(refs)))).all())
        problems += [_other_patient(line) for line in batch if known.get(line.line_ref, line.ins) != line.ins]
    if problems:
        raise LayoutError(problems[:MAX_PROBLEMS], more=max(0, len(problems) - MAX_PROBLEMS))


RETRACTED = RetractedLine.__table__  # type: ignore[attr-defined]


def _stale(line: Line, kept: Any, cancelled: Any) -> bool:
    """Whether Carnet holds a later state of the line than this one: a version processed after it, or its cancellation
    processed the same day or after (a cancellation wins a tie, so a file sent again never undoes it)."""
    if kept is not None:
        return line.processed_on < kept.processed_on
    if cancelled is not None:
        return line.processed_on < cancelled.processed_on or (line.processed_on == cancelled.processed_on
                                                              and not line.cancelled)
    return False


async def _load_batch(session: AsyncSession, batch: list[Line], report: Report, touched: set[str],
                      actor: audit.Actor) -> None:
    """One batch in one short write transaction: what to write is decided from one read of the kept versions (and
    of the lines cancelled), written with a statement per kind of change and one read of the chain heads
    (audit.append_each), so the write lock (SQLite's, for the whole database) is held for a few statements, not a
    row at a time."""
    dossier_of = dict((await session.exec(
        select(Patient.ins, Dossier.id).join(Dossier, col(Dossier.patient_id) == Patient.id)
        .where(col(Patient.ins).in_({line.ins for line in batch})))).all())
    await audit.begin_chained(session)
    if session.get_bind().dialect.name == "postgresql":
        # One batch of the feed at a time, as SQLite's write lock has it: the decisions below are made from what
        # this reads, and two loads deciding from the same rows (a cancellation and a correction of one line, one
        # cancellation sent twice at once) wrote over each other, or one failed on the other's row.
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=FEED_LOCK))  # type: ignore[call-overload]
    # Read again under the lock: another load may have written some of these lines since.
    kept_columns = [TABLE.c.line_ref, TABLE.c.ins, TABLE.c.dossier_id, TABLE.c.hidden, TABLE.c.corrected_from,
                    *(TABLE.c[name] for name in FIELDS)]
    connection = await session.connection()  # Core rows and executemany: no model built per line
    refs = [line.line_ref for line in batch]
    existing = {row.line_ref: row for row in (await connection.execute(
        select(*kept_columns).where(TABLE.c.line_ref.in_(refs)))).all()}
    gone = {row.line_ref: row for row in (await connection.execute(
        select(RETRACTED).where(RETRACTED.c.line_ref.in_(refs)))).all()}
    now = utcnow()
    inserts: list[dict] = []
    updates: list[dict] = []
    deleted: list[str] = []  # line_refs whose kept version goes
    retracted: list[dict] = []  # RetractedLine rows to write
    back: list[str] = []  # line_refs cancelled once, sent again after their cancellation
    moved: list[dict] = []  # cancellations sent again, processed later: the later date holds
    changes: Counter[tuple[str, str]] = Counter()  # (dossier_id, action): lines
    for line in batch:
        dossier_id = dossier_of.get(line.ins)
        values = {name: getattr(line, name) for name in FIELDS}
        kept, cancelled = existing.get(line.line_ref), gone.get(line.line_ref)
        if (kept or cancelled) is not None and (kept or cancelled).ins != line.ins:
            # Only when another load wrote this line since _refuse_other_patients: this batch is not written.
            await session.rollback()
            raise LayoutError([_other_patient(line)])
        too_old = line.care_date < report.since and not line.cancelled
        if _stale(line, kept, cancelled):
            if too_old:
                report.too_old.append(line.number)
            else:
                report.older += 1
            continue
        if line.cancelled or (too_old and kept is not None):
            if cancelled is not None:  # cancelled again: the latest word holds, a version before it stays out
                if line.processed_on > cancelled.processed_on:
                    moved.append({"ref": line.line_ref, "processed_on": line.processed_on,
                                  "care_date": max(line.care_date, cancelled.care_date)})
                report.unchanged += 1
                continue
            retracted.append({"line_ref": line.line_ref, "ins": line.ins, "processed_on": line.processed_on,
                              "care_date": max(line.care_date, kept.care_date) if kept else line.care_date,
                              "hidden": kept is not None and kept.hidden})
            if kept is None:
                report.cancelled_unknown.append(line.number)
                continue
            deleted.append(line.line_ref)
            if too_old:
                report.too_old.append(line.number)
                report.removed.append(line.number)
            else:
                report.cancelled += 1
            if kept.dossier_id is not None:
                changes[kept.dossier_id, "care_retracted"] += 1
            continue
        if too_old:
            report.too_old.append(line.number)
            continue
        if kept is None:
            # Processed after its cancellation, the line is back: hidden if the patient had hidden it.
            inserts.append({"id": new_id(), "line_ref": line.line_ref, "ins": line.ins, "dossier_id": dossier_id,
                            "imported_at": now, "hidden": cancelled is not None and cancelled.hidden, **values})
            if cancelled is not None:
                back.append(line.line_ref)
            outcome = "added"
        elif all(getattr(kept, name) == value for name, value in values.items()):
            outcome = "unchanged"
            if kept.dossier_id is None and dossier_id is not None:  # it waited for its dossier, which exists now
                updates.append({"ref": line.line_ref, "ins": line.ins, "dossier_id": dossier_id,
                                "imported_at": now, "corrected_from": kept.corrected_from, **values})
                outcome = "added"
        else:
            # A correction: the page says so, from the day its first version was processed.
            updates.append({"ref": line.line_ref, "ins": line.ins, "dossier_id": dossier_id, "imported_at": now,
                            "corrected_from": kept.corrected_from or kept.processed_on, **values})
            outcome = "replaced"
        if dossier_id is None:
            report.waiting.append(line.number)  # kept, and counted here alone
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            changes[dossier_id, "care_received" if outcome == "added" else "care_corrected"] += 1
    if deleted:
        await connection.execute(delete(TABLE).where(TABLE.c.line_ref.in_(deleted)))
    if retracted:
        await connection.execute(insert(RETRACTED), retracted)
    if back:
        await connection.execute(delete(RETRACTED).where(RETRACTED.c.line_ref.in_(back)))
    if moved:
        await connection.execute(RETRACTED.update().where(RETRACTED.c.line_ref == bindparam("ref"))
                                 .values(processed_on=bindparam("processed_on"), care_date=bindparam("care_date")),
                                 moved)
    if inserts:
        await connection.execute(insert(TABLE), inserts)
    if updates:
        await connection.execute(TABLE.update().where(TABLE.c.line_ref == bindparam("ref"))
                              .values({name: bindparam(name) for name in (*FIELDS, "ins", "dossier_id", "imported_at",
                                                                           "corrected_from")}),
                              updates)
    await audit.append_each(session, actor=actor, entries=[
        (dossier_id, action, in_french(CARE_LINES, count)) for (dossier_id, action), count in changes.items()])
    touched.update(dossier_id for dossier_id, _action in changes)
    await audit.commit_chained(session)


async def attach_waiting(session: AsyncSession, *, ins: str, dossier_id: str) -> int:
    """Lines that arrived before the patient's dossier: theirs now (in the caller's transaction), but those aged past
    what Carnet keeps, which no page would show and the next purge removes (retention.py)."""
    result = await session.exec(update(ReimbursementLine)  # type: ignore[call-overload]
                                .where(col(ReimbursementLine.ins) == ins, col(ReimbursementLine.dossier_id).is_(None),
                                       col(ReimbursementLine.care_date) >= kept_since(paris_today()))
                                .values(dossier_id=dossier_id))
    return result.rowcount
