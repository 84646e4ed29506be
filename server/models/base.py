"""What every table uses: opaque ids, the clock (which the demo can set) and its calendar, what makes a code unused,
the categories of documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from calendar import monthrange
from contextvars import ContextVar
from datetime import UTC, date, datetime

from sqlalchemy import text

from ..i18n import N_
from ..i18n.formats import PARIS


def new_id() -> str:
    """An opaque identifier, safe to show in a URL."""
    return uuid.uuid4().hex


_clock: ContextVar[datetime | None] = ContextVar("carnet_clock", default=None)


def utcnow() -> datetime:
    """Aware UTC, as SQLModel's datetime columns require; shown in Paris time."""
    frozen = _clock.get()
    return frozen if frozen is not None else datetime.now(UTC)


def paris_today() -> date:
    """Today where the patients are (a document "not in the future" means by a French calendar)."""
    return utcnow().astimezone(PARIS).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (29 February → 28): a vaccine's
    age, an access's "3 mois"."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run code as if it were `moment`: the demo's history is made this way, through the app's functions."""
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


# The codes a person may type (share, invitation, activation) that housekeeping erases, unused some time after they
# ended, are read through an index of the unused ones alone: used codes stay, and a round must not read every one
# ever used under the write lock (migration 0049).
UNUSED = text("used_at IS NULL")


CATEGORIES: dict[str, str] = {
    "compte_rendu": N_("Compte rendu"),
    "ordonnance": N_("Ordonnance"),
    "biologie": N_("Biologie"),
    "imagerie": N_("Imagerie"),
    "vaccination": N_("Vaccination"),
    "certificat": N_("Certificat"),
    "synthese": N_("Synthèse médicale"),
    "remboursement": N_("Remboursements"),
    "note_patient": N_("Notes du patient"),
}
