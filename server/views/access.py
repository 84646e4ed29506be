"""The patient's "Accès" area: who sees the dossier and why, and every change to it.

Each route asks `managing.manage_dossier` (the patient or an active caregiver, else 404) and
changes rights only through the modules of access/ that log each change (changes.py names them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts, sessions
from ..access import blocks, closing, durations, emergencies, grants, scopes
from ..access.medecin_traitant import MEDECINS, set_medecin_traitant
from ..accesslog.queries import professional_token
from ..dossiers import InvalidInput
from ..errors import error_response
from ..guards import logged_in
from ..listing import COUNT_CAP, count_documents
from ..i18n import _
from ..models import Dossier, EmergencyAccess, Grant, Patient, Professional, utcnow
from ..access.managing import manage_dossier, managed_dossier, seen_as
from ..caregivers.confidential import kept_from
from ..caregivers.dossiers import band_of, helpers_of, is_minor
from ..caregivers.patient_devices import patient_account
from ..access.directory import search_professionals
from ..access.sharing import RIGHT_LABELS, ProfessionalLine, access_overview, access_summary, professional_line
from .forms import Form, FormError, form_values, scope_and_duration, text


async def band(request: Request, db: AsyncSession, dossier: Dossier):
    """Whose dossier the page acts on: every page of the patient's side shows it (issue 9)."""
    return await band_of(db, dossier=dossier, account=request.user.account, now=utcnow())


# The notices that speak of the professional (partials/access_notice.html), each also in the feminine ("-f").
SAID_OF_THEM = frozenset({"acces-accorde", "acces-revoque", "acces-change", "bloque", "debloque", "urgence-terminee",
                          "urgence-bloquee"})


def done(url: str, what: str, *, about: Professional | None = None) -> Redirect:
    """303 back to a page, which then says what was done (partials/access_notice.html); of a professional written in
    the feminine, in the feminine ("Cette professionnelle est bloquée : elle…"), as her line says it."""
    feminine = what in SAID_OF_THEM and about is not None and about.profession_feminine
    return Redirect(f"{url}?fait={what}{'-f' if feminine else ''}", status_code=303)


def access_url(dossier: Dossier) -> str:
    return f"/dossiers/{dossier.id}/acces"


async def professional_or_404(db: AsyncSession, professional_id: str) -> Professional:
    professional = await db.get(Professional, professional_id)
    if professional is None:
        raise NotFoundException()
    return professional


@get("/acces", guards=[logged_in])
async def my_access(request: Request, db: AsyncSession) -> Response:
    dossier = await accounts.patient_dossier(db, account=request.user.account)
    if dossier is None:
        raise NotFoundException()
    return Redirect(access_url(dossier), status_code=303)


