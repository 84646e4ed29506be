"""CSRF: every form and JSON call carries a token bound to this browser *and* to its session.

Litestar's own CSRF middleware is a double-submit cookie: the token is the cookie's value, so a
cookie-and-token pair obtained anywhere works in any session it is planted in. Here the cookie
holds a random secret that never leaves as a token; the token is an HMAC of that secret and of
the session the request runs in (OWASP CSRF cheat sheet, "signed double-submit cookie" bound to
the session). A session that rotates (login, activation) makes earlier pages' tokens stale,
which is what we want: a page from before the login cannot post after it.

Unsafe requests with a form body have it parsed here, once (Litestar keeps it for the handler):
a body that cannot be parsed (a non-UTF-8 text part, a broken multipart) is a French 400 here,
before any handler or login check runs, never an exception from deep in the stack.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from ..config import Settings
from ..errors import SESSION_GONE, Refused
from ..i18n import _
from .sessions import cookie_value

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECRET_FORMAT = re.compile(r"[0-9a-f]{64}")
MASKED_FORMAT = re.compile(r"[0-9a-f]{128}")
HEADER = "x-csrftoken"
FIELD = "_csrf_token"


def cookie_name(settings: Settings) -> str:
    # "__Host-": this exact host, over HTTPS only, so no sibling domain can plant it (RFC 6265bis 4.1.3.2).
    return "__Host-csrftoken" if settings.secure_cookies else "csrftoken"


def expected_token(settings: Settings, *, browser_secret: str, session_token: str | None) -> str:
    binding = hashlib.sha256((session_token or "").encode()).hexdigest()
    return hmac.new(settings.secret.encode(), f"csrf|{browser_secret}|{binding}".encode(), hashlib.sha256).hexdigest()


def masked(token: str) -> str:
    """The token as a page carries it: XORed with a fresh pad, different in every response.

    Pages are compressed; a secret that is the same in every response, next to text an attacker
    can make the page repeat, leaks through the compressed length (BREACH). A masked token never
    repeats (the pad travels with it), so there is nothing to guess byte by byte.
    """
    pad = secrets.token_bytes(32)
    return pad.hex() + bytes(a ^ b for a, b in zip(pad, bytes.fromhex(token), strict=True)).hex()


def unmasked(sent: str) -> str:
    """The token a masked one carries; "" for anything that is not one."""
    if len(sent) != 128 or MASKED_FORMAT.fullmatch(sent) is None:
        return ""
    pad, xored = bytes.fromhex(sent[:64]), bytes.fromhex(sent[64:])
    return bytes(a ^ b for a, b in zip(pad, xored, strict=True)).hex()


def page_token(scope: Scope, settings: Settings, *, session_token: str) -> str:
    """The token (masked) a page of this browser posts with in the session `session_token`, from a request that passed
    the check (its cookie holds the browser's secret): a page that goes on, without a reload, in the session that
    request's new login opened (views/recent_login.py)."""
    browser_secret = cookie_value(scope, cookie_name(settings)) or ""
    return masked(expected_token(settings, browser_secret=browser_secret, session_token=session_token))


# Software calls the API with a bearer token and no cookie: nothing there for a forged request to ride on.
# So do SMART Health Links' recipients (views/shlinks.py): the link is the credential, no cookie is read. And the
# transparency log's public answers (views/transparency.py), read by anyone: nothing there is changed.
EXEMPT = re.compile(r"/static/|/icons/|/fhir(/|$)|/api/|/\.well-known/|/shl(/|$)|/journal/")


def from_elsewhere(scope: Scope) -> bool:
    """Whether the browser says the request was sent by another site's page: its Sec-Fetch-Site (every current
    browser), or an Origin whose host is not the one asked. The token is the defence; this one refuses a forged
    request before its body is read, should a token ever leak (an outside probe's find: only the token stood). Compared
    with the request's own host, not Carnet's configured address: a page reached by another of its names (127.0.0.1
    for localhost) is its own site still, told in French why a passkey will not work there (views/auth.py). "null" is
    no other site: the pages' Referrer-Policy (no-referrer) makes a browser send it for their own forms."""
    headers = dict(scope["headers"])
    if headers.get(b"sec-fetch-site", b"").decode("latin-1") in ("cross-site", "same-site"):
        return True
    sent = headers.get(b"origin", b"").decode("latin-1")
    return bool(sent) and sent != "null" and urlsplit(sent).netloc.lower() != \
        headers.get(b"host", b"").decode("latin-1").lower()


class CSRFMiddleware(ASGIMiddleware):
    """Runs after SessionMiddleware, which puts the session token in `scope["auth"]`."""

    # By the request's path, as Litestar 3 will read it (a pattern is matched against the route's path there).
    should_bypass_for_scope = staticmethod(lambda scope: EXEMPT.match(scope["path"]) is not None)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        settings: Settings = scope["litestar_app"].state.settings
        name = cookie_name(settings)
        browser_secret = cookie_value(scope, name) or ""
        fresh = SECRET_FORMAT.fullmatch(browser_secret) is None
        if fresh:
            browser_secret = secrets.token_hex(32)
        token = expected_token(settings, browser_secret=browser_secret, session_token=scope.get("auth"))
        ScopeState.from_scope(scope).csrf_token = masked(token)  # what templates' csrf_input and csrf_token() give

        if scope["method"] not in SAFE_METHODS:
            if from_elsewhere(scope):
                raise PermissionDeniedException("cross-site request")
            sent = await self._sent_tokens(Request(scope, receive))
            if fresh or not any(hmac.compare_digest(unmasked(s).encode(), token.encode()) for s in sent):
                # No session now, and a token of this browser's that is not a sessionless page's: the page was
                # rendered in a session that has ended since (its cookie cleared by a logout in another tab).
                # exception_handlers.on_csrf says so, as it does of a session ended while idle, not "Action refusée".
                scope.setdefault("state", {})[SESSION_GONE] = (not fresh and scope.get("auth") is None
                                                               and any(unmasked(s) for s in sent))
                raise PermissionDeniedException("CSRF token verification failed")
        if fresh:
            send = self._setting_cookie(send, Cookie(
                key=name, value=browser_secret, path="/", secure=settings.secure_cookies, httponly=True,
                samesite="strict",
            ))
        await next_app(scope, receive, send)

    @staticmethod
    async def _sent_tokens(request: Request) -> list[str]:
        """The header's token and the form's (a form rendered after a login carries the new session's)."""
        sent = [request.headers.get(HEADER)]
        content_type = request.content_type[0]
        if content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            try:
                # The body first, kept in the scope: a handler that reads it again (a JSON route sent a
                # form) gets these bytes back, instead of waiting forever on a stream already read.
                await request.body()
                form = await request.form()  # kept in the scope: the handler does not parse it again
            except HTTPException:  # too large (413), no boundary (400): already an answer
                raise
            except Exception as exc:  # noqa: BLE001 - every way a body can be malformed is the sender's error
                raise Refused(400, _("Le formulaire envoyé est illisible : rechargez la page et recommencez.")) from exc
            sent.append(form.get(FIELD))
        return [s for s in sent if isinstance(s, str) and 0 < len(s) <= 128]

    @staticmethod
    def _setting_cookie(send: Send, cookie: Cookie) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        return wrapped
