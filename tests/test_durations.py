""""1 jour", "1 mois", "3 mois", "1 an" are calendar ones, in Paris: a grant of three months made on 5 December ends on
5 March, as the page then says "jusqu'au 5 mars" (it said the 6th: 91 days, an outside probe's find)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.access import share_codes
from server.access.durations import grant_end
from server.accesslog.audit import Actor
from tests.patient_helpers import CAMILLE, professional

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(("duration", "start", "end"), [
    ("3m", paris(2026, 12, 5, 10), paris(2027, 3, 5, 10)),
    ("1m", paris(2027, 1, 31, 10), paris(2027, 2, 28, 10)),  # no 31 February: its last day
    ("1a", paris(2028, 2, 29, 10), paris(2029, 2, 28, 10)),
    ("1m", paris(2026, 12, 31, 9), paris(2027, 1, 31, 9)),  # across the year
    # Late in the evening, across the change to summer time: still the 5th in Paris, not the 6th at 00:30.
    ("3m", paris(2027, 1, 5, 23, 30), paris(2027, 4, 5, 23, 30)),
    # A day at a pharmacy's counter: the next day at the same hour in Paris, the night of the change to summer time
    # (23 hours) too.
    ("1j", paris(2027, 3, 27, 20, 28), paris(2027, 3, 28, 20, 28)),
])
def test_a_duration_ends_on_the_same_day_of_the_month_or_the_next_day_in_paris(duration, start, end):
    ends = grant_end(duration, start.astimezone(UTC))
    assert ends == end and ends.astimezone(PARIS).date() == end.date()


def test_no_end_is_none():
    assert grant_end("sans", datetime(2026, 12, 5, tzinfo=UTC)) is None


async def test_a_share_code_of_three_months_gives_a_grant_to_the_same_day_three_months_on(db, patient):
    kine = await professional(db)
    code, _row = await share_codes.create_share_code(db, dossier=patient.dossier, categories="", duration="3m",
                                                     actor=CAMILLE)
    grant = await share_codes.redeem_share_code(db, code=code, professional=kine,
                                                actor=Actor(None, "professional", "Léa Fontaine"))
    assert grant.ends_at == grant_end("3m", grant.starts_at)
