"""The log's list of a dossier's professionals (the Historique's filter reads it, never the whole log), kept as their
events are appended (audit.append), and whether a professional opened the dossier before: their first opening's number."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import upsert
from ..models import AccessEvent, LogProfessional
from . import phrases

# What counts as opening a dossier: a professional's first of these tells the patient (notify.warrants_notification).
OPENINGS = (*phrases.READS, "emergency")


def log_key(event: AccessEvent) -> str:
    """Who a professional's event is by, in the log's list of professionals: their RPPS, or their account."""
    return event.actor_rpps or event.actor_account_id or ""


async def remember(session: AsyncSession, event: AccessEvent) -> None:
    """The Historique's filter lists the dossier's professionals from here, not from the whole log; and whether
    a professional has opened the dossier before is read here too (their first opening's number, kept)."""
    key = log_key(event)
    if not key:
        return
    label = f"{event.actor_name}, {event.actor_profession}" if event.actor_profession else event.actor_name
    # One statement, no read first: it was a third of an append's time (a lookup by a two-column key). It
    # returns the first opening as kept, which `first_opening` answers for this event without asking again:
    # one round trip fewer inside the chain's lock (bench/RESULTS.md, "One statement fewer in the chain's lock").
    first = (await session.exec(_upsert(session.get_bind().dialect.name), params={  # type: ignore[call-overload]
        "dossier_id": event.dossier_id, "key": key, "label": label[:300], "last_seq": event.seq,
        "first_opened_seq": event.seq if event.action in OPENINGS else None})).scalar_one()
    session.info[_FIRST_OPENING] = (event.dossier_id, key, event.seq, first)


_FIRST_OPENING = "carnet.first_opening"  # (dossier, professional's key, event's seq, their first opening)


@cache
def _upsert(dialect: str) -> Insert:
    """The professional's row, added or updated: their latest name and event; their first opening, once had, kept."""
    professionals = LogProfessional.__table__  # type: ignore[attr-defined]
    return upsert(dialect, professionals, ("dossier_id", "key"), kept=("first_opened_seq",)).returning(
        professionals.c.first_opened_seq)


async def first_opening(session: AsyncSession, *, event: AccessEvent) -> int | None:
    """The number of the professional's first opening of the dossier, up to and with `event` (theirs, appended in
    this transaction); None if they never opened it. Asked again only of an event this session did not just append."""
    key = log_key(event)
    remembered = session.info.pop(_FIRST_OPENING, None)  # read once: never left for an event rolled back
    if remembered is not None and remembered[:3] == (event.dossier_id, key, event.seq):
        return remembered[3]
    return (await session.exec(select(LogProfessional.first_opened_seq).where(
        LogProfessional.dossier_id == event.dossier_id, LogProfessional.key == key))).first()
