"""The application factory: settings, database, templates, security headers, logging."""

from __future__ import annotations

import gc
import logging
import re
import time
from collections.abc import AsyncIterator
from functools import partial
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.config.compression import CompressionConfig
from litestar.template import TemplateConfig
from litestar.types import Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from . import assets, housekeeping, i18n
from .config import Settings, load_settings
from .auth.csrf import CSRFMiddleware
from .db import make_engine, make_sessionmaker
from .i18n import formats
from .errors import API_PATHS, HEAD_ASKED, NoControlCharacters
from .exception_handlers import exception_handlers, find_own_documents
from .auth.sessions import REQUEST_DB, SessionMiddleware
from .submissions import SubmissionMiddleware
from .fhir.tokens import LOGGED_CALLER
from .files.store import DiskStorage
from .notifications import webpush
from .templating import configure_templates
from .tlog import integrator
from .views import (
    access,
    activation,
    auth,
    care,
    caregivers,
    documents,
    export,
    fhir,
    form_actions,
    home,
    language,
    joining,
    log,
    log_exports,
    majority,
    notifications,
    passkeys,
    patient_devices,
    patient_uploads,
    privacy,
    pro,
    pro_activity,
    pro_corrections,
    pro_documents,
    pro_dossiers,
    pro_software,
    profile,
    profile_adding,
    profile_changes,
    pwa,
    recent_login,
    recovery,
    see_as,
    share_codes,
    shlinks,
    timeline,
    transparency,
)

HERE = Path(__file__).parent
access_log = logging.getLogger("carnet.access")
CLIENT_GONE = 499  # the status the log gives a request whose client left before its answer began (nginx's)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
        "worker-src 'self'",
    ]
)


# The viewer of a SMART Health Link, its manifest and its file (views/shlinks.py).
FOR_ANYONE = re.compile(r"/shl(/|$)")


def language_of(scope: Scope) -> str:
    """The language chosen on the page (a cookie), else the browser's (Accept-Language). Software
    calling the API reads French diagnostics, as the French guides it follows write them."""
    if scope["path"].startswith(API_PATHS):
        return i18n.SOURCE
    headers = dict(scope.get("headers", []))
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
    except CookieError:
        pass
    chosen = cookies[i18n.COOKIE].value if i18n.COOKIE in cookies else None
    accepted = headers.get(b"accept-language", b"").decode("latin-1")
    if FOR_ANYONE.match(scope["path"]):
        # A SMART Health Link is opened by anyone, anywhere (a doctor in Lisbon): a browser that asks for neither
        # French nor English reads English there. The viewer sets no cookie, so its switch is in its address.
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(i18n.COOKIE)
        return i18n.choose(asked[-1] if asked else chosen, accepted, fallback="en")
    return i18n.choose(chosen, accepted)


# What only a document (a page, an SVG opened alone, a worker's script) obeys: sent with everything but a static
# file that never is one, a stylesheet, a page's script or an image, where they were a tenth of a first visit's bytes.
DOCUMENT_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
]
NEVER_DOCUMENTS = (b"text/css", b"text/javascript", b"application/javascript", b"image/png", b"image/x-icon")


def _never_a_document(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(NEVER_DOCUMENTS) for k, v in headers)


