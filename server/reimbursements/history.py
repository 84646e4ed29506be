"""The "Historique de soins": a dossier's reimbursed care of the last 24 months, or of a calendar year of them, by
month, with totals."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import Visibility
from ..i18n import N_
from ..models import ReimbursementLine
from ..search import fold
from .seen import kept, kept_care, seen_years, visible_lines_clause

KINDS = {  # what a person calls each nomenclature's lines (translated where shown)
    "consultations": (N_("Consultations et soins"), ("NGAP",)),
    "actes": (N_("Actes techniques et imagerie"), ("CCAM",)),
    "medicaments": (N_("Médicaments"), ("CIP13",)),
    "biologie": (N_("Biologie"), ("NABM",)),
    "dispositifs": (N_("Dispositifs médicaux"), ("LPP",)),
}
# What Carnet shows and keeps of the reimbursed care, by date of care: the Soins page's longest period, the one
# "Masqués" and the copy of the dossier read too. Older care is shown to no one, so it is not stored: the import
# leaves it out (importer.py), and a line that ages past it is purged, in a dossier or waiting for one (retention.py).
KEPT_MONTHS = 24
PERIODS = {"24": (N_("24 derniers mois"), KEPT_MONTHS), "12": (N_("12 derniers mois"), 12),
           "3": (N_("3 derniers mois"), 3)}
MAX_LINES = 2000  # more than anyone's two years; beyond, the page says so
KIND_OF = {system: code for code, (label, systems) in KINDS.items() for system in systems}


@dataclass
class Lines:
    """Lines of care and their totals."""

    lines: list[ReimbursementLine] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def spent(self) -> int:
        return sum(line.spent_cents for line in self.lines)

    @property
    def reimbursed(self) -> int:
        return sum(line.reimbursed_cents for line in self.lines)

    @property
    def remaining(self) -> int:
        return self.spent - self.reimbursed

    @property
    def excess(self) -> int:
        return sum(excess(line) for line in self.lines)


def excess(line: ReimbursementLine) -> int:
    """What was paid beyond the reimbursement base (a dépassement d'honoraires, a price above the tariff): part of the
    reste à charge, apart because a complementary insurer's contract covers it apart ("200 % BR")."""
    return max(0, line.spent_cents - line.base_cents)


@dataclass
class Month(Lines):
    first_day: date = date.min


@dataclass
class Group(Lines):
    name: str = ""  # a KINDS code, or who performed the care as the insurer names them


@dataclass
class History:
    months: list[Month]
    since: date
    until: date | None  # the last day of a past year asked for; None up to today
    truncated: bool
    years: list[int]  # the calendar years this reader sees care of, newest first: the period's other choices

    @property
    def spent(self) -> int:
        return sum(m.spent for m in self.months)

    @property
    def reimbursed(self) -> int:
        return sum(m.reimbursed for m in self.months)

    @property
    def remaining(self) -> int:
        """What was paid and the Assurance Maladie did not pay back: the reste à charge before any complementary
        insurer, which Carnet does not hear from."""
        return self.spent - self.reimbursed

    @property
    def excess(self) -> int:
        return sum(m.excess for m in self.months)

    @property
    def count(self) -> int:
        return sum(len(m.lines) for m in self.months)

    def by_kind(self) -> list[Group]:
        """The lines shown, by kind of care, in KINDS' order: what a complementary insurer or a tax return asks."""
        groups = {code: Group(name=code) for code in KINDS}
        for month in self.months:
            for line in month.lines:
                groups[KIND_OF[line.code_system]].lines.append(line)
        return [group for group in groups.values() if group.lines]

    def by_performer(self) -> list[Group]:
        """The lines shown, by who performed the care (a professional, a pharmacy, a laboratory), by name."""
        groups: dict[str, Group] = {}
        for month in self.months:
            for line in month.lines:
                groups.setdefault(line.performer, Group(name=line.performer)).lines.append(line)
        return sorted(groups.values(), key=lambda group: alphabetical(group.name))


def alphabetical(name: str) -> tuple[str, str]:
    """A name's place in a French list: "Élise" with the E's, not after the Z's as its code point would put it (folded
    as search folds a word, then as written, to keep two spellings apart)."""
    return fold(name), name.casefold()


def months_back(today: date, months: int) -> date:
    """The first day of the month `months - 1` months before this one: "the last N months", this one included."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def kept_since(today: date) -> date:
    """The first day of care Carnet shows and keeps on `today` (in Paris, as the pages count): KEPT_MONTHS."""
    return months_back(today, KEPT_MONTHS)


YEAR = re.compile(r"[0-9]{4}")


def is_year(period: str, today: date) -> bool:
    """Whether `period` is a calendar year Carnet may hold care of on `today` (of KEPT_MONTHS, this one included)."""
    # Four ASCII digits: str.isdigit also takes "²⁰²⁵", which int() refuses, and "٢٠٢٥", which it reads as 2025.
    return YEAR.fullmatch(period) is not None and kept_since(today).year <= int(period) <= today.year


def bounds(period: str, today: date) -> tuple[date, date | None]:
    """The first day of care a period holds, and its last when a past year ends it: a year from what Carnet keeps
    of it; a number of months, or anything else (as "24"), up to today."""
    if is_year(period, today):
        year = int(period)
        return max(date(year, 1, 1), kept_since(today)), None if year == today.year else date(year, 12, 31)
    return months_back(today, PERIODS.get(period, PERIODS["24"])[1]), None


async def care_history(session: AsyncSession, *, dossier_id: str, visible: Visibility, today: date,
                       period: str = "24", kind: str = "") -> History:
    """The lines of the period (and kind) this reader sees, by month, newest first: under the rule, as the
    category's documents (seen.py: none hidden from a professional but the médecin traitant), and none kept from
    this reader (a minor's parents: the care of a professional kept from them, caregivers/confidential.py). The
    totals are of those alone: a hidden line's amount would tell it is there; and so are the years offered."""
    since, until = bounds(period, today)
    query = select(ReimbursementLine).where(ReimbursementLine.dossier_id == dossier_id,
                                            col(ReimbursementLine.care_date) >= since, visible_lines_clause(visible))
    if until is not None:
        query = query.where(col(ReimbursementLine.care_date) <= until)
    if kind in KINDS:
        query = query.where(col(ReimbursementLine.code_system).in_(KINDS[kind][1]))
    rows = list((await session.exec(query.order_by(col(ReimbursementLine.care_date).desc(),
                                                   col(ReimbursementLine.line_ref)).limit(MAX_LINES + 1))).all())
    kept_from = await kept_care(session, dossier_id=dossier_id, visible=visible)
    months: dict[date, Month] = {}
    for line in rows[:MAX_LINES]:
        if kept(line, kept_from):
            continue
        first = line.care_date.replace(day=1)
        months.setdefault(first, Month(first_day=first)).lines.append(line)
    years = await seen_years(session, dossier_id=dossier_id, visible=visible, kept_from=kept_from,
                             since=kept_since(today), today=today)
    return History(list(months.values()), since, until, len(rows) > MAX_LINES, years)
