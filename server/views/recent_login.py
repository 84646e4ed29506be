"""A recent login, which an action that gives a lasting way in asks for (forms.NOT_RECENT): its refusal, which keeps
what the form sent in the session; a new login with a passkey, without logging out; and the form given back, filled
as it was sent, on its page.

The new login is a login's ceremony (passkeys.begin_login, finish_login) for the account already logged in, its own
passkeys only; like any login, it rotates the session (a page from before it cannot post after it, csrf.py), keeping
what the session held. The address it leads back to is the refused action's (a GET there is its form's page:
form_actions.py): what was typed never goes in an address.

The same new login keeps a session past its end whatever is done (`session_max_hours` after it was opened): base.html's
warning asks it a few minutes before (session.js), in place. Its answer gives the page the new session's CSRF token
and end (`page_session`), so that the page goes on as it is, what was typed in it kept; the browser's other tabs,
told by session.js that a new login happened (no secret between tabs), ask theirs here (GET /reconnexion/session).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.utils.scope.state import ScopeState
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import challenges, csrf, passkeys, sessions
from ..auth.accounts import hash_secret
from ..config import Settings
from ..guards import logged_in
from ..i18n import _
from ..models import WebSession
from ..auth.sessions import session_cookie
from ..templating import session_closing
from .attempts import client_address
from .auth import ceremony, login_refused, next_path, too_many_ceremonies
from .forms import NOT_RECENT, FormError

# What of a refused form the session keeps: more than any of Carnet's forms sends (a practice's key, 8,000
# characters, is the longest field), never a body of any size.
MAX_FIELDS = 50
MAX_VALUE = 10_000


async def not_recent(request: Request, db: AsyncSession) -> FormError | None:
    """The refusal of such an action from a session opened more than RECENT_LOGIN ago, or None if it may. The
    refusal offers a new login (partials/form_error.html), after which the form comes back as it was sent."""
    current = request.user
    if sessions.logged_in_recently(current):
        return None
    form = await request.form()  # parsed once, by csrf.py
    fields = [[name, value[:MAX_VALUE]] for name, value in form.multi_items()
              if name != csrf.FIELD and isinstance(value, str)][:MAX_FIELDS]
    data = current.data
    data[sessions.REFUSED_FORM] = {"action": request.url.path, "fields": fields}
    await sessions.save_session_data(db, current=current, data=data)
    return FormError(_(NOT_RECENT), relogin=request.url.path)


@post("/reconnexion/options", guards=[logged_in], status_code=200)
async def relogin_options(request: Request, db: AsyncSession) -> Response:
    try:
        token, options = await passkeys.begin_login(db, request.app.state.settings, client=client_address(request),
                                                    account=request.user.account)
    except challenges.TooManyChallenges:
        return too_many_ceremonies()
    return ceremony(token, options)


@post("/reconnexion/verification", guards=[logged_in], status_code=200)
async def relogin_verify(request: Request, db: AsyncSession, data: dict[str, Any]) -> Response:
    settings: Settings = request.app.state.settings
    current = request.user
    try:
        _account, passkey_id = await passkeys.finish_login(
            db, settings, token=str(data.get("ceremony", "")), credential=str(data.get("credential", "")),
            account_of=current.account)
    except passkeys.PasskeyRefused as refused:
        return login_refused(settings, refused)
    kept = current.data
    kept.pop(sessions.RESUMED_FORM, None)
    if refused_form := kept.pop(sessions.REFUSED_FORM, None):
        kept[sessions.RESUMED_FORM] = refused_form
    kept[sessions.LOGGED_IN_WITH] = passkey_id  # as a login: "Mes clés d'accès" marks the key used last
    token = await sessions.start_session(db, account=current.account, authenticated=True, replacing=request.auth,
                                         data=kept)
    accepted = await passkeys.accepted_credentials(db, settings, account=current.account)
    row = await db.get_one(WebSession, hash_secret(token))
    session = page_session(settings, row, csrf_token=csrf.page_token(request.scope, settings, session_token=token))
    return Response({"redirect": next_path(data.get("next")), "accepted": accepted, "session": session},
                    cookies=[session_cookie(settings, token)])


@get("/reconnexion/session", guards=[logged_in])
async def session_now(request: Request) -> dict[str, Any]:
    """This browser's session, for a page of it from before its new login in another tab (session.js)."""
    return page_session(request.app.state.settings, request.user.row,
                        csrf_token=ScopeState.from_scope(request.scope).csrf_token)


def page_session(settings: Settings, row: WebSession, *, csrf_token: str) -> dict[str, Any]:
    """What a page needs to go on in the session `row` without a reload: the token its forms post with (csrf.py binds
    it to the session), and the session's end for its warning (templating.session_closing)."""
    return {"csrfToken": csrf_token, **session_closing(settings, row)}


@post("/reconnexion/formulaire", guards=[logged_in], status_code=200)
async def resumed_form(request: Request, db: AsyncSession) -> Response:
    """The form the new login gives back (passkeys.js fills it on its page), once: the session keeps it no longer."""
    data = request.user.data
    form = data.pop(sessions.RESUMED_FORM, None)
    if form is not None:
        await sessions.save_session_data(db, current=request.user, data=data)
    return Response(form or {})


routes = [relogin_options, relogin_verify, session_now, resumed_form]
