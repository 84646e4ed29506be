"""One rendered form, one submission: the same form sent twice runs once.

A browser sends a POST again by itself when the connection drops after the server answered but before the answer
arrived (an outside probe saw Chromium send two, 60 ms apart, from one tap: two identical allergies, documents,
grants and log lines), and a person taps again after "Pas de connexion". Each form a page renders carries a
one-time id beside its CSRF token (templating.FormInput). The first POST of that id, in a session, to a method and
path, claims it here before its handler runs; if it succeeds with a redirect, the redirect is kept with it. The same
submission again, while the first still runs (it waits, a few seconds at most) or after it, gets that redirect, and
its handler does not run. htmx's request follows a 303 as a browser does (the app answers a boosted form with a
plain 303, never HX-Redirect), so the same answer serves both. Anything else (a form refused with its errors, an
error, an answer that sets a cookie, which could not be given twice) leaves nothing: the form, corrected or tried
again, runs. JSON and htmx calls without a form's id are left alone.

The rows are in the database, so that every process of a site sees them. A row holds a hash and a path of opaque
ids and fixed words, never what the form said; housekeeping removes it when no page of its session can post.

Chromium keeps the page a form was sent from in its back/forward cache, no-store as it is, and Back shows it again
with the id already spent: without JavaScript (which reloads such a page: carnet.js), a second allergy typed into it
was answered "C'est enregistré" and never added. Chromium brings a no-store page back only if no cookie changed
meanwhile, so every answer to a form sets SENT_COOKIE afresh: Back asks the server for the page, with new ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from datetime import timedelta

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from .auth.csrf import SAFE_METHODS, CSRFMiddleware
from .db import begin_write
from .errors import Refused
from .i18n import _
from .models import FormSubmission, utcnow
from .auth.sessions import REQUEST_DB
from .templating import SUBMISSION_FIELD

log = logging.getLogger("carnet.submissions")

ID_FORMAT = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
REDIRECTS = (302, 303)
# How long a copy waits for the first's answer: a form's handler answers within a second or two (a PDF's pages).
WAIT_S = 5.0
POLL_S = 0.05
# A claim this old with no answer was its process's when it stopped (a crash, a restart): the next copy runs.
ABANDONED = timedelta(minutes=2)
SENT_COOKIE = "carnet_envoi"  # random, and read by no one: only its change counts


def submission_key(*, session_token: str, submission: str, method: str, path: str) -> str:
    return hashlib.sha256(f"{session_token}|{submission}|{method}|{path}".encode()).hexdigest()


async def claim(db: AsyncSession, key: str) -> bool:
    """Whether this request runs the submission: none ran it, or one that stopped without an answer long ago."""
    now = utcnow()
    insert = postgresql_insert if db.bind.dialect.name == "postgresql" else sqlite_insert
    unanswered = FormSubmission.status.is_(None)  # type: ignore[union-attr]
    abandoned = unanswered & (FormSubmission.created_at < now - ABANDONED)
    statement = insert(FormSubmission).values(key=key, created_at=now).on_conflict_do_update(
        index_elements=["key"], set_={"created_at": now}, where=abandoned)
    await begin_write(db)
    claimed = (await db.exec(statement)).rowcount == 1  # type: ignore[call-overload]
    await db.commit()
    return claimed


async def first_answer(db: AsyncSession, key: str) -> tuple[int, str] | None:
    """The redirect the first run of the submission answered; None when it is not claimed (any more), or if it was
    not answered within WAIT_S (a French 409: it may still be running)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        row = (await db.exec(select(FormSubmission.status, FormSubmission.location)  # type: ignore[call-overload]
                             .where(FormSubmission.key == key))).first()
        await db.commit()  # a new snapshot at the next look (SQLite's WAL keeps a transaction's)
        if row is None or row.status is not None:
            return None if row is None else (row.status, row.location)
        if time.monotonic() >= deadline:
            raise Refused(409, _("Ce formulaire a déjà été envoyé et son enregistrement n'est pas terminé : "
                                 "rechargez la page dans un instant pour voir s'il a abouti."))
        await asyncio.sleep(POLL_S)