@get("/dossiers/{dossier_id:str}/acces", guards=[logged_in])
async def access_page(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    now = utcnow()
    # A minor's parents see no trace of a professional who wrote what was kept from them.
    kept = await kept_from(db, dossier_id=dossier.id, account=request.user.account)
    overview = await access_overview(db, dossier=dossier, now=now, parents_of=kept.professional_ids,
                                     representative=kept.representative)
    context = {"dossier": dossier, "actor": actor, "overview": overview, "right_labels": RIGHT_LABELS,
               # The waiting codes whose page shows the code itself again: this session made them (share_codes.py).
               "codes_shown": request.user.data.get("share_codes", {}),
               "summary": access_summary(overview, own=actor.kind == "patient", dossier=dossier), "scope_label": scopes.scope_label,
               "band": await band(request, db, dossier)}
    return Template("access.html", context=context)


# --- the directory and one professional ---------------------------------------------------


@get("/dossiers/{dossier_id:str}/annuaire", guards=[logged_in])
async def directory(request: Request, db: AsyncSession, dossier_id: str, recherche: str | None = None) -> Template:
    # `recherche`: the token of a search made here (sessions.remember_search): Back from a professional's page
    # finds the field and its results again, without the words in the address.
    dossier, _ = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    query = sessions.remembered_search(request.user, recherche)
    results = await search_professionals(db, query=query) if query else None
    return Template("access_directory.html", context={"dossier": dossier, "query": query, "results": results,
                                                      "band": await band(request, db, dossier)})


@post("/dossiers/{dossier_id:str}/annuaire", guards=[logged_in], status_code=200)
async def search_directory(request: HTMXRequest, db: AsyncSession, dossier_id: str, data: Form) -> Template:
    # A POST, so that what a patient looks for (a psychiatrist, an oncologist…) stays out of URLs and logs.
    dossier, _ = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    query = text(data, "q", limit=100)
    context: dict[str, Any] = {"dossier": dossier, "query": query, "results": None, "error": None,
                               "band": await band(request, db, dossier)}
    try:
        context["results"] = await search_professionals(db, query=query)
    except InvalidInput as refused:
        context["error"] = FormError.of(refused)
    status = 400 if context["error"] else 200
    # The address becomes this search's (its token, not its words), replaced rather than pushed: one step of Back
    # per visit of the directory, however many letters were typed.
    token = await sessions.remember_search(db, current=request.user, query=query) if query and not context["error"] \
        else ""
    headers = {"HX-Replace-Url": f"/dossiers/{dossier.id}/annuaire" + (f"?recherche={token}" if token else "")}
    if request.htmx and request.htmx.target == "directory-results":
        # Results that come while the person types: a refusal is said, the focus stays in the field.
        context["live"] = True
        return Template("partials/access_directory_results.html", context=context, status_code=status, headers=headers)
    return Template("access_directory.html", context=context, status_code=status,
                    headers=headers if request.htmx else None)


def current_access(current: list[Grant]) -> dict[str, Any]:
    """"Changer son accès" starts from what the professional sees now: from "Tous les documents", narrowing meant
    ticking everything again, and a new duration alone widened the access to every document. A change replaces every
    grant listed (at 18, a parent's beside the patient's: changes.layer_of), so it starts from all they show together,
    not the newest alone, which narrowed what a duration chosen alone kept. Its end stays as it is unless another
    duration is chosen (durations.KEEP, or "sans date de fin" for grants without one); grants that end apart have no
    one end to keep: the duration is chosen again (one without end would outlast the other's unasked)."""
    if not current:
        return {}
    every = any(not g.categories for g in current)
    categories = sorted({c for g in current for c in g.categories.split(",") if c})
    together, ends_at = grants.shared_end(current)
    return {"portee": "tout" if every else "categories", "categories": [] if every else categories,
            "duree": "" if not together else "sans" if ends_at is None else durations.KEEP}


def kept_end(current: list[Grant]) -> datetime | None:
    """The one end the professional's grants share now, which "Jusqu'au …, comme maintenant" keeps; None for none."""
    together, ends_at = grants.shared_end(current)
    return ends_at if together else None


async def line_of(request: Request, db: AsyncSession, dossier: Dossier, professional: Professional) -> ProfessionalLine:
    """The professional as this reader may see them. A minor's parents see one who kept care from them by their own
    decisions alone (as on the access page): nothing of what the minor gave them."""
    kept = await kept_from(db, dossier_id=dossier.id, account=request.user.account)
    return await professional_line(db, dossier=dossier, professional=professional, now=utcnow(),
                                   parents=professional.id in kept.professional_ids)


async def own_documents(request: Request, db: AsyncSession, dossier: Dossier, professional: Professional) -> int:
    """How many documents a professional who cannot open the dossier still reads, hers (the author rule), as "voir
    comme" counts them for this reader (a minor's parent, none kept from them): up to COUNT_CAP + 1."""
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier.id)
    kept = await kept_from(db, dossier_id=dossier.id, account=request.user.account)
    seen = await seen_as(db, dossier=dossier, professional=professional, viewer=managed, now=utcnow(),
                         kept_author=professional.id in kept.professional_ids)
    return await count_documents(db, dossier_id=dossier.id, visible=seen.view.visible)