class Carnet(Litestar):
    """Litestar, plus what every response gets: security headers, no-store, one log line; and a refused boosted form
    keeps its page's address (views/form_actions.py)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = time.perf_counter()
        # HEAD is GET without its body (RFC 9110, 9.3.2): what a monitor or a link checker asks.
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET", HEAD_ASKED: True}
        scope.setdefault("user", None)  # pages outside any route (a 404) still render the header
        status = {"code": 500, "started": False}
        settings: Settings = self.state.settings
        static = scope["path"].startswith(("/static/", "/icons/"))
        i18n.use(language_of(scope))
        formats.noting_times()

        async def receive_noting_departure() -> Any:
            message = await receive()
            if message["type"] == "http.disconnect" and not status["started"]:
                # The client went away before any answer (mid-body, or the proxy's timeout closed it): not the
                # server's error, whatever the app then makes of its unread body. nginx's 499, "client closed request".
                status["code"] = CLIENT_GONE
            return message

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["started"] = True
                if status["code"] != CLIENT_GONE:
                    status["code"] = message["status"]
                # A static file's own caching; never an error page's, which shows who is logged in (its header).
                cacheable = static and message["status"] in (200, 206, 304)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control" or cacheable]
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if not (cacheable and _never_a_document(headers)):
                    headers += DOCUMENT_HEADERS + [(b"content-language", i18n.current().encode())]
                if not cacheable:
                    # Health data must never be kept by the browser or a proxy.
                    headers.append((b"cache-control", b"no-store"))
                if settings.secure_cookies:
                    headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
                if kept := form_actions.kept_address(scope, message["status"], headers):
                    # Also for a refusal an exception handler answered, which no middleware of Litestar's sees.
                    headers.append((b"hx-replace-url", kept))
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await super().__call__(scope, receive_noting_departure, send_with_headers)
        finally:
            current = scope.get("user")
            # Software calling the API has no session: the account it acts for, and its client_id (tokens.py).
            account, client = scope.get("state", {}).get(LOGGED_CALLER, ("-", ""))
            # The route and its opaque ids; query strings are never logged.
            access_log.info(
                "%s %s %s %.1fms account=%s%s",
                "HEAD" if head else scope["method"],
                logged_path(scope),
                status["code"],
                (time.perf_counter() - started) * 1000,
                current.account.id if current else account,
                f" client={client}" if client else "",
            )


# What a path's parameter may show in the log: an opaque id (a dossier's, a document's: 32 hex digits) or a number (an
# event's). Anything else a link can put there (a name, a diagnosis, a line break that forges a log line: an operator's
# probe) is said by the parameter's name alone.
LOGGED_VALUE = re.compile(r"[0-9a-f]{32}|[0-9]{1,12}")
ROUTE_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def logged_path(scope: Scope) -> str:
    """The request's route, each parameter by its value where it is an opaque id (LOGGED_VALUE), else by its name;
    "(adresse inconnue)" for a path no route has: nothing a link chose, whatever it holds, reaches the log."""
    template = scope.get("path_template")
    if not template:
        return "(adresse inconnue)"
    params = scope.get("path_params") or {}

    def shown(match: re.Match) -> str:
        value = str(params.get(match[1], ""))
        return value if LOGGED_VALUE.fullmatch(value) else "{" + match[1] + "}"

    return ROUTE_PARAMETER.sub(shown, template)


async def provide_db(state: State, scope: Scope) -> AsyncIterator[AsyncSession]:
    """The request's database session: SessionMiddleware's, which it closes after the response."""
    session = scope.get(REQUEST_DB)
    if session is None:  # a path the middleware leaves alone
        async with state.sessionmaker() as own:
            try:
                yield own
            finally:
                state.pusher.send_committed(own, state.sessionmaker)
        return
    try:
        yield session
    finally:
        # Pushes this request committed go out now, in the background (notifications/webpush.py).
        state.pusher.send_committed(session, state.sessionmaker)


def freeze_startup_heap() -> None:
    """What starting made (modules, routes, models, compiled SQL) lives as long as the process:
    frozen out of the garbage collector, a full collection scans only what requests left behind.
    Unfrozen, one took ~75 ms every few hundred requests, the whole of a page's p99 (bench/RESULTS.md)."""
    gc.collect()
    gc.freeze()


def app_state(settings: Settings, *, engine: AsyncEngine | None = None) -> State:
    """What a Carnet app works on: its settings, its database (`engine`, else one made for it), its files, its
    pushes."""
    engine = engine or make_engine(settings.database_url)
    return State({"settings": settings, "engine": engine, "sessionmaker": make_sessionmaker(engine),
                  "storage": DiskStorage(settings.data_dir / "files"),
                  "pusher": webpush.Pusher.from_settings(settings)})  # makes the VAPID key at the first start


