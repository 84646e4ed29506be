"""Who may reach a route at all; what they may see inside is `access.py`'s business."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler


def logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current = connection.user
    if current is None or not current.row.authenticated:
        raise NotAuthorizedException()


def enrolling_or_logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """An activation (or a recovery) that still waits for its passkey, or a full session."""
    if connection.user is None:
        raise NotAuthorizedException()


def professional_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """A professional's full session; anyone else is sent to the login page."""
    logged_in(connection, handler)
    if connection.user.account.professional_id is None:
        raise NotAuthorizedException()
