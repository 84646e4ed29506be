"""SMART Health Links: the patient's "Liens de partage" page, a link's QR code, the manifest a recipient's app
asks for, and the viewer page that opens a link in any browser.

The manifest and the file it may point to are public, by design of the spec: no cookie is read or set,
CSRF does not apply (csrf.py leaves "/shl" alone) and any origin may call them (CORS `*`), since "a
lightweight web page with Javascript, a full-fledged module in a native EHR system, or a standalone
mobile app" may be the recipient.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post, route
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.audit import ChainBusy
from ..caregivers.dossiers import band_of
from ..dossiers import InvalidInput
from ..guards import logged_in
from ..i18n import _
from ..i18n.formats import filesize
from ..identifiers import age_on
from ..models import paris_today, utcnow
from ..access.managing import managed_dossier
from ..profile.kinds import possible
from ..caregivers.confidential import links_shown
from ..shlinks import links, manifest, payload
from .forms import Form, FormError, text, typed
from .recent_login import not_recent

CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Allow-Headers": "Content-Type",
             "Access-Control-Max-Age": "86400"}
# A name, a passcode and a number, each at its longest (manifest.RECIPIENT_MAX, PASSCODE_SENT_MAX) and every
# character escaped as JSON may write it ("\ud83d\ude00", 12 bytes): 1,100 × 12, with room to spare. A field too
# long in a body this size is a 400 that names it; only a larger body is a 413.
MANIFEST_REQUEST_BYTES = 16 * 1024
# RFC 9110, 15.5.2: a 401 "MUST send a WWW-Authenticate header field containing at least one challenge applicable to
# the target resource". What this resource takes is the SHL passcode, in the request's JSON body, and no registered
# scheme says that: Basic would have a browser ask for a user name and password, Bearer would ask for an OAuth token,
# neither of which opens a link. So the challenge names the spec's own credential (an unregistered scheme is still
# valid syntax, 11.1; a client that does not know it reads the spec's `remainingAttempts` as before), and is exposed
# to the recipient's page, which reads the answer across origins.
PASSCODE_CHALLENGE = {"WWW-Authenticate": 'SHL-Passcode realm="SMART Health Link"',
                      "Access-Control-Expose-Headers": "WWW-Authenticate"}


def links_url(dossier_id: str) -> str:
    return f"/dossiers/{dossier_id}/liens-sante"


async def links_page(request: Request, db: AsyncSession, dossier_id: str, *, error: FormError | None = None,
                     form: dict[str, Any] | None = None) -> Template:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    now = utcnow()
    made = await links.links_of(db, dossier_id=dossier_id,
                                made_by=await links_shown(db, dossier_id=dossier_id, account=request.user.account))
    context = {
        "dossier": managed.dossier, "patient": managed.patient, "own": managed.standing.is_patient,
        # The emergency card's hint names a pregnancy where the profile may hold one (kinds.possible: sex and age).
        "pregnancy_possible": possible("pregnancy", age_on(managed.patient.birth_date, paris_today()),
                                       sex=managed.patient.sex),
        "links": await links.listed(db, links=made, dossier=managed.dossier, patient=managed.patient, now=now),
        "contents": links.CONTENTS, "own_name": links.own_name, "durations": links.DURATIONS,
        "attempts": links.ATTEMPTS, "error": error,
        "form": form or {"contenu": "emergency", "duree": "7j"},
        "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=now),
    }
    return Template("shlinks.html", context=context, status_code=400 if error else 200)


@get("/dossiers/{dossier_id:str}/liens-sante", guards=[logged_in])
async def list_links(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    return await links_page(request, db, dossier_id)


@post("/dossiers/{dossier_id:str}/liens-sante", guards=[logged_in], status_code=200)
async def create_link(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    form = {"contenu": text(data, "contenu", limit=20), "nom": text(data, "nom", limit=links.LABEL_MAX + 1),
            "duree": text(data, "duree", limit=10), "une_fois": text(data, "une_fois", limit=5) == "oui"}
    entered = links.LinkInput(content=form["contenu"], label=form["nom"], duration=form["duree"],
                              single_use=form["une_fois"],
                              # As typed: one that cleaning empties (spaces, invisible characters) is refused, not
                              # taken for "no passcode" (links.check).
                              passcode=typed(data, "code", limit=(links.PASSCODE_MAX + 1) * 4))
    if old := await not_recent(request, db):
        return await links_page(request, db, dossier_id, error=old, form=form)
    try:
        link = await links.create_link(db, dossier=managed.dossier, data=entered, account=request.user.account,
                                       actor=managed.actor)
    except InvalidInput as refused:
        # The passcode is not sent back: a refused one is typed again.
        return await links_page(request, db, dossier_id, error=FormError.of(refused), form=form)
    # Said once on its page (a full page load: a screen reader heard only its title, an accessibility probe).
    return Redirect(f"{links_url(dossier_id)}/{link.id}?fait=lien-cree", status_code=303)


@get("/dossiers/{dossier_id:str}/liens-sante/{link_id:str}", guards=[logged_in])
async def show_link(request: Request, db: AsyncSession, dossier_id: str, link_id: str) -> Template:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    link = await links.link_of(db, dossier_id=dossier_id, link_id=link_id,
                               made_by=await links_shown(db, dossier_id=dossier_id, account=request.user.account))
    if link is None:
        raise NotFoundException()
    now, origin = utcnow(), request.app.state.settings.origin
    [(link, state, maker)] = await links.listed(db, links=[link], dossier=managed.dossier, patient=managed.patient,
                                                now=now)
    address = payload.viewer_url(link, origin=origin) if state == "active" else ""
    name = links.own_name(link)
    context = {
        "dossier": managed.dossier, "link": link, "state": state, "maker": maker,
        "patient_name": f"{managed.patient.given_name} {managed.patient.family_name}",
        "content": links.CONTENTS[link.content], "name": name, "address": address,
        "qr": payload.qr_svg(address, title=_("QR code du lien «\u00a0%(label)s\u00a0»",
                                              label=name or _(links.CONTENTS[link.content]))) if address else "",
        "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=now),
    }
    return Template("shlink.html", context=context)


@post("/dossiers/{dossier_id:str}/liens-sante/{link_id:str}/revocation", guards=[logged_in], status_code=200)
async def revoke_link(request: Request, db: AsyncSession, dossier_id: str, link_id: str) -> Redirect:
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    made_by = await links_shown(db, dossier_id=dossier_id, account=request.user.account)
    if not await links.revoke_link(db, dossier=managed.dossier, link_id=link_id, actor=managed.actor, made_by=made_by):
        raise NotFoundException()
    return Redirect(f"{links_url(dossier_id)}?fait=lien-desactive", status_code=303)  # said once, on the list


# --- what recipients call: the manifest, the file it may point to, the viewer -----------------------------------


# One handler for both: Litestar answers OPTIONS itself on any path that has no handler of its own for it.
@route("/shl/{link_id:str}/manifest", http_method=["POST", "OPTIONS"], request_max_body_size=MANIFEST_REQUEST_BYTES,
       status_code=200)
async def link_manifest(request: Request, db: AsyncSession, link_id: str) -> Response:
    if request.method == "OPTIONS":  # the CORS preflight a browser sends first, since the body is JSON
        return Response(None, status_code=204, headers=PREFLIGHT)
    settings = request.app.state.settings
    try:
        body = await request.body()
    except RequestEntityTooLarge:  # answered here, for the recipient's page to read it (CORS)
        return Response({"error": _("La demande est trop longue : %(limit)s au plus.",
                                    limit=filesize(MANIFEST_REQUEST_BYTES))}, status_code=413, headers=CORS)
    try:
        asked = manifest.parse(body)
        answer = await manifest.answer(db, link_id=link_id, asked=asked, origin=settings.origin, secret=settings.secret)
    except manifest.BadRequest as refused:
        return Response({"error": str(refused)}, status_code=400, headers=CORS)
    except ChainBusy:
        return Response({"error": _("Réessayez dans quelques secondes.")}, status_code=503,
                        headers={**CORS, "Retry-After": "2"})
    return Response(answer.body, status_code=answer.status,
                    headers={**CORS, **PASSCODE_CHALLENGE} if answer.status == 401 else CORS)


@get("/shl/{link_id:str}/fichier")
async def link_file(request: Request, db: AsyncSession, link_id: str) -> Response:
    settings = request.app.state.settings
    try:
        encrypted = await manifest.located_file(db, link_id=link_id, token=request.query_params.get("t") or "",
                                                origin=settings.origin, secret=settings.secret)
    except ChainBusy:
        return Response({"error": _("Réessayez dans quelques secondes.")}, status_code=503,
                        headers={**CORS, "Retry-After": "2"})
    if encrypted is None:
        return Response({"error": _(manifest.GONE)}, status_code=404, headers=CORS)
    return Response(encrypted.encode(), media_type="application/jose", headers=CORS)


@get("/shl")
async def viewer() -> Template:
    """The same page for every link: the link is after "#", which the browser never sends."""
    return Template("shl_viewer.html")


routes = [list_links, create_link, show_link, revoke_link, link_manifest, link_file, viewer]
