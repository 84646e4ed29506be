"""The language switch in every page's footer: French or English, kept in a cookie for a year."""

from __future__ import annotations

import re

from litestar import Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect

from .. import i18n
from .forms import Form, text

# Back to the page the switch was on: a path of this site, never another origin ("//x", "/\x").
SAME_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%-]*")


@post("/langue", status_code=303)
async def choose_language(request: Request, data: Form) -> Redirect:
    language = text(data, "langue")
    back = text(data, "retour", limit=500)
    if not SAME_SITE_PATH.fullmatch(back):
        back = "/"
    settings = request.app.state.settings
    cookie = Cookie(key=i18n.COOKIE, value=language if language in i18n.LANGUAGES else i18n.SOURCE, path="/",
                    max_age=365 * 24 * 3600, samesite="lax", secure=settings.secure_cookies, httponly=True)
    return Redirect(back, status_code=303, cookies=[cookie])


routes = [choose_language]
