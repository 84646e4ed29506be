"""A search's words read as a date or a period: "14/07/2026", "juillet 2026", "2026" ask for the documents of that
day, month or year (by `Document.event_date`), not for documents whose text holds those words.

What is a period, and what stays a word search:
- A whole date: "14/07/2026", "14-07-2026", "14.07.2026", "2026-07-14", "14 juillet 2026", "1er juil. 2026",
  "July 14, 2026", "14 July 2026". A two-digit year ("14/07/26") is read as French people write it on a form:
  the most recent year so ending, not after this one (a document's date is never in the future), so "26" is 2026
  and "48" 1948.
- A month: "07/2026", "2026-07", "juillet 2026", "juil. 2026", "July 2026".
- A year alone, from 1900 to this one: "2026" ("1000", "2031" stay words: a number in a text). A date or a month
  of a year before 1900 or after 9998 is no period either: none of a living patient's, and the last day of 9999
  has no day after it to end a period.
- A day without its year, written with its month's name: "21 juillet", "July 21": that day in the most recent year
  up to today, the day she is likely to mean ("the paper from the 21st of July"), and the heading says which year.
  "14/07" stays words: "12/8" is a blood pressure.
- A month's name alone ("juillet", "mars") stays a word: it is a title's word as often as a date.
Words and a date together ("radio 2019") stay a word search, as before.

A shape of a date whose day cannot be ("31/02/2026", "32 juillet 2026", "13/2026") is `IMPOSSIBLE`: the timeline
says the date does not exist rather than "Aucun document", which would read as if she had none that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from .search import fold

FIRST_YEAR = 1900  # a year before it is a number, not a period of a living patient's documents
LAST_YEAR = 9998  # `date`'s last year is 9999: a period ends on the day after it


@dataclass(frozen=True)
class Period:
    """The days from `start` to `end`, `end` excluded, named by their `unit`."""

    start: date
    end: date
    unit: Literal["day", "month", "year"]


class _Impossible:
    """A date's shape whose day does not exist."""

    def __repr__(self) -> str:
        return "IMPOSSIBLE"


IMPOSSIBLE = _Impossible()

# Folded (periods are read after search.fold: lower case, no accents), French first, then English.
_MONTHS = {
    1: "janvier janv jan january", 2: "fevrier fevr fev february feb", 3: "mars mar march",
    4: "avril avr april apr", 5: "mai may", 6: "juin jun june", 7: "juillet juil jul july",
    8: "aout aug august", 9: "septembre sept sep september", 10: "octobre oct october",
    11: "novembre nov november", 12: "decembre dec december",
}
MONTH_NUMBERS = {name: number for number, names in _MONTHS.items() for name in names.split()}
_NAME = "(?P<month>" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + ")"
_DAY = r"(?P<day>\d{1,2})(?:er|st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_SEP = r"[/.-]"

_FORMS: list[tuple[re.Pattern[str], str]] = [(re.compile(pattern), unit) for pattern, unit in (
    (rf"{_DAY}{_SEP}(?P<number>\d{{1,2}}){_SEP}(?P<year>\d{{4}}|\d{{2}})", "day"),
    (rf"{_YEAR}-(?P<number>\d{{1,2}})-{_DAY}", "day"),
    (rf"(?P<number>\d{{1,2}}){_SEP}{_YEAR}", "month"),
    (rf"{_YEAR}-(?P<number>\d{{1,2}})", "month"),
    (rf"{_DAY} {_NAME}(?: {_YEAR})?", "day"),
    (rf"{_NAME} {_DAY}(?: {_YEAR})?", "day"),
    (rf"{_NAME} {_YEAR}", "month"),
    (_YEAR, "year"),
)]
# "le 14 juillet 2026", "en juillet 2026", "in 2026": the small word before a date says nothing more.
_LEADING = re.compile(r"^(?:le|en|du|de|in|on|the)\s+")


def period_of(query: str, *, today: date) -> Period | _Impossible | None:
    """The period these words name, IMPOSSIBLE for a date that cannot be, None for words that are not a date."""
    said = _LEADING.sub("", " ".join(fold(query).replace(",", " ").replace(". ", " ").split())).rstrip(".")
    said = re.sub(r"(?<=[a-z])\.", "", said)  # "juil. 2026", "1er juil." (the end's was taken above)
    for pattern, unit in _FORMS:
        found = pattern.fullmatch(said)
        if found:
            return _period(found.groupdict(), unit, today)
    return None


def _period(parts: dict[str, str | None], unit: str, today: date) -> Period | _Impossible | None:
    month = int(parts["number"]) if parts.get("number") else MONTH_NUMBERS.get(parts.get("month") or "", 0)
    year_said = parts.get("year")
    year = int(year_said or today.year)
    if len(year_said or "") == 2:  # the most recent year so ending, not after this one
        year = today.year - (today.year - year) % 100
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    if unit == "year":
        return Period(date(year, 1, 1), date(year + 1, 1, 1), "year") if year <= today.year else None
    if not 1 <= month <= 12:
        return IMPOSSIBLE
    if unit == "month":
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Period(date(year, month, 1), end, "month")
    day = int(parts["day"] or 0)
    if year_said is None:
        return _latest(day, month, today)
    try:
        start = date(year, month, day)
    except ValueError:
        return IMPOSSIBLE
    return Period(start, start + timedelta(days=1), "day")


def _latest(day: int, month: int, today: date) -> Period | _Impossible:
    """That day of the year in the most recent year up to today (a 29th of February: of the last leap year)."""
    for year in range(today.year, today.year - 9, -1):
        try:
            start = date(year, month, day)
        except ValueError:
            continue
        if start <= today:
            return Period(start, start + timedelta(days=1), "day")
    return IMPOSSIBLE
