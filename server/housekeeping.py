"""Removing what has expired (passkey challenges, sessions, attempt counters, forms' submissions, codes never used,
SMART Health Links' keys and spent file addresses, the API's tokens), erasing a deleted document's files a crash left
behind, and applying 18th birthdays.

Every one of these tables gains a row from requests anyone can make (a login page asks for a
challenge; a wrong code counts a failure), or holds a secret that serves no more once it ended: left alone they only
grow. Each app process runs `purge_expired` every few minutes; it only deletes rows that can no longer mean anything,
so several processes doing it at once is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from litestar import Litestar
from sqlalchemy import and_, case, delete, or_, update
from sqlmodel.ext.asyncio.session import AsyncSession

from .access.share_codes import UNUSED_KEPT as SHARE_CODE_KEPT
from .auth.accounts import UNUSED_ACTIVATION_KEPT
from .auth.throttles import FORGIVEN_AFTER
from .caregivers.invitations import UNUSED_KEPT as INVITATION_KEPT
from .caregivers.majority import apply_majority
from .db import begin_write
from .fhir.tokens import CLOCK_SKEW
from .files.blobs import release_pending
from .models import (
    ActivationCode, ApiAssertion, ApiToken, CaregiverInvitation, FormSubmission, PasskeyChallenge, ShareCode, ShareLink,
    SpentLocation, Throttle, WebSession, paris_today, utcnow,
)
from .models.exchanges import KEYED
from .reimbursements.retention import purge_aged_care
from .search import erase_deleted_words
from .shlinks.links import ENDED_KEPT, ERASED

log = logging.getLogger("carnet.housekeeping")
EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class Purged:
    challenges: int
    sessions: int
    throttles: int
    submissions: int
    share_codes: int
    invitations: int
    activation_codes: int
    links: int  # erased whole: never opened
    link_keys: int  # opened: their key and their passcode's hash erased
    locations: int  # file addresses spent (shlinks/manifest.py), once they would have ended anyway
    tokens: int  # the API's, and the assertions they were exchanged for


# How long a code never used is kept once it ended: each module says why that long.
UNUSED_CODES = ((ShareCode, SHARE_CODE_KEPT), (CaregiverInvitation, INVITATION_KEPT),
                (ActivationCode, UNUSED_ACTIVATION_KEPT))


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
    # Through the index of the unused ones (migration 0049): a used code stays. Erased, it is refused as one that
    # never was, by the same words and counted the same.
    codes = [(await session.exec(delete(code).where(  # type: ignore[call-overload]
        code.used_at.is_(None), code.expires_at < now - kept))).rowcount for code, kept in UNUSED_CODES]
    links, link_keys = await _ended_links(session, before=now - ENDED_KEPT)
    # An address is refused from its end on, spent or not: kept one clock skew more, for other processes' clocks.
    locations = await session.exec(delete(SpentLocation).where(  # type: ignore[call-overload]
        SpentLocation.expires_at < now - CLOCK_SKEW))
    tokens = await _expired_tokens(session, now=now)
    await session.commit()
    return Purged(challenges.rowcount, sessions.rowcount, throttles.rowcount, submissions.rowcount, *codes, links,
                  link_keys, locations.rowcount, tokens)


async def _ended_links(session: AsyncSession, *, before: datetime) -> tuple[int, int]:
    """SMART Health Links expired before `before` (shlinks/links.py, ENDED_KEPT): those never opened erased, the others
    left with what the patient's page says of them."""
    # The index's own condition (migration 0049), a constant: PostgreSQL's generic plan would not prove it from a
    # bound value.
    ended = and_(KEYED, ShareLink.expires_at < before)
    unopened = await session.exec(delete(ShareLink).where(  # type: ignore[call-overload]
        ended, ShareLink.fetch_count == 0))
    opened = await session.exec(update(ShareLink).where(  # type: ignore[call-overload]
        ended, ShareLink.fetch_count > 0).values(
        key=b"", passcode_hash=case((ShareLink.passcode_hash == "", ""), else_=ERASED)))
    return unopened.rowcount, opened.rowcount


async def _expired_tokens(session: AsyncSession, *, now: datetime) -> int:
    """The API's bearer tokens once expired, and the assertions exchanged for them once they can no longer be."""
    tokens = await session.exec(delete(ApiToken).where(ApiToken.expires_at <= now))  # type: ignore[call-overload]
    # An assertion is refused as expired from its `expires_at` (its exp and the clock skew allowed, fhir/tokens.py),
    # to the whole second the check reads: kept one skew more, for that second and for other processes' clocks.
    assertions = await session.exec(delete(ApiAssertion).where(  # type: ignore[call-overload]
        ApiAssertion.expires_at < now - CLOCK_SKEW))
    return tokens.rowcount + assertions.rowcount


async def _every_few_minutes(app: Litestar) -> None:
    settings = app.state.settings
    while True:
        await asyncio.sleep(EVERY.total_seconds())
        try:
            async with app.state.sessionmaker() as session:
                await purge_expired(session, idle=timedelta(minutes=settings.session_idle_minutes),
                                    max_age=timedelta(hours=settings.session_max_hours))
                await apply_majority(session)  # parents whose child turned 18 since the last round
                # Their changes' pushes, committed, go out as a request's do (app.provide_db, notifications/webpush.py).
                app.state.pusher.send_committed(session, app.state.sessionmaker)
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
