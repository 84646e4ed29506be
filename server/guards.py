"""Who may reach a route at all; what they may see inside is `access/rule.py`'s business.

The guards are coroutines: Litestar runs a plain function guard in a worker thread (anyio's
`to_thread`), a hop there and back on every request for a test of one attribute."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler


async def logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current = connection.user
    if current is None or not current.row.authenticated:
        raise NotAuthorizedException()


async def enrolling_or_logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """An activation (or a recovery) that still waits for its passkey, or a full session."""
    if connection.user is None:
        raise NotAuthorizedException()


async def professional_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """A professional's full session; anyone else is sent to the login page."""
    await logged_in(connection, handler)
    if connection.user.account.professional_id is None:
        raise NotAuthorizedException()
