"""Notifications: this device's Web Push subscription, the banner's "Vu", and how often to be told.

Subscribing is JSON from push.js (`PushSubscription.toJSON()`, CSRF header); the rest are
plain forms with a 303, which htmx enhances. What is decided lives in `notifications/`
(devices.py, banners.py, notify.py), how it is sent in its `webpush.py`.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..errors import error_response
from ..guards import logged_in
from ..i18n import _
from ..accesslog.journal import Viewer
from ..models import utcnow
from ..auth import sessions
from ..notifications import banners, devices, notify
from ..caregivers.confidential import kept_from
from ..access.managing import manage_dossier
from .forms import Form, parse_int, text


async def patient_or_caregiver(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Only those the notifications are for may subscribe a device: a patient, or an active caregiver."""
    await logged_in(connection, handler)
    account = connection.user.account
    if account.patient_id is not None:
        return
    async with connection.app.state.sessionmaker() as db:
        if await devices.cares_for_someone(db, account_id=account.id):
            return
    raise PermissionDeniedException()


@get("/notifications/cle-publique")
async def public_key(request: Request) -> Response:
    # The VAPID public key is public by design (RFC 8292, 3.2): browsers hand it to their push service.
    return Response({"key": request.app.state.pusher.application_server_key})


@post("/notifications/abonnement", guards=[patient_or_caregiver], status_code=200)
async def subscribe(request: Request, db: AsyncSession) -> Response:
    try:
        endpoint, p256dh, auth = devices.parse_subscription(await request.body(), env=request.app.state.settings.env)
    except InvalidInput as refused:
        return error_response(request, 400, str(refused))
    await devices.subscribe(db, account=request.user.account, endpoint=endpoint, p256dh=p256dh, auth=auth,
                            passkey_id=request.user.data.get(sessions.LOGGED_IN_WITH))
    return Response({"message": _("Les notifications sont activées sur cet appareil.")})


@post("/notifications/desabonnement", guards=[logged_in], status_code=200)
async def unsubscribe(request: Request, db: AsyncSession) -> Response:
    try:
        endpoint = devices.parse_endpoint(await request.body())
    except InvalidInput as refused:
        return error_response(request, 400, str(refused))
    await devices.unsubscribe(db, account=request.user.account, endpoint=endpoint)
    return Response({"message": _("Cet appareil ne recevra plus de notifications.")})


@post("/dossiers/{dossier_id:str}/notifications/vu", guards=[logged_in], status_code=200)
async def seen(request: HTMXRequest, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id, readers=True)
    await banners.mark_seen(db, account_id=request.user.account.id, dossier=dossier,
                            up_to=parse_int(text(data, "jusqua", limit=20)))
    if request.htmx and request.htmx.target == "notification-banner":
        visible = (await kept_from(db, dossier_id=dossier.id, account=request.user.account)).events()
        viewer = Viewer(request.user.account.id, is_patient=actor.kind == "patient")
        banner = await banners.unseen(db, dossier=dossier, viewer=viewer, now=utcnow(), visible=visible)  # any newer one stays
        return Template("partials/notification_banner.html", context={"banner": banner})
    return Redirect(f"/dossiers/{dossier.id}", status_code=303)


@post("/dossiers/{dossier_id:str}/notifications/chaque-consultation", guards=[logged_in], status_code=200)
async def every_access(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    choice = text(data, "chaque", limit=5)
    if choice not in ("oui", "non"):
        return error_response(request, 400, _("Choisissez si Carnet vous prévient à chaque consultation du dossier, ou non."))
    await notify.set_notify_every_access(db, dossier=dossier, every=choice == "oui", actor=actor)
    return Redirect(f"/dossiers/{dossier.id}/acces?fait=notifications-{choice}", status_code=303)


routes = [public_key, subscribe, unsubscribe, seen, every_access]
