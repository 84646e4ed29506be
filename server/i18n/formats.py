"""Dates, times, sizes, amounts and quotes as the request's language writes them.

French is written by hand where CLDR's patterns differ from French usage ("1er décembre",
"14 h 59", no-break spaces); English, and amounts in both, come from Babel (CLDR)."""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal
from markupsafe import Markup, escape

from . import current

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"  # no-break space: inside "14 h 59", between a number and its unit, inside « guillemets »
NNBSP = "\u202f"  # narrow no-break space: before ; ! ? and : (French typography, Imprimerie nationale)
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
# English as written in Europe: day before month, 24-hour clock. Locales parsed once: Babel parses a name
# given as a string at every call (20 µs, two thirds of formatting a number).
ENGLISH = Locale.parse("en_GB")
FRENCH = Locale.parse("fr_FR")


# The times of day a page writes, every one in Paris time: base.html hands them to paris-time.js, which says so on a
# device whose clock is not Paris's at one of them (a patient on holiday in Lisbon). None outside a request.
_shown: ContextVar[set[datetime] | None] = ContextVar("times_shown", default=None)


def noting_times() -> None:
    """From now on in this request (its task's context), each time of day written is noted (app.py)."""
    _shown.set(set())


def _noted(value: datetime) -> None:
    shown = _shown.get()
    if shown is not None and value.tzinfo is not None:
        shown.add(value.astimezone(PARIS).replace(second=0, microsecond=0))


def times_shown() -> list[str]:
    """The times written so far, one for each day and offset of Paris's (the device's, compared at each, changes at
    most once a day too; a printed Historique writes thousands), as ISO 8601 with Paris's offset."""
    kept: dict[tuple, datetime] = {}
    for value in sorted(_shown.get() or ()):
        kept.setdefault((value.date(), value.utcoffset()), value)
    return [value.isoformat(timespec="minutes") for value in kept.values()]


def _in_paris(value: date | datetime) -> date | datetime:
    return value.astimezone(PARIS) if isinstance(value, datetime) and value.tzinfo is not None else value


# --- French, by hand ----------------------------------------------------------


def date_fr(value: date | datetime | None) -> str:
    """"1er décembre 2024": the day never apart from its month at the end of a line (a no-break space, as French
    typography asks); the year may go to the next."""
    if value is None:
        return ""
    value = _in_paris(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day}{NBSP}{MONTHS[value.month - 1]} {value.year}"


def time_fr(value: datetime) -> str:
    """"14 h 59", never broken across two lines."""
    return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"


def datetime_fr(value: datetime | None) -> str:
    if value is None:
        return ""
    _noted(value)
    value = _in_paris(value)
    return f"{date_fr(value)} à {time_fr(value)}"


def month_fr(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


def filesize_fr(size: int) -> str:
    if size < 1024:
        return f"{size}{NBSP}o"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f}{NBSP}Ko"
    return f"{size / 1024 / 1024:.1f}{NBSP}Mo".replace(".", ",")


_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING = re.compile(r"[ \u00a0\u202f]*»")
_BEFORE_PUNCTUATION = re.compile(r"(?<=\S)[ \u00a0\u202f]+(?=[;!?:](?:\s|$|[»)]))")


def typography_fr(text: str) -> str:
    """A sentence with French typography's no-break spaces, so a line never ends on "(«" nor starts
    with "?": "« " is glued to the word after it, " »" to the one before, ; ! ? : to the word before."""
    # Each pattern only where its character is: most of the Historique's sentences have none of them.
    if "«" in text:
        text = _OPENING.sub("«" + NBSP, text)
    if "»" in text:
        text = _CLOSING.sub(NBSP + "»", text)
    if any(mark in text for mark in ";!?:"):
        text = _BEFORE_PUNCTUATION.sub(NNBSP, text)
    return text


def quoted_fr(text: str) -> str:
    """« text », its guillemets glued to it."""
    return f"«{NBSP}{text}{NBSP}»"


# --- in the request's language ---------------------------------------------------


def long_date(value: date | datetime | None) -> str:
    """"1er décembre 2024" / "1 December 2024"."""
    if current() == "fr" or value is None:
        return date_fr(value)
    value = _in_paris(value)
    return _english_date(value.date() if isinstance(value, datetime) else value, "d MMMM y")


