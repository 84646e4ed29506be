"""The professional's pages: activation, "Mes patients" (its search by name, birth date or INS, the accesses ended
lately, and what they keep of a dossier no longer open to them: their documents, the profile's lines they declared),
share codes, emergency access."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions, throttles
from ..access import emergencies, scopes, share_codes
from ..authors import author_labels
from ..dossiers import InvalidInput
from ..guards import professional_only
from ..i18n import N_, _
from ..identifiers import identity_of, is_valid_ins, is_valid_rpps
from ..listing import cursor, loaded_documents
from ..models import Professional, ProfileItem, paris_today
from ..professionals.own_documents import ended_accesses, own_documents
from ..professionals import visits
from ..professionals.patients import dossier_for_identity, my_patients, named
from ..access.reading import professional_actor
from ..profile.items import Profile, profile_of
from ..profile.kinds import DONATION, KINDS, MEASURES, ORDER, SEVERITIES
from ..profile.wording import in_reading_order, named_apart
from .attempts import attempts, take_attempt
from .activation import start_enrolment
from .forms import Form, FormError, at_once, birth_date_problem, parse_date, text

SHARE_CODE_TRIES = 5  # wrong share codes before a pause, per account (attempts.py)
EMERGENCY_TRIES = 10  # refused emergency requests before a pause, per account: identities are not to be probed


@get("/pro/activer")
async def activation_form() -> Template:
    return Template("pro_activate.html")


@post("/pro/activer", status_code=200)
async def activate(request: Request, db: AsyncSession, data: Form) -> Response:
    code, rpps = text(data, "code", limit=40), "".join(text(data, "rpps", limit=40).split())

    def again(error: FormError, status: int = 400) -> Template:
        return Template("pro_activate.html", context={"error": error, "code": code, "rpps": rpps}, status_code=status)

    # No RPPS at all (a digit short, one mistyped): said of that field, with the code's problem, and no try counted.
    error = at_once((_("Saisissez votre code d'activation et votre numéro RPPS (11 chiffres)."), "code",
                     "rpps")) if not code and not rpps else at_once(
        (_("Saisissez votre code d'activation."), "code") if not code else None,
        (_("Saisissez votre numéro RPPS (11 chiffres)."), "rpps") if not rpps else
        (_("Ce numéro RPPS n'est pas valide : vérifiez les 11 chiffres sur votre carte CPS."), "rpps")
        if not is_valid_rpps(rpps) else None)
    if error:
        return again(error)
    # From here on, the very same passkey enrolment as a patient's.
    return await start_enrolment(request, db, again=again, code=code, rpps=rpps)


async def patients_context(request: Request, db: AsyncSession, token: str) -> dict:
    """The professional's patients, those whose access ended with them, each list kept to the names searched (the
    words in the session, the address their token: sessions.remember_search)."""
    professional_id = request.user.account.professional_id
    lines = await my_patients(db, professional_id=professional_id)
    ended = await ended_accesses(db, professional_id=professional_id, opened=[line.dossier.id for line in lines])
    query = sessions.remembered_search(request.user, token)
    context = {"query": query, "has_patients": bool(lines or ended), "scope_label": scopes.scope_label,
               "new_cap": visits.NEW_CAP}
    if query:
        lines, ended = [x for x in lines if named(x.patient, query)], [x for x in ended if named(x.patient, query)]
    return context | {"lines": lines, "ended": ended}


@get("/pro", guards=[professional_only])
async def patients(request: Request, db: AsyncSession, recherche: str | None = None) -> Template:
    return Template("pro_patients.html", context=await patients_context(request, db, recherche or ""))


@post("/pro/recherche", guards=[professional_only], status_code=200)
async def search_patients(request: HTMXRequest, db: AsyncSession, data: Form) -> Response:
    # A POST: a patient's name stays out of URLs and logs; the address names its token (HX-Replace-Url: one step of
    # Back per visit, however many letters were typed).
    query = text(data, "q", limit=100)
    token = await sessions.remember_search(db, current=request.user, query=query) if query else ""
    url = "/pro" + (f"?recherche={token}" if token else "")
    if request.htmx:
        return Template("partials/pro_patients_results.html", context=await patients_context(request, db, token),
                        headers={"HX-Replace-Url": url})
    return Redirect(url, status_code=303)


def own_sections(profile: Profile) -> list[tuple[str, list[ProfileItem]]]:
    """The profile's lines one professional declared, under their kind's heading, in the profile page's order; a
    stopped treatment apart, as that page shows it, never under "Traitements en cours"."""
    sections = []
    for kind in ORDER:
        ordered = in_reading_order(kind, profile.by_kind.get(kind, []))
        if kind == "treatment":
            sections += [(KINDS[kind].title, [i for i in ordered if not i.ended_on]),
                         (N_("Traitements arrêtés"), [i for i in ordered if i.ended_on])]
        else:
            sections.append((KINDS[kind].title, ordered))
    return [(title, found) for title, found in sections if found]


@get("/pro/dossiers/{dossier_id:str}/mes-documents", guards=[professional_only])
async def my_documents(request: HTMXRequest, db: AsyncSession, dossier_id: str, apres: str | None = None) -> Template:
    """What this professional added to a dossier and keeps reading as its author: the lines of its profile they
    declared, each to withdraw if entered in error (views/profile_changes.py), and their documents, newest first, a
    page at a time after the last one shown, as the timeline (listing). Each page is a read of the dossier, logged
    as the author's (own_documents.py), as each document they open is."""
    more = bool(request.htmx and (request.htmx.target or "").startswith("more-"))
    own = await own_documents(db, account=request.user.account, dossier_id=dossier_id, with_items=not more)
    size = request.app.state.settings.page_size
    after = await cursor(db, dossier_id=own.dossier.id, visible=own.visible, after_id=(apres or "")[:64])
    # "Charger plus" appends the next page; a whole page shows the list down through it (listing.loaded_documents).
    loaded = await loaded_documents(db, dossier_id=own.dossier.id, visible=own.visible, after=after, size=size,
                                    whole=not more, counted=False)
    documents = loaded.documents
    url = f"/pro/dossiers/{own.dossier.id}/mes-documents"
    context = {"own": own, "documents": documents, "authors": await author_labels(db, documents),
               "previous": after if more else None, "ranked": False, "more_id": documents[-1].id if documents else "",
               "previous_url": None if loaded.from_top else url,
               "next_url": f"{url}?apres={documents[-1].id}" if loaded.more else None}
    if more:
        return Template("partials/timeline_items.html", context=context)
    context |= {"identity": identity_of(own.patient, today=paris_today())}
    if own.items:
        sections = own_sections(await profile_of(db, dossier_id=own.dossier.id, visible=own.visible))
        items = [item for _title, found in sections for item in found]
        context |= {"sections": sections, "names": {i.id: named_apart(i) for i in items}, "measures": MEASURES,
                    "donation": DONATION, "severities": SEVERITIES}
    return Template("pro_my_documents.html", context=context)


