"""Activation, passkey ceremonies, login and logout (a lost passkey's recovery code: recovery.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts, challenges, passkeys, sessions
from ..caregivers import enrolment, notices
from ..config import Settings
from ..guards import enrolling_or_logged_in, logged_in
from ..i18n import _
from ..models import Account
from ..auth.sessions import session_cookie
from .attempts import client_address
from .forms import NOT_RECENT
from .language import QUERY, SAME_SITE_PATH, page_address

# Where a login leads (/connexion?suite=PATH): the path alone, an opaque one (ids, never a name or a search), and
# never another site's: "//x" and "/\\x" are another host to a browser, and a scheme is no path. Its query stays
# behind. A fragment never reaches the server: the browser keeps it across the redirect to the login page, and
# passkeys.js takes it on (a patient's share code "#c=" is already out of the address then: carnet.js).
NEXT = "suite"
UNSENT = "non-envoye"  # a flag: a form sent after its session ended was not done
IDLE = ("fin", "inactivite")  # a flag: the session ended after a while without activity, nothing else
# In a recovery's half-session: the recovery code its passkey spends.
RECOVERY_CODE = "recovery_code_id"


def next_path(value: object) -> str:
    """The page a login leads to: this path of this site, with its filter choices (its query), or the front door."""
    if not isinstance(value, str) or len(value) > 1000:
        return "/"
    path, _mark, query = value.partition("?")
    return value if SAME_SITE_PATH.fullmatch(path) and QUERY.fullmatch(query) else "/"


def kept_query(query: str) -> str:
    """What of a page's query a login brings back: the form a chooser opened ("?type=allergy"), a list's filters
    (opaque ids and choices: never a name or a title, which no address of Carnet holds); not a one-time notice
    ("?fait=…", which would say again that something was just done), nor the login's own."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ("fait", NEXT, UNSENT, IDLE[0])]
    return f"?{urlencode(kept)}" if kept else ""


def login_address(request: Request, *, unsent: bool = False) -> str:
    """The login page, for someone a page refused because they are not logged in: with the way back to it, the page
    they asked for (a link htmx followed is one), or the page htmx asked a part of, or sent a form from. Someone
    logged in whom it refused goes to the login page alone: it would only lead them back to the same refusal.
    `unsent`: a form sent after its session ended, which the login page says was not done; else a session its idle
    limit just ended (sessions.load_session) is said to have closed, so that the bare login page is no riddle."""
    flag = f"{UNSENT}=1" if unsent else "=".join(IDLE) if request.scope.get(sessions.IDLE_ENDED) else ""
    if request.user is not None and request.user.row.authenticated:
        return "/connexion"
    part_of_a_page = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    if request.method == "GET" and not part_of_a_page:
        asked = request.url.path + kept_query(request.url.query)
    elif request.headers.get("hx-request"):
        current = page_address(request.headers.get("hx-current-url", ""))
        asked = current.path + kept_query(current.query)
    else:
        asked = ""  # a form sent without JavaScript: its action is no page to come back to
    back = next_path(asked)
    query = "&".join(part for part in (f"{NEXT}={quote(back, safe='/')}" if back != "/" else "", flag) if part)
    return f"/connexion?{query}" if query else "/connexion"


def ceremony(token: str, options: str) -> Response:
    """WebAuthn options, and the token naming their stored challenge (sent back to verify).

    In the body rather than a cookie, so that two ceremonies in one browser (the login page open in two
    tabs) never overwrite each other's challenge.
    """
    return Response(f'{{"ceremony": "{token}", "publicKey": {options}}}', media_type="application/json")


def too_many_ceremonies() -> Response:
    return Response({"error": _("Trop de demandes de connexion depuis cette adresse. Réessayez dans quelques minutes.")},
                    status_code=429)


def added_too_late(request: Request) -> Response | None:
    """A passkey added to an account someone is logged in to needs a recent login (forms.NOT_RECENT), said as the
    ceremony's script says errors, with "Mes clés d'accès" to come back to, which offers a new login
    (views/recent_login.py); an activation's or a recovery's first passkey is its login."""
    if not request.user.row.authenticated or sessions.logged_in_recently(request.user):
        return None
    return Response({"error": _(NOT_RECENT), "relogin": "/cles"}, status_code=403)


