"""Loads the server-side session named by the cookie into `request.user`."""

from __future__ import annotations

from datetime import timedelta

from litestar.datastructures import Cookie
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from .accounts import CurrentSession, load_session
from .config import Settings
from .db import hold_loaded_rows


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
    exclude_path_pattern = ("^/static/", "^/icons/")

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
            scope["auth"] = token if current else None
            scope[REQUEST_DB] = db  # type: ignore[literal-required]
            await next_app(scope, receive, send)


def session_cookie(settings: Settings, token: str | None) -> Cookie:
    """The session cookie to set (or, with no token, to clear)."""
    return Cookie(
        key=settings.session_cookie,
        value=token or "",
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=settings.session_max_hours * 3600 if token else 0,
    )
