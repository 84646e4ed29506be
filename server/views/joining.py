"""Joining a dossier: accepting a relative's invitation, or adding one's child's dossier.

The invited person opens /invitation (the QR code's link carries the code after "#") and accepts
with their account, or makes one there (a name, then a passkey: views/auth.py finishes it). A
parent adds a child's dossier at /enfant with the child's activation code and birth date.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts, sessions, throttles
from ..caregivers import delegations, enrolment, invitations
from ..config import Settings
from ..guards import logged_in
from ..i18n import _
from ..models import Account, CaregiverInvitation, Dossier, Patient
from ..auth.sessions import session_cookie
from ..text_input import NAME_MAX, names_missing, names_too_long
from .forms import Form, FormError, at_once, birth_date_problem, parse_date, text
from .attempts import attempts, client_address, take_attempt

INVITATION_TRIES = 5  # wrong invitation codes before a pause, per account (per address: attempts.py)


# --- accepting an invitation ----------------------------------------------------------------------------


def invitation_page(context: dict[str, Any], status: int = 200) -> Template:
    return Template("invitation_accept.html", context=context, status_code=status)


async def checked_invitation(request: Request, db: AsyncSession, code: str) -> CaregiverInvitation | Template:
    """The open invitation named by a typed code, or the page that says why not (attempts are counted)."""
    if not code:  # a field to fill, not a wrong code: it counts towards no pause
        return invitation_page({"code": code, "error": FormError(_("Saisissez le code d'invitation que l'on vous a donné."),
                                                                 ("code",))}, 400)
    try:
        attempt = await take_attempt(db, attempts(request, "invitation", INVITATION_TRIES, per_address=10))
    except throttles.TooManyAttempts as too_many:
        return invitation_page({"code": code, "error": FormError(_("Trop de codes incorrects. %(retry)s",
                                                                     retry=too_many.french))}, 429)
    try:
        invitation = await invitations.find_invitation(db, code=code)
    except invitations.InvitationRefused as refused:
        return invitation_page({"code": code, "error": FormError(str(refused), ("code",))}, 400)
    await throttles.give_back(db, attempt)
    return invitation


@get("/invitation")
async def invitation_form(request: Request) -> Template:
    return invitation_page({"code": ""})


@post("/invitation", status_code=200)
async def look_up_invitation(request: Request, db: AsyncSession, data: Form) -> Template:
    code = text(data, "code", limit=20)
    found = await checked_invitation(request, db, code)
    if isinstance(found, Template):
        return found
    patient_name, inviter = await invitation_people(db, found)
    current = refused = None  # a relative who already helps is told, before accepting, that these terms replace theirs
    own = False
    if request.user is not None and request.user.row.authenticated:
        account = request.user.account
        # Said here, with no button: the invitation's own maker was offered "Accepter", refused only once she tapped.
        refused = await invitations.refusal(db, invitation=found, account=account)
        own = found.created_by_account_id == account.id
        held = await invitations.current_delegation(db, dossier_id=found.dossier_id, account_id=account.id)
        if held is not None and invitations.replaces(found, held):
            current = invitations.level_label(held.can_manage)
    return invitation_page({"code": code, "invitation": found, "patient_name": patient_name, "inviter": inviter,
                            "terms": invitations.terms(found), "current_level": current, "refused": refused,
                            "own": own})


async def invitation_people(db: AsyncSession, invitation: CaregiverInvitation) -> tuple[str, str]:
    dossier = await db.get(Dossier, invitation.dossier_id)
    patient = await db.get(Patient, dossier.patient_id)
    inviter = await db.get(Account, invitation.created_by_account_id)
    # "Jean Dupont vous invite à l'aider à suivre son dossier", not "… à suivre le dossier de Jean Dupont".
    whose = "" if inviter is not None and inviter.patient_id == patient.id else f"{patient.given_name} {patient.family_name}"
    return whose, inviter.display_name if inviter else ""


@post("/invitation/acceptation", guards=[logged_in], status_code=200)
async def accept_invitation(request: Request, db: AsyncSession, data: Form) -> Response:
    code = text(data, "code", limit=20)
    found = await checked_invitation(request, db, code)
    if isinstance(found, Template):
        return found
    # A relative who already helped gets new terms (read ↔ manage), not a dossier new to "Mes dossiers".
    helped = await invitations.current_delegation(db, dossier_id=found.dossier_id, account_id=request.user.account.id)
    try:
        delegation = await invitations.accept(db, invitation_id=found.id, account=request.user.account)
    except invitations.InvitationRefused as refused:
        return invitation_page({"code": code, "error": FormError(str(refused))}, 400)
    done = ("invitation-acceptee" if helped is None
            else "invitation-gestion" if delegation.can_manage else "invitation-lecture")
    return Redirect(f"/dossiers/{delegation.dossier_id}?fait={done}", status_code=303)


@post("/invitation/compte", status_code=200)
async def account_from_invitation(request: Request, db: AsyncSession, data: Form) -> Response:
    """Someone with no account: their name, then a passkey; the invitation is accepted with it."""
    code = text(data, "code", limit=20)
    found = await checked_invitation(request, db, code)
    if isinstance(found, Template):
        return found
    # Read past the form's maxlength: a longer name is refused on its field, never cut.
    given, family = text(data, "given_name", limit=NAME_MAX + 1), text(data, "family_name", limit=NAME_MAX + 1)
    names = {"given_name": given, "family_name": family}
    missing, too_long = names_missing(names), names_too_long(names)
    if missing or too_long:
        patient_name, inviter = await invitation_people(db, found)
        error = (FormError(_("Saisissez votre prénom et votre nom : la personne qui vous invite les verra."), missing)
                 if missing else FormError(_("Le prénom et le nom doivent faire 100 caractères au plus chacun : "
                                             "raccourcissez ce qui dépasse."), too_long))
        return invitation_page({"code": code, "invitation": found, "patient_name": patient_name, "inviter": inviter,
                                "terms": invitations.terms(found), "form": {"given_name": given, "family_name": family},
                                "error": error}, 400)
    return await enrol(request, db, given=given, family=family, data={enrolment.INVITATION: found.id})


async def enrol(request: Request, db: AsyncSession, *, given: str, family: str, data: dict) -> Response:
    """The half-session that registers a new account's first passkey, which makes the account (views/auth.py):
    nothing is written before, so that a newcomer who stops here leaves nothing behind."""
    settings: Settings = request.app.state.settings
    account = enrolment.new_account(given_name=given, family_name=family)
    token = await sessions.start_session(db, account=account, authenticated=False, replacing=request.auth, data=data,
                                         new=True)
    return Redirect("/activer/cle", status_code=303, cookies=[session_cookie(settings, token)])


# --- a parent adds a child's dossier -----------------------------------------------------------------------


def child_page(request: Request, form: dict[str, Any], *, error: FormError | None = None, status: int = 200) -> Template:
    signed_in = bool(request.user and request.user.row.authenticated)
    return Template("child_attach.html", context={"form": form, "error": error, "signed_in": signed_in},
                    status_code=status)


@get("/enfant")
async def child_form(request: Request) -> Template:
    return child_page(request, {})


@post("/enfant", status_code=200)
async def attach_child(request: Request, db: AsyncSession, data: Form) -> Response:
    settings: Settings = request.app.state.settings
    # Names read past the form's maxlength: a longer one is refused on its field, never cut.
    form = {name: text(data, name, limit=NAME_MAX + 1) for name in ("code", "birth_date", "given_name", "family_name")}
    birth_date = parse_date(form["birth_date"])
    signed_in = request.user is not None and request.user.row.authenticated
    names = {name: form[name] for name in ("given_name", "family_name")}
    missing, too_long = (names_missing(names) if not signed_in else ()), names_too_long(names)
    # Every problem at once, each on its field (a date typed that is no day, 30/02/2020, said as such).
    code_and_date = [(_("Saisissez le code d'activation de votre enfant et sa date de naissance (JJ/MM/AAAA)."),
                      "code", "birth_date")] if not form["code"] and not form["birth_date"] else [
        (_("Saisissez le code d'activation de votre enfant."), "code") if not form["code"] else None,
        birth_date_problem(form["birth_date"], birth_date,
                           missing=_("Saisissez la date de naissance de votre enfant (JJ/MM/AAAA)."))]
    error = at_once(
        *code_and_date,
        (_("Saisissez votre prénom et votre nom."), *missing) if missing else None,
        (_("Le prénom et le nom doivent faire 100 caractères au plus chacun : raccourcissez ce qui dépasse."),
         *too_long) if too_long else None)
    if error or birth_date is None:
        return child_page(request, form, error=error, status=400)
    lock = timedelta(minutes=settings.activation_lock_minutes)

    def paused(too_many: throttles.TooManyAttempts) -> Template:
        return child_page(request, form, error=FormError(_("Trop d'essais. %(retry)s", retry=too_many.french)), status=429)

    try:
        attempt = await throttles.take_attempt(db, ((f"activation-client:{client_address(request)}", 20),), lock=lock)
    except throttles.TooManyAttempts as too_many:
        return paused(too_many)
    try:
        activation, _patient = await delegations.check_minor(
            db, account=request.user.account if signed_in else None, code=form["code"], birth_date=birth_date,
            max_attempts=settings.activation_max_attempts, lock=lock)
    except throttles.TooManyAttempts as too_many:  # the code's own pause: nothing was checked
        await throttles.give_back(db, attempt)
        return paused(too_many)
    except accounts.ActivationRefused as refused:
        return child_page(request, form, error=FormError.of(refused), status=400)
    await throttles.give_back(db, attempt)
    if not signed_in:
        return await enrol(request, db, given=form["given_name"], family=form["family_name"], data={
            enrolment.CHILD: {"activation_id": activation.id, "birth_date": birth_date.isoformat()}})
    try:
        dossier = await delegations.attach_child_by_activation(db, account=request.user.account,
                                                               activation_id=activation.id, birth_date=birth_date)
    except accounts.ActivationRefused as refused:
        return child_page(request, form, error=FormError.of(refused), status=400)
    return Redirect(f"/dossiers/{dossier.id}", status_code=303)


routes = [invitation_form, look_up_invitation, accept_invitation, account_from_invitation, child_form, attach_child]