@post("/cle/options", guards=[enrolling_or_logged_in], status_code=200)
async def registration_options(request: Request, db: AsyncSession) -> Response:
    if refused := added_too_late(request):
        return refused
    try:
        token, options = await passkeys.begin_registration(db, request.app.state.settings, account=request.user.account,
                                                           client=client_address(request))
    except challenges.TooManyChallenges:
        return too_many_ceremonies()
    return ceremony(token, options)


@post("/cle/verification", guards=[enrolling_or_logged_in], status_code=200)
async def registration_verify(request: Request, db: AsyncSession, data: dict[str, Any]) -> Response:
    settings: Settings = request.app.state.settings
    if refused := added_too_late(request):
        return refused
    current = request.user
    half = current.data if not current.row.authenticated else {}  # what the passkey completes
    activation_id = half.get("activation_id")
    try:
        enrolled = await passkeys.finish_registration(
            db,
            settings,
            token=str(data.get("ceremony", "")),
            account=current.account,
            credential=str(data.get("credential", "")),
            name=str(data.get("name", "")),
            activation_id=activation_id,
            recovery_code_id=half.get(RECOVERY_CODE),
            new_account=current.is_new_account,
            joining=enrolment.joining(half),  # a new caregiver's invitation accepted, or their child's dossier
        )
    except passkeys.PasskeyRefused as refused:
        return await registration_refused(db, settings, refused, credential=str(data.get("credential", "")))
    if current.row.authenticated:
        return Response({"redirect": "/cles?fait=cle-ajoutee"})
    # The activation (or recovery) is complete: rotate to a full session (every other one has ended with it).
    removed = [{"name": r.name, "created_at": r.created_at.isoformat()} for r in enrolled.removed]
    caregiver_next = enrolled.next_page
    # A recovery leads to "Mes clés d'accès": the lost device is logged out, but its key still opens the account
    # until she removes it there. Straight there: what the notice of this recovery says (passkeys._keep), for a next
    # login, the page says first.
    recovered = bool(half.get(RECOVERY_CODE))
    token = await sessions.start_session(
        db,
        account=current.account,
        authenticated=True,
        replacing=request.auth,
        data={"show_recovery_codes": True, "removed_passkeys": removed, "next": caregiver_next,
              sessions.LOGGED_IN_WITH: enrolled.passkey.id}
        if activation_id or caregiver_next else {sessions.LOGGED_IN_WITH: enrolled.passkey.id,
                                                 **({sessions.RECOVERED: True} if recovered else {})},
    )
    return Response(
        {"redirect": "/activer/codes" if activation_id or caregiver_next
         else "/cles" if recovered else "/"},
        cookies=[session_cookie(settings, token)],
    )


async def registration_refused(db: AsyncSession, settings: Settings, refused: passkeys.PasskeyRefused, *,
                               credential: str) -> Response:
    """A new passkey refused (its request expired, its code spent meanwhile…): the device made it all the same, and
    would offer it at every login, to be refused; named for the device to forget (passkeys.js), unless Carnet holds
    a passkey by that id (one sent twice: the device's is the account's)."""
    credential_id = passkeys.sent_credential_id(credential)
    if not credential_id or await passkeys.is_held(db, credential_id):
        return Response({"error": str(refused)}, status_code=400)
    return Response({"error": str(refused), "unknownCredential": {"rpId": settings.rp_id, "credentialId": credential_id}},
                    status_code=400)


@get("/activer/codes", guards=[enrolling_or_logged_in])
async def recovery_codes(request: Request, db: AsyncSession) -> Template:
    current = request.user
    data = current.data
    codes, removed = None, []
    # Shown once, and only soon after the activation that asked for them: a session left open since makes none.
    if data.pop("show_recovery_codes", False) and current.row.authenticated and sessions.logged_in_recently(current):
        removed = [(r["name"], datetime.fromisoformat(r["created_at"])) for r in data.pop("removed_passkeys", [])]
        await sessions.save_session_data(db, current=current, data=data)
        codes = await accounts.replace_recovery_codes(db, account=current.account)
    # Where "J'ai noté mes codes" leads: a new caregiver straight to the dossier they came for.
    return Template("recovery_codes.html", context={"codes": codes, "removed": removed, "next": data.get("next") or "/"})


