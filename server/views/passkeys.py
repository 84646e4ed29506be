"""Managing one's passkeys and recovery codes."""

from __future__ import annotations

from datetime import datetime

from litestar import Request, Response, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts, passkey_changes, passkeys, sessions
from ..auth.sessions import session_cookie
from ..guards import logged_in
from ..i18n import _
from ..models import utcnow
from ..notifications import devices
from ..text_input import readable_length
from .account import account_band
from .forms import Form, FormError, text
from .recent_login import not_recent

# In a session's data: the recovery codes its last "Générer de nouveaux codes" made, until their page shows them.
NEW_CODES = "new_recovery_codes"


async def passkeys_page(request: Request, db: AsyncSession, *, error: FormError | None = None,
                        status: int = 200, typed: dict[str, str] | None = None) -> Template:
    """`typed`: the name a refused rename sent, by its key's id, shown again in that key's field."""
    account = request.user.account
    band = await account_band(request, db)  # first: it may save the session, which ends the transaction
    keys = await passkeys.account_passkeys(db, account=account)
    logged_in_with = request.user.data.get(sessions.LOGGED_IN_WITH)
    context = {
        "account_band": band,
        "passkeys": keys,
        # After a recovery: the keys that still open the account, the lost device's among them, said first.
        "left_by_recovery": [p for p in keys if p.id != logged_in_with] if request.user.data.get(sessions.RECOVERED)
                            else [],
        "codes_left": await accounts.recovery_codes_left(db, account=account),
        "devices": await sessions.live_sessions(db, account_id=account.id, settings=request.app.state.settings),
        "logged_in_with": logged_in_with,
        "error": error,
        "typed": typed or {},
        "recent": sessions.logged_in_recently(request.user),  # to add a passkey or make codes (sessions.RECENT_LOGIN)
        "own_dossier": account.patient_id is not None,  # what the keys open: her dossier, or else her account
    }
    return Template("passkeys.html", context=context, status_code=status)


@get("/cles", guards=[logged_in])
async def list_passkeys(request: Request, db: AsyncSession) -> Template:
    return await passkeys_page(request, db)


@post("/cles/{passkey_id:str}/nom", guards=[logged_in], status_code=200)
async def rename(request: HTMXRequest, db: AsyncSession, passkey_id: str, data: Form) -> Response:
    name = text(data, "name", limit=passkeys.NAME_MAX + 1)  # read past the form's maxlength: refused, never cut
    field = f"name-{passkey_id[:40]}"  # this key's field, among one a key (passkeys.html)
    if len(name) > passkeys.NAME_MAX:
        error = FormError(_("%(name)s : %(limit)d caractères au plus.", name=_("Nom de cette clé"),
                            limit=passkeys.NAME_MAX), [field])
        return await passkeys_page(request, db, error=error, status=400, typed={passkey_id: name})
    if not readable_length(name):  # a name of spaces or invisible characters is none: said, not replaced
        return await passkeys_page(request, db, error=FormError(_("Donnez un nom à cette clé."), [field]), status=400,
                                   typed={passkey_id: name})
    renamed = await passkey_changes.rename_passkey(db, account=request.user.account, passkey_id=passkey_id, name=name)
    return Redirect("/cles?fait=cle-renommee" if renamed else "/cles", status_code=303)  # not theirs, or gone: nothing


@post("/cles/{passkey_id:str}/suppression", guards=[logged_in], status_code=200)
async def remove(request: HTMXRequest, db: AsyncSession, passkey_id: str) -> Response:
    if old := await not_recent(request, db):  # a phone left unlocked would strip its owner's other keys
        return await passkeys_page(request, db, error=old, status=403)
    try:
        removed = await passkey_changes.remove_passkey(db, account=request.user.account, passkey_id=passkey_id)
    except passkeys.PasskeyRefused as refused:
        # The last passkey: no field is wrong, the message takes the focus.
        return await passkeys_page(request, db, error=FormError.of(refused), status=400)
    if removed and passkey_id == request.user.data.get(sessions.LOGGED_IN_WITH):
        # This device's own key: its session ended with it (passkey_changes.remove_passkey), as the confirmation said.
        return Redirect("/connexion?deconnecte=1", status_code=303, headers={"Clear-Site-Data": '"cache"'},
                        cookies=[session_cookie(request.app.state.settings, None)])
    # A second click, or a stale tab: nothing was deleted, so nothing is said.
    return Redirect("/cles?fait=cle-supprimee" if removed else "/cles", status_code=303)


@post("/cles/autres-cles/suppression", guards=[logged_in], status_code=200)
async def remove_others(request: HTMXRequest, db: AsyncSession) -> Response:
    """Every key but this session's, at once: after a recovery, the lost phone's and any other."""
    if old := await not_recent(request, db):  # as one key's removal
        return await passkeys_page(request, db, error=old, status=403)
    removed = await passkey_changes.remove_other_passkeys(db, account=request.user.account,
                                                   keep=request.user.data.get(sessions.LOGGED_IN_WITH))
    return Redirect("/cles?fait=autres-cles-supprimees" if removed else "/cles", status_code=303)


@post("/cles/autres-appareils/deconnexion", guards=[logged_in], status_code=200)
async def log_out_elsewhere(request: Request, db: AsyncSession, data: Form) -> Redirect:
    """Every other device logged in to this account is logged out: a phone lost or lent, a shared computer."""
    # This browser's push subscription, if any (push.js): an endpoint the account does not hold keeps nothing.
    this_device = text(data, "appareil", limit=devices.ENDPOINT_MAX + 1)
    await passkey_changes.log_out_other_devices(db, account=request.user.account, current=request.user,
                                                this_device=this_device)
    return Redirect("/cles?fait=appareils-deconnectes", status_code=303)


@post("/cles/codes-de-secours", guards=[logged_in], status_code=200)
async def new_recovery_codes(request: Request, db: AsyncSession) -> Response:
    if old := await not_recent(request, db):  # a code makes a passkey: as recent a login as adding one
        return await passkeys_page(request, db, error=old, status=403)
    codes = await passkeys.replace_recovery_codes(db, account=request.user.account)
    # Shown by the page the 303 leads to: the form sent twice (a browser's own retry) gets that 303 again and makes
    # no second set (submissions.py keeps a redirect, never a page). Kept in the session, never in an address.
    data = request.user.data
    data[NEW_CODES] = {"codes": codes, "made_at": utcnow().isoformat()}
    await sessions.save_session_data(db, current=request.user, data=data)
    return Redirect("/cles/codes-de-secours", status_code=303)


@get("/cles/codes-de-secours", guards=[logged_in])
async def show_recovery_codes(request: Request, db: AsyncSession) -> Response:
    """The codes just made, once; else "Mes clés d'accès", which holds the form (a reload, another tab or device, and
    the way back of a new login that the form asked for: views/recent_login.py)."""
    data = request.user.data
    made = data.pop(NEW_CODES, None)
    if made is None:
        return Redirect("/cles", status_code=303)
    await sessions.save_session_data(db, current=request.user, data=data)
    # Only soon after they were made: a phone left unlocked in this session shows none of a set never displayed.
    if utcnow() - datetime.fromisoformat(made["made_at"]) > sessions.RECENT_LOGIN:
        return Redirect("/cles", status_code=303)
    return Template("recovery_codes.html", context={"codes": made["codes"],
                                                    "account_band": await account_band(request, db)})


routes = [list_passkeys, rename, remove, remove_others, log_out_elsewhere, new_recovery_codes, show_recovery_codes]