async def settle(db: AsyncSession, key: str, answer: tuple[int, str] | None) -> None:
    """Keep the redirect the submission answered, or release it (`answer` None) so that it may be sent again."""
    try:
        if db.in_transaction():
            await db.rollback()  # what the handler left uncommitted was never done: not this transaction's to commit
        await begin_write(db)
        if answer is None:
            await db.exec(delete(FormSubmission).where(FormSubmission.key == key))  # type: ignore[call-overload]
        else:
            await db.exec(update(FormSubmission).where(FormSubmission.key == key)  # type: ignore[call-overload]
                          .values(status=answer[0], location=answer[1]))
        await db.commit()
    except DBAPIError as exc:
        # The answer is sent already. A claim left unanswered: a copy is asked to reload, then runs once ABANDONED.
        await db.rollback()
        log.warning("submission not %s: %s", "released" if answer is None else "kept", type(exc).__name__)


async def sent_submission(request: Request) -> str | None:
    """The form's submission id; None for a request without one (JSON, an htmx call outside a form)."""
    if request.content_type[0] not in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        return None
    sent = (await request.form()).get(SUBMISSION_FIELD)  # parsed already, by CSRFMiddleware
    return sent if isinstance(sent, str) and ID_FORMAT.fullmatch(sent) else None


def sent_cookie(scope: Scope) -> str:
    """A new value of SENT_COOKIE, as a Set-Cookie header's value."""
    secure = scope["litestar_app"].state.settings.secure_cookies
    return Cookie(key=f"__Host-{SENT_COOKIE}" if secure else SENT_COOKIE, value=secrets.token_urlsafe(8), path="/",
                  httponly=True, secure=secure, samesite="lax").to_header(header="")


def redirect_of(message: Message) -> tuple[int, str] | None:
    """The answer to keep from a response's start: a redirect to this site's path, which sets no cookie."""
    headers = {name.lower(): value for name, value in message.get("headers", [])}
    location = headers.get(b"location", b"").decode("latin-1")
    if (message["status"] not in REDIRECTS or b"set-cookie" in headers or not location.startswith("/")
            or location.startswith("//") or len(location) > 2000):
        return None
    return message["status"], location


class SubmissionMiddleware(ASGIMiddleware):
    """Runs after CSRFMiddleware: the request is this session's, and its form is parsed (a multipart one too)."""

    should_bypass_for_scope = staticmethod(CSRFMiddleware.should_bypass_for_scope)  # its exempt paths

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session_token = scope.get("auth")
        if scope["method"] in SAFE_METHODS or session_token is None:
            await next_app(scope, receive, send)
            return
        submission = await sent_submission(Request(scope, receive))
        if submission is None:
            await next_app(scope, receive, send)
            return
        db: AsyncSession = scope[REQUEST_DB]  # type: ignore[literal-required]
        key = submission_key(session_token=session_token, submission=submission, method=scope["method"],
                             path=scope["path"])
        while not await claim(db, key):
            answer = await first_answer(db, key)
            if answer is not None:
                await self._answer(send, answer, cookie=sent_cookie(scope))
                return
            # Released meanwhile: the first run failed, or was refused, so nothing was done. This one runs.

        kept: tuple[int, str] | None = None

        async def watching(message: Message) -> None:
            nonlocal kept
            if message["type"] == "http.response.start":
                kept = redirect_of(message)  # the handler's answer: the cookie added below is not its
                MutableScopeHeaders.from_message(message).add("set-cookie", sent_cookie(scope))
            await send(message)

        try:
            await next_app(scope, receive, watching)
        except BaseException:
            await settle(db, key, None)
            raise
        await settle(db, key, kept)

    @staticmethod
    async def _answer(send: Send, answer: tuple[int, str], *, cookie: str) -> None:
        status, location = answer
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0"),
                                (b"set-cookie", cookie.encode("latin-1"))]})
        await send({"type": "http.response.body", "body": b""})
