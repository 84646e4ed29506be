""""J'ai perdu ma clé d'accès": a recovery code opens the way to a new passkey (auth.registration_verify spends it)."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts, sessions, throttles
from ..config import Settings
from ..i18n import _
from ..i18n.formats import clock, long_date
from ..templating import PARIS
from ..auth.sessions import session_cookie
from .attempts import client_address
from .auth import RECOVERY_CODE
from .forms import Form, FormError, text


@get("/recuperation")
async def recovery_form() -> Template:
    return Template("recovery.html")


@post("/recuperation", status_code=200)
async def recover(request: Request, db: AsyncSession, data: Form) -> Response:
    settings: Settings = request.app.state.settings
    code = text(data, "recovery_code", limit=40)
    if not accounts.normalize_code(code):  # a field to fill, not a wrong code: it counts towards no pause
        error = FormError(_("Saisissez l'un de vos codes de secours."), ("recovery_code",))
        return Template("recovery.html", context={"error": error, "recovery_code": code}, status_code=400)
    lock = timedelta(minutes=settings.activation_lock_minutes)
    counted = ((f"recovery-client:{client_address(request)}", settings.activation_max_attempts),)
    try:
        attempt = await throttles.take_attempt(db, counted, lock=lock)
    except throttles.TooManyAttempts as too_many:
        return Template("recovery.html", context={"error": FormError(_("Trop d'essais. %(retry)s", retry=too_many.french))},
                        status_code=429)
    found = await accounts.find_recovery_code(db, code=code)
    if found is None:
        if used_at := await accounts.recovery_code_used_at(db, code=code):
            when = used_at.astimezone(PARIS)
            error = FormError(_("Ce code de secours a déjà servi, le %(date)s à %(time)s. Utilisez-en un autre. Si ce "
                                "n'est pas vous, quelqu'un a vos codes : une fois connecté, supprimez dans « Mes clés "
                                "d'accès » la clé que vous n'avez pas créée, et générez de nouveaux codes de secours.",
                                date=long_date(when), time=clock(when)), ("recovery_code",))
        else:
            error = FormError(_("Ce code de secours n'est pas valide ou a déjà servi."), ("recovery_code",))
        return Template("recovery.html", context={"error": error, "recovery_code": code}, status_code=400)
    await throttles.give_back(db, attempt)
    recovery_code, account = found
    # The passkey registration spends the code (registration_verify), as an activation's: given up before, it is
    # not lost.
    token = await sessions.start_session(db, account=account, authenticated=False, replacing=request.auth,
                                         data={RECOVERY_CODE: recovery_code.id})
    return Redirect("/activer/cle", status_code=303, cookies=[session_cookie(settings, token)])


routes = [recovery_form, recover]
