"""Activation: a code and its second factor (a patient's birth date, a professional's RPPS) open the session that
enrols a passkey (views/auth.py's ceremonies), and the page that says whose dossier it activates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts, sessions, throttles
from ..auth.sessions import session_cookie
from ..config import Settings
from ..guards import enrolling_or_logged_in
from ..i18n import _
from ..models import ActivationCode, Patient
from .attempts import client_address
from .forms import Form, FormError, at_once, birth_date_problem, parse_date, text


def client_key(request: Request) -> str:
    return f"activation-client:{client_address(request)}"


@get("/activer")
async def activation_form() -> Template:
    return Template("activate.html")


@post("/activer", status_code=200)
async def activate(request: Request, db: AsyncSession, data: Form) -> Response:
    code, raw_date = text(data, "code", limit=40), text(data, "birth_date", limit=20)
    birth_date = parse_date(raw_date)

    def again(error: FormError, status: int = 400) -> Template:
        return Template("activate.html", context={"error": error, "code": code, "birth_date": raw_date}, status_code=status)

    # A date typed that is no day (31/02/2025) said of that field, with the code's problem if it has one.
    error = at_once((_("Saisissez votre code d'activation et votre date de naissance (JJ/MM/AAAA)."), "code",
                     "birth_date")) if not code and not raw_date else at_once(
        (_("Saisissez votre code d'activation."), "code") if not code else None,
        birth_date_problem(raw_date, birth_date, missing=_("Saisissez votre date de naissance (JJ/MM/AAAA).")))
    if error or birth_date is None:
        return again(error)
    return await start_enrolment(request, db, again=again, code=code, birth_date=birth_date)


async def start_enrolment(request: Request, db: AsyncSession, *, again: Callable[..., Template], code: str,
                          birth_date: date | None = None, rpps: str | None = None) -> Response:
    """Check an activation code and its second factor, then open the session that enrols a passkey.

    Patients (birth date) and professionals (RPPS) share it, and the passkey pages after it.
    """
    settings: Settings = request.app.state.settings
    lock = timedelta(minutes=settings.activation_lock_minutes)
    try:
        attempt = await throttles.take_attempt(db, ((client_key(request), 20),), lock=lock)
    except throttles.TooManyAttempts as too_many:
        return again(FormError(_("Trop d'essais. %(retry)s", retry=too_many.french)), 429)
    try:
        activation, account = await accounts.redeem_activation(
            db, code=code, birth_date=birth_date, rpps=rpps, max_attempts=settings.activation_max_attempts, lock=lock
        )
    except throttles.TooManyAttempts as too_many:  # the code's own pause: nothing was checked
        await throttles.give_back(db, attempt)
        return again(FormError(_("Trop d'essais. %(retry)s", retry=too_many.french)), 429)
    except accounts.ActivationRefused as refused:
        return again(FormError.of(refused))
    await throttles.give_back(db, attempt)
    # "activation_id" makes the passkey registration spend the code (registration_verify).
    token = await sessions.start_session(
        db, account=account, authenticated=False, replacing=request.auth, data={"activation_id": activation.id}
    )
    return Redirect("/activer/cle", status_code=303, cookies=[session_cookie(settings, token)])


def first_key_name(headers: Mapping[str, str]) -> str:
    """The name a new passkey is offered at first, from what the browser says of the device it runs on (an outside
    probe: "Mon téléphone" on a practice's computer). A phone says "Mobi" in its User-Agent, as MDN advises to read
    it, and Chromium says it in its Sec-CH-UA-Mobile client hint too; a tablet says "iPad", "Tablet" or, with no
    "Mobi", "Android" (an iPad's Safari says "Mobile" too); anything else is taken for a computer."""
    agent = headers.get("user-agent", "")
    if "iPad" in agent or "Tablet" in agent:
        return _("Ma tablette")
    if headers.get("sec-ch-ua-mobile") == "?1" or "Mobi" in agent:
        return _("Mon téléphone")
    return _("Ma tablette") if "Android" in agent else _("Mon ordinateur")


@get("/activer/cle", guards=[enrolling_or_logged_in])
async def enrol_page(request: Request, db: AsyncSession) -> Template:
    # Whose dossier the code and birth date opened, said before the passkey is made for it (an outside probe): the
    # session knows it, so no name passes through a URL.
    activation_id = request.user.data.get("activation_id") if request.user.row.account_id else None
    activation = await db.get(ActivationCode, activation_id) if activation_id else None
    patient = await db.get(Patient, activation.patient_id) if activation and activation.patient_id else None
    return Template("enrol.html", context={"activated": patient, "key_name": first_key_name(request.headers)})


routes = [activation_form, activate, enrol_page]
