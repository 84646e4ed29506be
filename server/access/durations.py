"""How long an access lasts ("1 jour", "1 mois", "3 mois", "1 an", or without end): a grant's, a share code's, a
caregiver's invitation's; counted in days or calendar months in Paris; and its end as a page says it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..i18n.formats import long_date, long_datetime
from ..models import add_months, utcnow
from .rule import PARIS

# Labels translated where shown; the log keeps them in French. The days are what a share code and an invitation
# keep of their duration (its key, in effect: `ends_after`); an end is counted in days or calendar months (`grant_end`).
# "1 jour": a patient at a pharmacy's counter, or at a consultation, lets the professional read while she is there,
# not for a month after.
DURATIONS = {"1j": (N_("1 jour"), 1), "1m": (N_("1 mois"), 30), "3m": (N_("3 mois"), 91), "1a": (N_("1 an"), 365),
             "sans": (N_("sans date de fin"), None)}
# "Changer son accès" may keep the end the professional's access has now: narrowing what they see does not lengthen
# how long they see it (a probe's find: "1 mois" chosen again started a new month from that day).
KEEP = "garder"
# How each end is counted from the start, in Paris: (months, days); None for no end.
SPANS = {"1j": (0, 1), "1m": (1, 0), "3m": (3, 0), "1a": (12, 0), "sans": None}
# A relative's invitation: a relative helps for longer than a day.
LASTING = {key: choice for key, choice in DURATIONS.items() if key != "1j"}
# How near an end is said with its hour: a month's grant ends at the hour it was given, which matters on its last day
# (and a day's, the next day).
NEAR_END = timedelta(days=2)


def grant_end(duration: str, start: datetime) -> datetime | None:
    """The end of a duration from `start`: "3 mois" from 5 December is 5 March at the same hour in Paris (the last
    day of a shorter month: 31 January and "1 mois", 28 February), "1 jour" the next day at that hour, whatever the
    change of time in between."""
    if duration not in DURATIONS:
        raise InvalidInput(_("Choisissez une durée."), "duree")
    if SPANS[duration] is None:
        return None
    months, days = SPANS[duration]
    local = start.astimezone(PARIS)
    day = add_months(local.date(), months) + timedelta(days=days)
    return datetime.combine(day, local.time(), PARIS).astimezone(start.tzinfo)


def duration_key(days: int | None) -> str:
    """The key of a duration a share code or an invitation kept by its days (`DURATIONS`)."""
    return next(key for key, (_label, d) in DURATIONS.items() if d == days)


def ends_after(days: int | None, start: datetime) -> datetime | None:
    """The end of a duration a share code or an invitation kept by its days."""
    return grant_end(duration_key(days), start)


def end_words(ends_at: datetime) -> str:
    """An access's end as a page says it after "jusqu'au": its day ("6 janvier 2027"), and its hour too once it is
    near ("7 décembre 2026 à 20 h 28"), where "jusqu'au 7 décembre" would read as the whole day (the `access_end`
    filter)."""
    return long_datetime(ends_at) if ends_at - utcnow() <= NEAR_END else long_date(ends_at)