def clock(value: datetime, *, noted: bool = True) -> str:
    """"14 h 59" / "14:59" (`noted`: one the page shows now, which paris-time.js compares with the device's clock)."""
    if noted:
        _noted(value)
    if current() == "fr":
        return time_fr(value)
    return _english_clock(value.hour, value.minute)


# A page's dates and times repeat (a Historique page: 30 events, a few days): Babel's 10–20 µs once for each.
# The day kept with its month, as in French ("1 December", never "1" at a line's end).
@functools.lru_cache(maxsize=4096)
def _english_date(value: date, pattern: str) -> str:
    return format_date(value, pattern, locale=ENGLISH).replace(" ", NBSP, 1 if pattern.startswith("d") else 0)


@functools.lru_cache(maxsize=1440)
def _english_clock(hour: int, minute: int) -> str:
    return format_time(time(hour, minute), "HH:mm", locale=ENGLISH)


def long_datetime(value: datetime | None) -> str:
    """"3 mars 2026 à 14 h 59" / "3 March 2026 at 14:59"."""
    if current() == "fr" or value is None:
        return datetime_fr(value)
    value = _in_paris(value)
    return f"{long_date(value)} at {clock(value)}"


def day_or_time(value: datetime, beside: datetime) -> str:
    """`long_date`, or `long_datetime` where `beside` (the moment it is told apart from) fell on the same day in Paris:
    two versions of one document filed the same day each read "remplace celle du 7 décembre 2026" (a probe's find)."""
    if _in_paris(value).date() == _in_paris(beside).date():
        return long_datetime(value)
    return long_date(value)


def colon() -> str:
    """Between a label and what it introduces: " : " in French (a no-break space before it), ": " in English."""
    return f"{NBSP}: " if current() == "fr" else ": "


def month_year(value: date) -> str:
    if current() == "fr":
        return month_fr(value)
    return _english_date(value, "LLLL y")


def filesize(size: int) -> str:
    if current() == "fr":
        return filesize_fr(size)
    if size < 1024:
        return f"{size}{NBSP}B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f}{NBSP}KB"
    return f"{format_decimal(round(size / 1024 / 1024, 1), '0.0', locale=ENGLISH)}{NBSP}MB"


def number(value: float | Decimal, pattern: str = "#,##0.##") -> str:
    """84,5 / 84.5: a measurement as the language writes it."""
    return _number(value, pattern, current())


@functools.lru_cache(maxsize=4096)
def _number(value: float | Decimal, pattern: str, language: str) -> str:  # a page's counts repeat: Babel's 10 µs once
    return format_decimal(value, pattern, locale=FRENCH if language == "fr" else ENGLISH)


def and_list(items: list[str]) -> str:
    """"Camille Martin et Paul Martin" / "Camille Martin and Paul Martin" (Babel, CLDR's list patterns)."""
    return format_list(list(items), locale=FRENCH if current() == "fr" else ENGLISH)


def money(cents: int) -> str:
    """"1 234,56 €" / "€1,234.56" (Babel, CLDR's rules and spaces)."""
    return format_currency(Decimal(cents) / 100, "EUR", locale=FRENCH if current() == "fr" else ENGLISH)


def typography(text: str) -> str:
    return typography_fr(text) if current() == "fr" else text


def quoted(text: str) -> str:
    """« text » / “text”."""
    return quoted_fr(text) if current() == "fr" else f"\u201c{text}\u201d"


# The language of what the dossier holds as it was written (its titles, the profile's lines, the reimbursements): the
# patient's and the professionals' French, whatever the page's.
RECORD = "fr"


def marked_french(text: str) -> str:
    """The dossier's words inside a sentence of a page in another language ("Delete “Bilan sanguin”?", a line of the
    Historique or of the printed profile) said to be French (WCAG 3.1.2), which a screen reader then reads with a
    French voice, not the page's: markup, the text escaped. On a French page, the text as it is."""
    if current() == RECORD or not text:
        return text
    return Markup(f'<span lang="{RECORD}">{escape(text)}</span>')
