"""A pregnancy of the profil médical, as France counts it: its date prévue d'accouchement (DPA) is 9 months after the
start of pregnancy (DDG), itself 14 days after the first day of the last period (DDR), from which the weeks of
amenorrhoea (SA) are counted; the DPA falls at 41 SA. Current until its end is noted (ending.py). Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..models import ProfileItem, add_months

TERM_MONTHS = 9  # from the start of pregnancy to the DPA
OVULATION = timedelta(days=14)  # from the last period to the start of pregnancy
# How long past its DPA a pregnancy may still go on: none is left to, past 42 SA and 6 days (CNGOF); past it, one
# whose end was not noted is surely over.
OVERDUE = timedelta(days=14)


def last_period(expected_on: date) -> date:
    """The DDR a DPA implies: the day from which the weeks of amenorrhoea are counted."""
    return add_months(expected_on, -TERM_MONTHS) - OVULATION


def at_week(expected_on: date, weeks: int) -> date:
    """The day a pregnancy of this DPA reaches `weeks` SA."""
    return last_period(expected_on) + timedelta(weeks=weeks)


@dataclass(frozen=True)
class Term:
    """How far a pregnancy is on a day: "16 SA et 3 jours"."""

    weeks: int
    days: int


def term_on(expected_on: date, today: date) -> Term | None:
    """The weeks of amenorrhoea on `today`; None before the last period (a DPA typed wrong)."""
    elapsed = (today - last_period(expected_on)).days
    return Term(*divmod(elapsed, 7)) if elapsed >= 0 else None


def plausible(expected_on: date, today: date) -> bool:
    """Whether a DPA may be a pregnancy's in progress on `today`: at most 9 months and a half ahead (one known the
    day it began), at most OVERDUE behind."""
    return today - OVERDUE <= expected_on <= add_months(today, TERM_MONTHS) + OVULATION


def current(items: list[ProfileItem]) -> ProfileItem | None:
    """The pregnancy in progress among these items (its end not noted), the most recently declared if several."""
    ongoing = [i for i in items if i.kind == "pregnancy" and i.ended_on is None and i.deleted_at is None]
    return max(ongoing, key=lambda i: i.created_at, default=None)
