"""Whom an event of the log is about, besides who did it: the professional a change of rights names (a grant to
them, a block of them, their emergency access reviewed).

The event says it in words alone, in its hashed detail ("Julie Moreau (masseur-kinésithérapeute)"), which no
filter can tell two namesakes apart by, and which the event keeps unchanged forever (append-only). So `append`
writes it again by key, beside the event: a row of `logsubject`, and the professional's row of `logprofessional`,
which the Historique's filter lists. A professional the patient blocked, or gave access to and who never opened
the dossier, can be picked there, and their list holds what was done about them with what they did.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Insert, insert
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import upsert
from ..models import AccessEvent, LogProfessional, LogSubject, Professional
from ..professionals.professions import written_profession


def label_of(professional: Professional) -> str:
    """"Julie Moreau, masseur-kinésithérapeute": how `logprofessional` labels a professional (as audit.py does)."""
    return f"{professional.given_name} {professional.family_name}, {written_profession(professional)}"


async def remember(session: AsyncSession, *, event: AccessEvent, professional: Professional) -> None:
    """`event` (just appended, in the caller's transaction) is about `professional`: their latest name, and this
    event as their latest, so that a page of theirs starts at it (pages.log_page); their first opening kept."""
    key = professional.rpps
    await session.exec(_subject(), params={"dossier_id": event.dossier_id, "key": key, "seq": event.seq})  # type: ignore[call-overload]
    await session.exec(_professional(session.get_bind().dialect.name), params={  # type: ignore[call-overload]
        "dossier_id": event.dossier_id, "key": key, "label": label_of(professional)[:300], "last_seq": event.seq,
        "first_opened_seq": None})


@cache
def _subject() -> Insert:
    return insert(LogSubject.__table__)  # type: ignore[attr-defined]


@cache
def _professional(dialect: str) -> Insert:
    return upsert(dialect, LogProfessional.__table__, ("dossier_id", "key"), kept=("first_opened_seq",))  # type: ignore[attr-defined]