@get("/connexion")
async def login_page(request: Request) -> Response:
    """The login page, also while a session is open: on a shared computer the next person who comes to log in is
    told whose it is and logs in with her own passkey, which ends it (login_verify), rather than being sent on into
    that session, to read and write as its owner."""
    open_session = request.user.account if request.user and request.user.row.authenticated else None
    # A flag, not a message: "?deconnecte=1" carries nothing about the person who left.
    return Template("login.html", context={"open_session": open_session,
                                           "logged_out": request.query_params.get("deconnecte") == "1",
                                           "unsent": request.query_params.get(UNSENT) == "1",
                                           "idle_ended": request.query_params.get(IDLE[0]) == IDLE[1],
                                           "next": next_path(request.query_params.get(NEXT))})


@post("/connexion/options", status_code=200)
async def login_options(request: Request, db: AsyncSession) -> Response:
    try:
        token, options = await passkeys.begin_login(db, request.app.state.settings, client=client_address(request))
    except challenges.TooManyChallenges:
        return too_many_ceremonies()
    return ceremony(token, options)


@post("/connexion/verification", status_code=200)
async def login_verify(request: Request, db: AsyncSession, data: dict[str, Any]) -> Response:
    settings: Settings = request.app.state.settings
    try:
        account, passkey_id = await passkeys.finish_login(
            db, settings, token=str(data.get("ceremony", "")), credential=str(data.get("credential", ""))
        )
    except passkeys.PasskeyRefused as refused:
        return login_refused(settings, refused)
    accepted = await passkeys.accepted_credentials(db, settings, account=account)
    token = await sessions.start_session(db, account=account, authenticated=True, replacing=request.auth,
                                         data={sessions.LOGGED_IN_WITH: passkey_id})
    return Response({"redirect": await told_first(db, account=account, logged_in_with=passkey_id,
                                                  back=next_path(data.get("next"))),
                     "accepted": accepted}, cookies=[session_cookie(settings, token)])


async def told_first(db: AsyncSession, *, account: Account, logged_in_with: str, back: str) -> str:
    """Where a login leads: the page it was for, unless the account was told something meanwhile (its devices logged
    out by a relative, a dossier closed, its access ended: caregivers/notices.py), said first on "Mes dossiers", with
    the way on to that page. Not said there, it waited for a visit to "/" that a login leading back never made."""
    if not await notices.unseen(db, account=account, logged_in_with=logged_in_with):
        return back
    # A professional's "/" is "Mes patients" (home.py), and "Mes dossiers" leads on there, not to itself.
    return my_dossiers_url("/pro" if back == "/" and account.professional_id and not account.patient_id else back)


def my_dossiers_url(way_on: str) -> str:
    """"Mes dossiers", with the page a login was for (`way_on`, a `next_path`), when it led there first."""
    return "/mes-dossiers" + (f"?{NEXT}={quote(way_on, safe='/')}" if way_on not in ("/", "/mes-dossiers") else "")


def login_refused(settings: Settings, refused: passkeys.PasskeyRefused) -> Response:
    """A login's passkey refused; one Carnet does not hold, named for the device to forget (passkeys.js)."""
    if isinstance(refused, passkeys.UnknownPasskey):
        return Response({"error": str(refused), "unknownCredential": {"rpId": settings.rp_id,
                                                                       "credentialId": refused.credential_id}},
                        status_code=400)
    return Response({"error": str(refused)}, status_code=400)


@post("/deconnexion", status_code=200)
async def logout(request: Request, db: AsyncSession) -> Redirect:
    """Logged out; `suite` (a path of this site): where the next login leads, for "Me reconnecter"."""
    back = next_path((await request.form()).get(NEXT))
    if request.auth:
        await sessions.end_session(db, token=request.auth)
    # "cache": the browser drops what it kept of this site's pages, its back/forward cache included (Safari keeps
    # no-store pages there), so that Back on a phone left unlocked shows no page of the dossier. Not "storage":
    # the service worker's static files and the device's verified journal state are no health data.
    login = "/connexion?deconnecte=1" + (f"&{NEXT}={quote(back, safe='/')}" if back != "/" else "")
    return Redirect(login, status_code=303, headers={"Clear-Site-Data": '"cache"'},
                    cookies=[session_cookie(request.app.state.settings, None)])


@post("/session/prolonger", guards=[logged_in], status_code=204)
async def stay_logged_in() -> None:
    """"Rester connecté" (carnet.js, two minutes before an idle session would end): a request, which is what keeps
    a session (sessions.py); nothing else to do."""


routes = [
    registration_options, registration_verify, recovery_codes,
    login_page, login_options, login_verify, logout, stay_logged_in,
]
