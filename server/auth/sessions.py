"""The web session: its row (a hash of the cookie's token names it), opened at login, loaded into `request.user`
by the middleware on each request, ended at logout."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from litestar.datastructures import Cookie
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import Select, bindparam, delete, exists, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .accounts import hash_secret
from ..config import Settings
from ..db import HELPS_NO_ONE, SIGNED_IN_PROFESSIONAL, SIGNED_IN_WITH, begin_write, hold_loaded_rows, unless_busy
from ..models import Account, Delegation, Professional, WebSession, utcnow


# In a session's data: the passkey it was opened with ("Mes clés d'accès" marks it).
LOGGED_IN_WITH = "passkey"
# In a session's data: opened by a recovery code ("J'ai perdu ma clé d'accès"), so "Mes clés d'accès" says first
# that the other devices' keys still open the account, until none is left.
RECOVERED = "recovered"
# In a half-session's data: the account its first passkey will make (start_session's `new`), until it is made.
NEW_ACCOUNT = "new_account"
# In a session's data: what a form sent to an action refused for want of a recent login (views/recent_login.py),
# until the new login; after it, the same form (RESUMED_FORM), until its page has filled it again. Never in an address.
REFUSED_FORM = "refused_form"
RESUMED_FORM = "resumed_form"
# In a session's data: the dossier whose menu last led to the account's own pages (views/account.py), whose menu they
# keep and to which they lead back.
ACCOUNT_PAGES_FROM = "account_pages_from"
# In a request's scope: its cookie named a session that its idle limit just ended, so the login page can say so.
IDLE_ENDED = "carnet.idle_ended"


@dataclass
class CurrentSession:
    row: WebSession
    account: Account  # not saved yet for a new account (`is_new_account`)
    professional: Professional | None = None  # the account's, for a professional (asked with it: no question more)

    @property
    def data(self) -> dict:
        return json.loads(self.row.data or "{}")

    @property
    def resumes_form(self) -> bool:
        """Whether a new login has a form to give back (base.html says so on the page that fills it again)."""
        return self.row.authenticated and RESUMED_FORM in self.data

    @property
    def is_new_account(self) -> bool:
        """Whether the account is still to be made, by the passkey this half-session registers."""
        return self.row.account_id is None


async def start_session(
    session: AsyncSession,
    *,
    account: Account,
    authenticated: bool,
    replacing: str | None = None,
    data: dict | None = None,
    new: bool = False,
) -> str:
    """Open a new server-side session (a new token: sessions rotate at every login).

    `new`: the account is not saved, and will not be before its first passkey (passkeys.finish_registration
    makes it): the session keeps it meanwhile, so that someone who stops half-way leaves no account behind.
    """
    await begin_write(session)
    if replacing:
        await session.exec(delete(WebSession).where(WebSession.id == hash_secret(replacing)))  # type: ignore[call-overload]
    token = secrets.token_urlsafe(32)
    if new:
        data = {**(data or {}), NEW_ACCOUNT: {"id": account.id, "user_handle": account.user_handle,
                                             "display_name": account.display_name}}
    session.add(WebSession(id=hash_secret(token), account_id=None if new else account.id, authenticated=authenticated,
                           data=json.dumps(data or {})))
    await session.commit()
    return token


async def load_session(session: AsyncSession, *, token: str, idle: timedelta, max_age: timedelta) -> CurrentSession | None:
    found = (await session.exec(_session_and_account(), params={"id": hash_secret(token)})).first()
    if found is None:
        return None
    row, account, professional, helps = found
    now = utcnow()
    # Snapshots for the whole request: the handler shares this database session, and its rollbacks
    # (a refusal, or the bookkeeping below) must not expire who is asking.
    session.expunge(row)
    if account is None:  # a new account's half-session: the account is the one its first passkey will make
        kept = json.loads(row.data or "{}").get(NEW_ACCOUNT)
        if kept is None or row.authenticated:
            return None
        account = Account(**kept)  # not added to any database session here: only its first passkey saves it
    else:
        session.expunge(account)
    if professional is not None:
        session.expunge(professional)
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        session.info[IDLE_ENDED] = now - row.last_seen_at > idle
        # Ended all the same (it is not returned); deleted now, or by the next request or housekeeping if busy.
        await unless_busy(session, lambda: session.exec(delete(WebSession).where(WebSession.id == row.id)))  # type: ignore[call-overload]
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not one per request
        seen = update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now)
        if await unless_busy(session, lambda: session.exec(seen)):  # type: ignore[call-overload]  (busy: a minute on)
            row.last_seen_at = now
    if professional is not None:  # who a professional's reads are logged as (access.reading.professional_actor)
        session.info[SIGNED_IN_PROFESSIONAL] = professional
    if row.authenticated and account.patient_id is not None:  # which of her keys her actions are logged with
        session.info[SIGNED_IN_WITH] = (account.id, json.loads(row.data or "{}").get(LOGGED_IN_WITH))
    if not helps:
        session.info[HELPS_NO_ONE] = account.id
    return CurrentSession(row=row, account=account, professional=professional)


@cache
def _session_and_account() -> Select:
    """One query for the session, its account and the account's professional, built once (listing says why):
    every request asks it, and each of a professional's reads names them in the log. And whether the account
    helps with a dossier: most do not, and then each page's band asks nothing more (db.HELPS_NO_ONE)."""
    helps = exists().where(Delegation.caregiver_account_id == Account.id,  # type: ignore[arg-type]
                           Delegation.revoked_at.is_(None))  # type: ignore[union-attr]
    return (select(WebSession, Account, Professional, helps.label("helps"))
            .outerjoin(Account, Account.id == WebSession.account_id)  # type: ignore[arg-type]  (none: a new account's)
            .outerjoin(Professional, Professional.id == Account.professional_id)  # type: ignore[arg-type]
            .where(WebSession.id == bindparam("id")))