async def professional_page(request: Request, db: AsyncSession, dossier: Dossier, professional: Professional, *,
                            error: FormError | None = None, form: dict[str, Any] | None = None) -> Template:
    line = await line_of(request, db, dossier, professional)
    # What the author rule leaves one who cannot open it, counted as "voir comme" counts it ("s'il y en a" was vague).
    counted = not line.right and not line.blocked and dossier.state == "open"
    context = {
        "own_documents": await own_documents(request, db, dossier, professional) if counted else None,
        "count_cap": COUNT_CAP,
        "dossier": dossier, "line": line, "right_labels": RIGHT_LABELS, "durations": durations.DURATIONS,
        "current_end": kept_end(line.grants),
        "scope_label": scopes.scope_label,
        "can_be_medecin_traitant": professional.profession in MEDECINS, "error": error,
        "form": form if form is not None else current_access(line.grants),
        # What she did in the dossier, one tap away: the Historique filtered to her, as its "Filtrer" names her.
        "history_url": f"/dossiers/{dossier.id}/historique?professionnel=" + professional_token(
            secret=request.app.state.settings.secret, dossier_id=dossier.id, key=professional.rpps),
        "band": await band(request, db, dossier),
    }
    return Template("access_professional.html", context=context, status_code=400 if error else 200)


@get("/dossiers/{dossier_id:str}/professionnels/{professional_id:str}", guards=[logged_in])
async def professional(request: Request, db: AsyncSession, dossier_id: str, professional_id: str) -> Template:
    dossier, _ = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    return await professional_page(request, db, dossier, await professional_or_404(db, professional_id))