async def _drain_pushes(app: Litestar) -> None:
    await app.state.pusher.drain()


async def _dispose_engine(app: Litestar) -> None:
    await app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> Litestar:
    """The app, on `settings` (else the environment's). Apart from templates reloading in development, only
    `app.state` (`app_state`) depends on them: the tests build one app per process and give it each test's state,
    as the routes take a fifth of a second to register, half of what a test took."""
    settings = settings or load_settings()
    app = Carnet(
        route_handlers=[
            *home.routes,
            *privacy.routes,
            *language.routes,
            *activation.routes,
            *auth.routes,
            *recent_login.routes,
            *recovery.routes,
            *passkeys.routes,
            *timeline.routes,
            *documents.routes,
            *patient_uploads.routes,
            *access.routes,
            *care.routes,
            *profile.routes,
            *profile_adding.routes,
            *see_as.routes,
            *profile_changes.routes,
            *caregivers.routes,
            *majority.routes,
            *patient_devices.routes,
            *joining.routes,
            *log.routes,
            *log_exports.routes,
            *export.routes,
            *notifications.routes,
            *share_codes.routes,
            *shlinks.routes,
            *pro.routes,
            *pro_activity.routes,
            *pro_documents.routes,
            *pro_corrections.routes,
            *pro_dossiers.routes,
            *pro_software.routes,
            *pwa.routes,
            *fhir.routes,
            *transparency.routes,
            *form_actions.routes,
            assets.static_file,
        ],
        state=app_state(settings),
        dependencies={"db": Provide(provide_db)},
        # In this order: no control character goes further; the CSRF token is bound to the session; a form, checked
        # and parsed, runs once however many times it arrives.
        middleware=[NoControlCharacters(), SessionMiddleware(), CSRFMiddleware(), SubmissionMiddleware()],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine,
            engine_callback=partial(configure_templates, reload=settings.env == "development"),
        ),
        # Pages and fragments, brotli or gzip as the browser accepts (static files come compressed already;
        # documents, page images and the PNG icons are compressed formats of their own; the SVG favicon is text).
        compression_config=CompressionConfig(
            # Fast levels: a page is compressed at every request, and CPU is what limits a server's pages. On a 38 KB
            # Historique page (bench seed; best of 7 x 40, CPU time), brotli 5 (Litestar's default) took 422 us for
            # 4,564 bytes, 1 took 60 us for 5,355; gzip 6 329 us for 5,470 bytes, 3 108 us for 5,778. On an 11 KB
            # timeline: brotli 196 -> 59 us (2,609 -> 3,137 bytes), gzip 180 -> 128 us (2,903 -> 3,054).
            backend="brotli", brotli_gzip_fallback=True, minimum_size=500, brotli_quality=1, gzip_compress_level=3,
            exclude=["^/static/", r"^/icons/.*\.png$", "^/documents/[^/]+/fichier", "^/documents/[^/]+/pages/[0-9]+$",
                     "^/dossiers/[^/]+/export/[^/]+$", "^/fhir/Binary/"],
        ),
        exception_handlers=exception_handlers,
        after_exception=[find_own_documents],
        logging_config=LoggingConfig(
            log_exceptions="never",  # on_error logs every 500 with its traceback; 4xx are not errors
            loggers={"carnet": {"level": "INFO", "handlers": ["queue_listener"], "propagate": False}},
            # Other libraries' warnings only: fontTools' INFO lines named the glyphs a copy's PDF kept, the letters
            # of a patient's name and data. Health data is never logged.
            root={"level": "WARNING", "handlers": ["queue_listener"]},
        ),
        on_startup=[housekeeping.start, integrator.start, freeze_startup_heap],
        on_shutdown=[housekeeping.stop, integrator.stop, _drain_pushes, _dispose_engine],
        debug=False,
        openapi_config=None,  # no public map of every route: Carnet's API is FHIR's, with its own CapabilityStatement
    )
    return app