@get("/pro/code", guards=[professional_only])
async def share_code_form() -> Template:
    # The patient's QR code opens /pro/code#c=CODE: the code stays in the browser (carnet.js fills the form).
    return Template("pro_code.html", context={"code": ""})


@post("/pro/code", guards=[professional_only], status_code=200)
async def redeem_share_code(request: Request, db: AsyncSession, data: Form) -> Response:
    code = text(data, "code", limit=20)

    def again(error: str, status: int = 400) -> Template:
        # Every refusal is about the one field, the code.
        return Template("pro_code.html", context={"code": code, "error": FormError(error, ("code",))}, status_code=status)

    if not code:
        return again(_("Saisissez le code de partage que votre patient vous montre."))
    try:
        attempt = await take_attempt(db, attempts(request, "share-code", SHARE_CODE_TRIES))
    except throttles.TooManyAttempts as too_many:
        # The way in that needs no code, said to her: the patient finds her in the directory (her Accès page).
        return again(_("Trop de codes incorrects. %(retry)s Votre patient peut aussi vous donner accès sans code : "
                       "sur sa page « Accès » de Carnet, en vous cherchant par votre nom dans l'annuaire.",
                       retry=too_many.french), 429)
    account = request.user.account
    professional = await db.get(Professional, account.professional_id)
    try:
        grant = await share_codes.redeem_share_code(db, code=code, professional=professional,
                                               actor=await professional_actor(db, account))
    except share_codes.ShareCodeRefused as refused:
        if not refused.guess:  # her own code, used already: no guess (share_codes.USED_BY_YOU)
            await throttles.give_back(db, attempt)
        return again(str(refused))
    await throttles.give_back(db, attempt)
    return Redirect(f"/dossiers/{grant.dossier_id}", status_code=303)


@get("/pro/urgence", guards=[professional_only])
async def emergency_form() -> Template:
    return Template("pro_emergency.html", context={"form": {}})


@post("/pro/urgence", guards=[professional_only], status_code=200)
async def emergency(request: Request, db: AsyncSession, data: Form) -> Response:
    form = {"ins": text(data, "ins", limit=30), "birth_date": text(data, "birth_date", limit=20),
            "reason": text(data, "reason", limit=emergencies.REASON_MAX + 1)}
    birth_date = parse_date(form["birth_date"])

    def again(message: str, *fields: str, status: int = 400) -> Template:
        return Template("pro_emergency.html", context={"form": form, "error": FormError(message, fields)},
                        status_code=status)

    account = request.user.account
    # Every problem at once, before anything is read or counted: a reason too short, said only once the identity was
    # right, cost a third sending in an emergency.
    error = at_once(
        (_("Saisissez le matricule INS du patient (15 caractères).") if not form["ins"] else
         _("Ce matricule INS n'est pas valide : vérifiez les 15 caractères."), "ins")
        if not is_valid_ins(form["ins"]) else None,
        birth_date_problem(form["birth_date"], birth_date,
                           missing=_("Saisissez la date de naissance du patient (JJ/MM/AAAA).")),
        emergencies.reason_problem(form["reason"]))
    if error or birth_date is None:
        return Template("pro_emergency.html", context={"form": form, "error": error}, status_code=400)
    try:
        attempt = await take_attempt(db, attempts(request, "emergency", EMERGENCY_TRIES))
    except throttles.TooManyAttempts as too_many:  # identities are not to be probed
        return again(_("Trop de demandes refusées. %(retry)s", retry=too_many.french), status=429)
    # An unknown INS, or a birth date that does not match, is refused like an opted-out patient.
    dossier = await dossier_for_identity(db, ins=form["ins"], birth_date=birth_date)
    professional = await db.get(Professional, account.professional_id)
    try:
        access = await emergencies.open_emergency(db, dossier=dossier, professional=professional, reason=form["reason"],
                                             actor=await professional_actor(db, account))
    except InvalidInput as invalid:  # the reason, checked before anything is read: not an attempt
        await throttles.give_back(db, attempt)
        return again(str(invalid), *invalid.fields)
    except emergencies.EmergencyRefused as refused:
        # Names no field: which part of the identity is wrong is not said (identities are not to be probed).
        return again(str(refused), status=403)
    await throttles.give_back(db, attempt)
    return Redirect(f"/dossiers/{access.dossier_id}", status_code=303)


routes = [activation_form, activate, patients, search_patients, my_documents, share_code_form, redeem_share_code, emergency_form,
          emergency]
