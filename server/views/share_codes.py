"""Sharing in person: a 6-character code and its QR code, shown on the patient's phone.

Only the code's hash is in the database; the code itself stays in the server-side session
of whoever made it, so the page and its QR code can be shown again (a reload, the QR image)
to them and to no one else, for as long as the code is valid.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions
from ..access import durations, scopes, share_codes
from ..dossiers import InvalidInput, professional_title
from ..guards import logged_in
from ..accesslog.audit import Actor
from ..models import Dossier, Patient, Professional, ShareCode, utcnow
from ..caregivers.confidential import kept_from
from ..caregivers.dossiers import band_of
from ..access.reading import PHANTOM
from ..access.managing import NotActing, manage_dossier
from ..access.rule import REPRESENTATIVE, adult_from
from ..i18n import _
from ..templating import PARIS, clock
from .forms import Form, FormError, form_values, scope_and_duration, text

KEPT_CODES = 5  # codes remembered per session: more are never valid at once in practice
# A code still waiting this long after it was made: its page says the patient may also give access from the directory
# (the professional may be mistyping it, or paused for too many wrong codes). Said by the time alone: nothing of what
# the professional typed, or whether she typed anything, is the patient's to learn.
DIRECTORY_HINT_AFTER = timedelta(minutes=2)


def qr_svg(content: str) -> bytes:
    """A QR code as a standalone SVG (black on white, quiet zone included): no script, no style."""
    image = qrcode.make(content, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


async def share_form(request: Request, db: AsyncSession, dossier: Dossier, actor: Actor, *,
                     error: FormError | None = None, form: dict[str, Any] | None = None) -> Template:
    context = {"dossier": dossier, "durations": durations.DURATIONS, "error": error, "form": form or {},
               "may_keep_from_parents": await may_keep_from_parents(db, dossier=dossier, actor=actor),
               "band": await band_of(db, dossier=dossier, account=request.user.account, now=utcnow())}
    return Template("share_code_new.html", context=context, status_code=400 if error else 200)


async def may_keep_from_parents(db: AsyncSession, *, dossier: Dossier, actor: Actor) -> bool:
    """A minor making a code herself may keep it from her parents (CSP L1111-5); share_codes.py decides it again."""
    patient = await db.get(Patient, dossier.patient_id)
    return actor.kind == "patient" and utcnow() < adult_from(patient.birth_date)


@get("/dossiers/{dossier_id:str}/partage", guards=[logged_in])
async def new_share_code(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    return await share_form(request, db, dossier, actor)


@post("/dossiers/{dossier_id:str}/partage", guards=[logged_in], status_code=200)
async def create_share_code(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    form = {"portee": text(data, "portee"), "categories": form_values(data, "categories"), "duree": text(data, "duree"),
            "confidentiel": text(data, "confidentiel", limit=5)}
    try:
        scope, duration = scope_and_duration(data)
        code, row = await share_codes.create_share_code(db, dossier=dossier, categories=scope, duration=duration,
                                                        actor=actor,
                                                        kept_from_representatives=form["confidentiel"] == "oui")
    except InvalidInput as refused:
        return await share_form(request, db, dossier, actor, error=FormError.of(refused), form=form)
    current = request.user
    session_data = current.data
    kept = dict(list(session_data.get("share_codes", {}).items())[-(KEPT_CODES - 1):])
    session_data["share_codes"] = {**kept, row.id: code}
    await sessions.save_session_data(db, current=current, data=session_data)
    return Redirect(f"/partage/{row.id}", status_code=303)


async def share_code_state(request: Request, db: AsyncSession, share_code_id: str) -> dict[str, Any]:
    """The code (if this session made it), whether it is waiting, used or expired, and by whom."""
    row = await db.get(ShareCode, share_code_id)
    if row is None:
        raise NotFoundException()
    try:
        dossier, _actor = await manage_dossier(db, account=request.user.account, dossier_id=row.dossier_id)
    except NotActing as refused:
        # Made in this session by a relative the patient has made a reader since, its page left open: told so, with
        # whose dossier, as the dossier's own pages tell her (errors.not_acting), not "Page introuvable" (a probe's
        # find). Anyone else reaching a code's page learns nothing of it.
        if refused.band is not None and row.id in request.user.data.get("share_codes", {}):
            raise NotActing(about=("share_code_id", row.id), band=refused.band) from None
        raise
    kept = await kept_from(db, dossier_id=dossier.id, account=request.user.account)
    if kept.representative and row.given_by == "patient":
        # The minor's own, which her parents' Historique leaves out (caregivers/confidential.py): to them, a code
        # that never was, kept from them or not, so that a 404 tells them nothing.
        raise NotFoundException()
    used_by = await db.get(Professional, row.used_by_professional_id) if row.used_by_professional_id else None
    state = "used" if row.used_at else "cancelled" if row.cancelled_at else "expired" if row.expires_at <= utcnow() \
        else "waiting"
    if used_by is not None and row.given_by != REPRESENTATIVE and used_by.id in kept.professional_ids:
        # A code that cannot say who made it (before migration 0031), used by a professional kept from this reader, a
        # minor's parent (caregivers/confidential.py): as the Historique leaves out its use, the page tells of no one,
        # and the code is over. A parent's own code made a grant of theirs, which their Accès page shows.
        used_by, state = None, "expired"
    until = row.expires_at.astimezone(PARIS)
    return {
        "dossier": dossier, "share": row, "state": state, "used_by": used_by,
        # Not for a code a minor keeps from her parents: the directory's access is not kept from them.
        "directory_hint": state == "waiting" and utcnow() - row.created_at >= DIRECTORY_HINT_AFTER
        and not row.kept_from_representatives,
        "band": await band_of(db, dossier=dossier, account=request.user.account, now=utcnow()),
        "used_by_name": professional_title(used_by) if used_by else "",
        "code": request.user.data.get("share_codes", {}).get(row.id) if state == "waiting" else None,
        "until": clock(until),  # "14 h 59" (never broken across lines), "14:59"
        "scope": scopes.scope_label(row.categories),
        "duration": _(durations.DURATIONS[durations.duration_key(row.grant_days)][0]),
    }


@get("/partage/{share_code_id:str}", guards=[logged_in])
async def show_share_code(request: HTMXRequest, db: AsyncSession, share_code_id: str, aide: bool = False) -> Response:
    context = await share_code_state(request, db, share_code_id)
    if request.htmx and request.htmx.target == "share-code-status":
        # "aide": the poll of a status that says the directory's way already (partials/share_code_status.html).
        if context["state"] == "waiting" and (not context["directory_hint"] or aide):
            return Response(None, status_code=204)  # nothing changed: htmx swaps nothing, a screen reader hears nothing
        return Template("partials/share_code_status.html", context=context)
    return Template("share_code.html", context=context)


@post("/partage/{share_code_id:str}/annulation", guards=[logged_in], status_code=200)
async def cancel_share_code(request: Request, db: AsyncSession, share_code_id: str, data: Form) -> Response:
    row = await db.get(ShareCode, share_code_id)
    dossier, actor = await manage_dossier(db, account=request.user.account,
                                          dossier_id=row.dossier_id if row else PHANTOM.id)
    if row.given_by == "patient" and (
            await kept_from(db, dossier_id=dossier.id, account=request.user.account)).representative:
        raise NotFoundException()  # as its page (share_code_state)
    dossier_id = dossier.id  # (a refusal rolls the session back: its rows expire)
    cancelled = await share_codes.cancel_share_code(db, share_code_id=share_code_id, dossier=dossier, actor=actor)
    if text(data, "ensuite", limit=20) == "nouveau-code":
        # "Créer un autre code" on the code's page: the code it replaces ends first, or a QR photographed across the
        # room stayed valid beside the new one (an outside probe's find). Used or ended meanwhile, its page says
        # what became of it, and offers another code from there.
        return Redirect(f"/dossiers/{dossier_id}/partage?fait=code-annule" if cancelled else
                        f"/partage/{share_code_id}", status_code=303)
    if not cancelled:
        raise NotFoundException()
    return Redirect(f"/dossiers/{dossier_id}/acces?fait=code-annule", status_code=303)


@get("/partage/{share_code_id:str}/qr.svg", guards=[logged_in])
async def share_code_qr(request: Request, db: AsyncSession, share_code_id: str) -> Response:
    context = await share_code_state(request, db, share_code_id)
    if context["code"] is None:
        raise NotFoundException()
    origin = request.app.state.settings.origin.rstrip("/")
    # After "#": a browser never sends it to a server or a proxy; carnet.js fills the professional's form with it.
    svg = qr_svg(f"{origin}/pro/code#c={context['code']}")
    return Response(svg, media_type="image/svg+xml")


routes = [new_share_code, create_share_code, show_share_code, cancel_share_code, share_code_qr]
