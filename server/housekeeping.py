"""Removing what has expired (passkey challenges, sessions, attempt counters, forms' submissions), erasing a deleted
document's files a crash left behind, and applying 18th birthdays.

Every one of these tables gains a row from requests anyone can make (a login page asks for a
challenge; a wrong code counts a failure): left alone they only grow. Each app process runs
`purge_expired` every few minutes; it only deletes rows that can no longer mean anything, so
several processes doing it at once is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from litestar import Litestar
from sqlalchemy import and_, delete, or_
from sqlmodel.ext.asyncio.session import AsyncSession

from .auth.throttles import FORGIVEN_AFTER
from .caregivers.majority import apply_majority
from .db import begin_write
from .files.blobs import release_pending
from .models import FormSubmission, PasskeyChallenge, Throttle, WebSession, paris_today, utcnow
from .reimbursements.retention import purge_aged_care
from .search import erase_deleted_words

log = logging.getLogger("carnet.housekeeping")
EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class Purged:
    challenges: int
    sessions: int
    throttles: int
    submissions: int


async def purge_expired(session: AsyncSession, *, idle: timedelta, max_age: timedelta, now: datetime | None = None) -> Purged:
    now = now or utcnow()
    await begin_write(session)
    challenges = await session.exec(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at <= now))  # type: ignore[call-overload]
    sessions = await session.exec(delete(WebSession).where(or_(  # type: ignore[call-overload]
        WebSession.last_seen_at < now - idle, WebSession.created_at < now - max_age)))
    # A counter whose window ended long ago and whose last lock is forgiven counts nothing any more.
    throttles = await session.exec(delete(Throttle).where(and_(  # type: ignore[call-overload]
        Throttle.window_started_at < now - FORGIVEN_AFTER,
        or_(Throttle.locked_until.is_(None), Throttle.locked_until < now - FORGIVEN_AFTER),  # type: ignore[union-attr]
    )))
    # A form's page posts within its session (its CSRF token is the session's): after that, its copy never comes.
    submissions = await session.exec(delete(FormSubmission).where(  # type: ignore[call-overload]
        FormSubmission.created_at < now - max_age))
    await session.commit()
    return Purged(challenges.rowcount, sessions.rowcount, throttles.rowcount, submissions.rowcount)


async def _every_few_minutes(app: Litestar) -> None:
    settings = app.state.settings
    while True:
        await asyncio.sleep(EVERY.total_seconds())
        try:
            async with app.state.sessionmaker() as session:
                await purge_expired(session, idle=timedelta(minutes=settings.session_idle_minutes),
                                    max_age=timedelta(hours=settings.session_max_hours))
                await apply_majority(session)  # parents whose child turned 18 since the last round
                # A deleted document's files that a crash left on disk (files/blobs.py `to_release`).
                await release_pending(session, app.state.storage)
                # Reimbursed care aged past what Carnet keeps, in a dossier or waiting for one.
                await purge_aged_care(session, today=paris_today())
                # The words of documents deleted since the last round, out of SQLite's index and file (search.py).
                await erase_deleted_words(session)
        except Exception as exc:  # a busy database now is fine: the next round catches up
            log.warning("housekeeping skipped: %s", type(exc).__name__)


async def start(app: Litestar) -> None:
    app.state.housekeeping = asyncio.get_running_loop().create_task(_every_few_minutes(app))


async def stop(app: Litestar) -> None:
    task = getattr(app.state, "housekeeping", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
