"""The words a search reads as a date or a period (periods.py), and those it leaves to the word search."""

from __future__ import annotations

from datetime import date

import pytest

from server.periods import IMPOSSIBLE, Period, period_of

TODAY = date(2026, 12, 7)


def day(y: int, m: int, d: int) -> Period:
    start = date(y, m, d)
    return Period(start, date.fromordinal(start.toordinal() + 1), "day")


JULY_2026 = Period(date(2026, 7, 1), date(2026, 8, 1), "month")


@pytest.mark.parametrize("words, period", [
    ("14/07/2026", day(2026, 7, 14)),
    ("14-07-2026", day(2026, 7, 14)),
    ("14.07.2026", day(2026, 7, 14)),
    ("2026-07-14", day(2026, 7, 14)),
    ("4/7/2026", day(2026, 7, 4)),
    ("  14/07/2026 ", day(2026, 7, 14)),
    ("14 juillet 2026", day(2026, 7, 14)),
    ("14 JUILLET 2026", day(2026, 7, 14)),
    ("le 1er juillet 2026", day(2026, 7, 1)),
    ("14 juil. 2026", day(2026, 7, 14)),
    ("3 février 2026", day(2026, 2, 3)),
    ("3 fevrier 2026", day(2026, 2, 3)),
    ("29/02/2024", day(2024, 2, 29)),
    # The interface's English too.
    ("July 14, 2026", day(2026, 7, 14)),
    ("14 July 2026", day(2026, 7, 14)),
    ("July 2026", JULY_2026),
    # A month.
    ("07/2026", JULY_2026),
    ("7/2026", JULY_2026),
    ("2026-07", JULY_2026),
    ("juillet 2026", JULY_2026),
    ("Juillet   2026", JULY_2026),
    ("juil. 2026", JULY_2026),
    ("juil 2026", JULY_2026),
    ("en juillet 2026", JULY_2026),
    ("décembre 2025", Period(date(2025, 12, 1), date(2026, 1, 1), "month")),
    ("août 2026", Period(date(2026, 8, 1), date(2026, 9, 1), "month")),
    # A year, up to this one.
    ("2026", Period(date(2026, 1, 1), date(2027, 1, 1), "year")),
    ("1948", Period(date(1948, 1, 1), date(1949, 1, 1), "year")),
    ("en 2019", Period(date(2019, 1, 1), date(2020, 1, 1), "year")),
])
def test_a_date_or_a_period_is_read_as_one(words, period):
    assert period_of(words, today=TODAY) == period


@pytest.mark.parametrize("words, period", [
    # Two digits: the most recent year so ending, not after this one (a document's date is never in the future).
    ("14/07/26", day(2026, 7, 14)),
    ("14/07/25", day(2025, 7, 14)),
    ("14/07/48", day(1948, 7, 14)),
    ("01/01/27", day(1927, 1, 1)),
    # No year: that day in the most recent year up to today.
    ("21 juillet", day(2026, 7, 21)),
    ("7 décembre", day(2026, 12, 7)),
    ("25 décembre", day(2025, 12, 25)),
    ("29 février", day(2024, 2, 29)),
    ("July 21", day(2026, 7, 21)),
])
def test_a_date_without_its_century_or_its_year_is_the_most_recent_one(words, period):
    assert period_of(words, today=TODAY) == period


@pytest.mark.parametrize("words", ["31/02/2026", "29/02/2025", "32 juillet 2026", "0 juillet 2026", "13/2026",
                                   "00/2026", "2026-13-01", "14/13/2026", "31 juin", "30 février"])
def test_a_date_that_cannot_be_is_impossible_not_a_word_search(words):
    assert period_of(words, today=TODAY) is IMPOSSIBLE


@pytest.mark.parametrize("words", [
    "radio 2019",  # words and a date: a word search
    "échographie", "juillet", "mars",  # a month's name alone is a title's word as often as a date
    "12/8",  # a blood pressure
    "14/07",  # so is a day and a month in figures
    "1000", "2031", "1850", "20260",  # a number, or a year yet to come
    "12.5", "", "   ", "juillet 2026 radio", "Dr Moreau",
    "14/07/1850", "14/07/0000", "00/0000", "31/12/9999", "12/9999", "décembre 9999",  # no living patient's date
])
def test_anything_else_stays_a_word_search(words):
    assert period_of(words, today=TODAY) is None
