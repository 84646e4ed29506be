"""How long Carnet keeps a line of reimbursed care: while the Soins page shows it (history.KEPT_MONTHS, by its date of
care), in a dossier or waiting for one, hidden or not, or remembered as cancelled. The import leaves older care out
(importer.py); the housekeeping purges what has aged past it since."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write
from ..models import ReimbursementLine, RetractedLine
from .history import kept_since

BATCH = 1000  # lines per transaction: the first purge of a site that kept years of care never holds the lock long


async def purge_aged_care(session: AsyncSession, *, today: date) -> int:
    """Delete the lines whose care is older than Carnet keeps on `today` (in Paris); returns how many. The lines it
    remembers as cancelled go at the same age: any version of them would be older than Carnet keeps."""
    since = kept_since(today)
    purged = await _purge(session, ReimbursementLine.id, ReimbursementLine.care_date, since)
    await _purge(session, RetractedLine.line_ref, RetractedLine.care_date, since)
    return purged


async def _purge(session: AsyncSession, key: Any, care_date: Any, since: date) -> int:
    """Through the index on the date of care, a batch per short write transaction, so that every round costs what
    it removes."""
    table = key.class_
    purged = 0
    while True:
        await begin_write(session)
        aged = select(key).where(col(care_date) < since).limit(BATCH)
        result = await session.exec(delete(table).where(  # type: ignore[call-overload]
            col(key).in_(aged.scalar_subquery())))
        await session.commit()
        purged += result.rowcount
        if result.rowcount < BATCH:
            return purged
