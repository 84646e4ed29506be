"""How long an access lasts ("1 mois", "3 mois", "1 an", or without end): a grant's, a share code's, a caregiver's
invitation's; counted in calendar months in Paris."""

from __future__ import annotations

from datetime import datetime

from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..models import add_months
from .rule import PARIS

# Labels translated where shown; the log keeps them in French. The days are what a share code and an invitation
# keep of their duration (its key, in effect: `ends_after`); an end is counted in calendar months (`grant_end`).
DURATIONS = {"1m": (N_("1 mois"), 30), "3m": (N_("3 mois"), 91), "1a": (N_("1 an"), 365), "sans": (N_("sans date de fin"), None)}
MONTHS = {"1m": 1, "3m": 3, "1a": 12, "sans": None}


def grant_end(duration: str, start: datetime) -> datetime | None:
    """The end of a duration from `start`: "3 mois" from 5 December is 5 March at the same hour in Paris (the last
    day of a shorter month: 31 January and "1 mois", 28 February), whatever the change of time in between."""
    if duration not in DURATIONS:
        raise InvalidInput(_("Choisissez une durée."), "duree")
    months = MONTHS[duration]
    if months is None:
        return None
    local = start.astimezone(PARIS)
    return datetime.combine(add_months(local.date(), months), local.time(), PARIS).astimezone(start.tzinfo)


def duration_key(days: int | None) -> str:
    """The key of a duration a share code or an invitation kept by its days (`DURATIONS`)."""
    return next(key for key, (_label, d) in DURATIONS.items() if d == days)


def ends_after(days: int | None, start: datetime) -> datetime | None:
    """The end of a duration a share code or an invitation kept by its days."""
    return grant_end(duration_key(days), start)
