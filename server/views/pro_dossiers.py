"""Opening a dossier for a patient who is there in person, as pharmacists and nurses do."""

from __future__ import annotations

from datetime import datetime

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions, throttles
from ..dossiers import InvalidInput
from ..guards import professional_only
from ..i18n import _
from ..professionals.opening import AlreadyOpen, Identity, open_dossier_in_person
from ..models import paris_today
from .forms import Form, FormError, parse_date, text
from .attempts import attempts, take_attempt

IN_PERSON_TRIES = 5  # refusals for an INS that has a dossier, per account (attempts.py), before a pause
SESSION_KEY = "opened_dossier"  # the code to print, kept server-side until its page is shown once


@get("/pro/nouveau-dossier", guards=[professional_only])
async def in_person_form() -> Template:
    return Template("pro_new_dossier.html", context={"form": {}})


@post("/pro/nouveau-dossier", guards=[professional_only], status_code=200)
async def open_in_person(request: Request, db: AsyncSession, data: Form) -> Response:
    form = {name: text(data, name, limit=200) for name in ("ins", "given_name", "family_name", "birth_date", "sex")}
    form["consent"] = text(data, "consent") == "oui"
    identity = Identity(ins=form["ins"], given_name=form["given_name"], family_name=form["family_name"],
                        birth_date=parse_date(form["birth_date"]), sex=form["sex"], consent=form["consent"],
                        birth_date_text=form["birth_date"])
    counted = attempts(request, "in-person", IN_PERSON_TRIES)  # INS are not to be listed

    def again(error: FormError, status: int = 400) -> Template:
        return Template("pro_new_dossier.html", context={"form": form, "error": error}, status_code=status)

    try:
        attempt = await take_attempt(db, counted)
        opened = await open_dossier_in_person(db, account=request.user.account, identity=identity,
                                              today=paris_today())
    except throttles.TooManyAttempts as too_many:
        return again(FormError(_("Trop de demandes refusées. %(retry)s", retry=too_many.french)), 429)
    except AlreadyOpen as refused:
        # Each refusal says an INS has a dossier: counted, so no one can list them. It is about the whole identity.
        return again(FormError(str(refused)))
    except InvalidInput as invalid:  # the identity, checked before anything is read: not an attempt
        await throttles.give_back(db, attempt)
        return again(FormError.of(invalid))
    await throttles.give_back(db, attempt)
    current = request.user
    session_data = current.data
    session_data[SESSION_KEY] = {
        "code": opened.code,
        "given_name": opened.patient.given_name,
        "family_name": opened.patient.family_name,
        "expires_at": opened.expires_at.isoformat(),
        "issued_by": opened.issued_by,
    }
    await sessions.save_session_data(db, current=current, data=session_data)
    return Redirect("/pro/nouveau-dossier/code", status_code=303)


@get("/pro/nouveau-dossier/code", guards=[professional_only])
async def printable_code(request: Request, db: AsyncSession) -> Template:
    current = request.user
    session_data = current.data
    opened = session_data.pop(SESSION_KEY, None)
    if opened is not None:
        await sessions.save_session_data(db, current=current, data=session_data)
        opened["expires_at"] = datetime.fromisoformat(opened["expires_at"])
    return Template("pro_opened.html", context={"opened": opened, "origin": request.app.state.settings.origin})


routes = [in_person_form, open_in_person, printable_code]