async def save_session_data(session: AsyncSession, *, current: CurrentSession, data: dict) -> None:
    # An UPDATE, not session.add(): the row belongs to the middleware's (closed) session.
    await begin_write(session)
    current.row.data = json.dumps(data)
    await session.exec(update(WebSession).where(WebSession.id == current.row.id).values(data=current.row.data))  # type: ignore[call-overload]
    await session.commit()


MAX_SAVED_SEARCHES = 20


async def remember_search(session: AsyncSession, *, current: CurrentSession, query: str) -> str:
    """An opaque token for what this person searched (the timeline's words, a name in the directory): the address
    carries the token, the session the words, so a search is never in a URL and Back finds it again."""
    data = current.data
    searches: dict = data.get("searches", {})
    token = next((t for t, q in searches.items() if q == query), "")
    if token:
        return token
    token = secrets.token_urlsafe(6)
    searches[token] = query
    data["searches"] = dict(list(searches.items())[-MAX_SAVED_SEARCHES:])
    await save_session_data(session, current=current, data=data)
    return token


def remembered_search(current: CurrentSession, token: str | None) -> str:
    """The words a token of `remember_search` stands for; "" for any other."""
    return current.data.get("searches", {}).get(token, "") if token else ""


# What a session opened this long ago may still do that would let someone in: add a passkey, make new recovery
# codes. A phone left unlocked (or taken) in a live session must log in again, with its owner's passkey, first.
RECENT_LOGIN = timedelta(minutes=10)


def logged_in_recently(current: CurrentSession) -> bool:
    """Whether this session was opened (a passkey's login, a new login within it, an activation) less than
    RECENT_LOGIN ago."""
    return utcnow() - current.row.created_at <= RECENT_LOGIN


async def end_sessions(session: AsyncSession, *, account_id: str, opened_with: str | None = None,
                       but: str | None = None) -> set[str]:
    """End the account's sessions opened with the passkey `opened_with` (it is being removed: a lost phone's
    session ends with its key), or, without it, every one but `but` ("Déconnecter les autres appareils"), in
    the caller's transaction. Returns the ids of those ended. An account has a few sessions: read, then chosen."""
    rows = await session.exec(select(WebSession.id, WebSession.data).where(WebSession.account_id == account_id))
    ended = {row_id for row_id, data in rows.all() if row_id != but
             and (opened_with is None or json.loads(data or "{}").get(LOGGED_IN_WITH) == opened_with)}
    if ended:
        await session.exec(delete(WebSession).where(WebSession.id.in_(ended)))  # type: ignore[call-overload,attr-defined]
    return ended


async def live_sessions(session: AsyncSession, *, account_id: str, settings: Settings) -> int:
    """How many devices are logged in to the account now (this one included)."""
    now = utcnow()
    count = await session.exec(_live_sessions(), params={
        "account_id": account_id, "seen_after": now - timedelta(minutes=settings.session_idle_minutes),
        "opened_after": now - timedelta(hours=settings.session_max_hours)})
    return count.one()


@cache
def _live_sessions() -> Select:
    """Built once ("Mes clés d'accès" asks it at each visit; listing says why)."""
    return select(func.count()).select_from(WebSession).where(
        WebSession.account_id == bindparam("account_id"), WebSession.authenticated,
        WebSession.last_seen_at > bindparam("seen_after"), WebSession.created_at > bindparam("opened_after"))


async def end_session(session: AsyncSession, *, token: str) -> None:
    await session.exec(delete(WebSession).where(WebSession.id == hash_secret(token)))  # type: ignore[call-overload]
    await session.commit()


def cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


REQUEST_DB = "carnet.db"


class SessionMiddleware(ASGIMiddleware):
    # By the request's path, as Litestar 3 will read it (a pattern is matched against the route's path there).
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith(("/static/", "/icons/")))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        state = scope["litestar_app"].state
        settings: Settings = state.settings
        current: CurrentSession | None = None
        token = cookie_value(scope, settings.session_cookie)
        # One database session for the whole request: the handler's `db` is this one (app.provide_db),
        # so a request checks out one connection, not two.
        async with state.sessionmaker() as db:
            hold_loaded_rows(db)
            if token:
                current = await load_session(
                    db,
                    token=token,
                    idle=timedelta(minutes=settings.session_idle_minutes),
                    max_age=timedelta(hours=settings.session_max_hours),
                )
            scope["user"] = current
            scope[IDLE_ENDED] = db.info.pop(IDLE_ENDED, False)  # type: ignore[literal-required]
            scope["auth"] = token if current else None
            scope[REQUEST_DB] = db  # type: ignore[literal-required]
            await next_app(scope, receive, send)


def session_cookie(settings: Settings, token: str | None) -> Cookie:
    """The session cookie to set (or, with no token, to clear).

    A browser-session cookie (no Max-Age), for every account: closing the browser logs out, as a pharmacy's shared
    computer needs (the next person must not read, logged as her, what she opened). The server ends the session all
    the same after its idle and 12-hour limits, whatever a browser keeps: Chrome on Android restores session cookies
    when it reopens, so a patient's phone that killed the app keeps her logged in until then."""
    return Cookie(
        key=settings.session_cookie,
        value=token or "",
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=None if token else 0,
    )