@post("/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/acces", guards=[logged_in], status_code=200)
async def grant(request: Request, db: AsyncSession, dossier_id: str, professional_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    professional = await professional_or_404(db, professional_id)
    form = {"portee": text(data, "portee"), "categories": form_values(data, "categories"), "duree": text(data, "duree")}
    try:
        scope, duration = scope_and_duration(data, keep=True)
        # A change, as the page said ("Changer son accès"), is told as one: "accordé" read as more, after narrowing.
        changed = bool((await line_of(request, db, dossier, professional)).grants)
        await grants.grant_access(db, dossier=dossier, professional=professional, categories=scope,
                                  duration=duration, actor=actor)
    except InvalidInput as refused:
        return await professional_page(request, db, dossier, professional, error=FormError.of(refused), form=form)
    return done(access_url(dossier), "acces-modifie" if changed else "acces-accorde", about=professional)


@post("/dossiers/{dossier_id:str}/acces/{grant_id:str}/revocation", guards=[logged_in], status_code=200)
async def revoke(request: Request, db: AsyncSession, dossier_id: str, grant_id: str) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    outcome = await grants.revoke_grant(db, dossier=dossier, grant_id=grant_id, actor=actor)
    if outcome is grants.Revocation.NONE:
        raise NotFoundException()
    revoked = await db.get(Grant, grant_id)  # the dossier's, as revoke_grant found it
    return done(access_url(dossier), "acces-revoque" if outcome is grants.Revocation.DONE else "acces-change",
                about=await db.get(Professional, revoked.professional_id) if revoked is not None else None)


@post("/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/blocage", guards=[logged_in], status_code=200)
async def block(request: Request, db: AsyncSession, dossier_id: str, professional_id: str) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    professional = await professional_or_404(db, professional_id)
    await blocks.block(db, dossier=dossier, professional=professional, actor=actor)
    return done(access_url(dossier), "bloque", about=professional)


@post("/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/deblocage", guards=[logged_in], status_code=200)
async def unblock(request: Request, db: AsyncSession, dossier_id: str, professional_id: str) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    professional = await professional_or_404(db, professional_id)
    await blocks.unblock(db, dossier=dossier, professional=professional, actor=actor)
    return done(access_url(dossier), "debloque", about=professional)


@post("/dossiers/{dossier_id:str}/medecin-traitant", guards=[logged_in], status_code=200)
async def medecin_traitant(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    chosen = text(data, "professionnel", limit=40)  # empty: "aucun"
    professional = await professional_or_404(db, chosen) if chosen else None
    try:
        await set_medecin_traitant(db, dossier=dossier, professional=professional, actor=actor)
    except InvalidInput as refused:
        assert professional is not None  # only a chosen professional can be refused
        return await professional_page(request, db, dossier, professional, error=FormError.of(refused))
    return done(access_url(dossier), "medecin-traitant" if professional else "sans-medecin-traitant")


# --- the dossier as a whole: emergency access, closing --------------------------------------


@post("/dossiers/{dossier_id:str}/acces-urgence", guards=[logged_in], status_code=200)
async def emergency_opt_out(request: Request, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    choice = text(data, "urgence", limit=10)
    if choice not in ("refuser", "autoriser"):
        return error_response(request, 400, _("Choisissez d'autoriser ou de refuser l'accès d'urgence."))
    await emergencies.set_emergency_opt_out(db, dossier=dossier, opt_out=choice == "refuser", actor=actor)
    return done(access_url(dossier), "urgence-refusee" if choice == "refuser" else "urgence-autorisee")


@get("/dossiers/{dossier_id:str}/fermeture", guards=[logged_in])
async def close_form(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    dossier, _ = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    # Closing ends professionals' reading, not the relatives': said, with whom (a probe: nothing said so).
    patient = await db.get(Patient, dossier.patient_id)
    relatives = [h for h in await helpers_of(db, dossier=dossier, patient=patient, now=utcnow())
                 if h.account.id != request.user.account.id]
    # Who may remove them: the adult patient herself (a minor's parents stay until 18, views/caregivers.py).
    own = request.user.account.patient_id == patient.id
    removes = own and not is_minor(patient, utcnow())
    # Closing another's dossier (a relative who manages it, a minor's parent): she is told and may reopen it, where
    # she has an account (a caregiver's probe: the page said nothing of her). To a minor's parent, that it ends the
    # care a minor may keep from them too (CSP L1111-5): said for every minor, it tells nothing of this one.
    holder = None if own else await patient_account(db, patient=patient)
    return Template("access_close.html", context={"dossier": dossier, "band": await band(request, db, dossier),
                                                  "relatives": relatives, "removes": removes, "holder": holder,
                                                  "patient": patient,
                                                  "minor": not own and is_minor(patient, utcnow())})


@post("/dossiers/{dossier_id:str}/fermeture", guards=[logged_in], status_code=200)
async def close(request: Request, db: AsyncSession, dossier_id: str) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    await closing.set_closed(db, dossier=dossier, closed=True, actor=actor)
    return done(access_url(dossier), "dossier-ferme")


@post("/dossiers/{dossier_id:str}/reouverture", guards=[logged_in], status_code=200)
async def reopen(request: Request, db: AsyncSession, dossier_id: str) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    await closing.set_closed(db, dossier=dossier, closed=False, actor=actor)
    return done(access_url(dossier), "dossier-rouvert")


# --- the review of emergency accesses ("voir comme" is views/see_as.py) -------------------------


@post("/dossiers/{dossier_id:str}/urgences/{emergency_id:str}/revue", guards=[logged_in], status_code=200)
async def review_emergency(request: Request, db: AsyncSession, dossier_id: str, emergency_id: str, data: Form) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    outcome = text(data, "choix", limit=20)
    try:
        if not await emergencies.review_emergency(db, dossier=dossier, emergency_id=emergency_id, outcome=outcome, actor=actor):
            raise NotFoundException()
    except InvalidInput as refused:
        return error_response(request, 400, str(refused))
    return done(f"/dossiers/{dossier.id}", "urgence-bloquee" if outcome == "blocked" else "urgence-normale",
                about=await emergency_professional(db, emergency_id))


@post("/dossiers/{dossier_id:str}/urgences/{emergency_id:str}/fin", guards=[logged_in], status_code=200)
async def end_emergency(request: Request, db: AsyncSession, dossier_id: str, emergency_id: str) -> Response:
    dossier, actor = await manage_dossier(db, account=request.user.account, dossier_id=dossier_id)
    if not await emergencies.end_emergency(db, dossier=dossier, emergency_id=emergency_id, actor=actor):
        raise NotFoundException()
    return done(access_url(dossier), "urgence-terminee", about=await emergency_professional(db, emergency_id))


async def emergency_professional(db: AsyncSession, emergency_id: str) -> Professional | None:
    """Whose emergency access the patient just reviewed or ended (theirs: the change found it in her dossier)."""
    access = await db.get(EmergencyAccess, emergency_id)
    return await db.get(Professional, access.professional_id) if access is not None else None


routes = [
    my_access, access_page, directory, search_directory, professional, grant, revoke, block, unblock,
    medecin_traitant, emergency_opt_out, close_form, close, reopen, review_emergency, end_emergency,
]
