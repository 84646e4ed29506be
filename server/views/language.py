"""The language switch in every page's footer: French or English, kept in a cookie for a year."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from litestar import Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect

from .. import i18n
from .forms import Form, text

# Back to the page the switch was on: a path of this site, never another origin ("//x", "/\x"), and its query,
# the filters the page shows (only codes and opaque keys travel in Carnet's URLs): the same list in the other
# language, not the whole dossier. A query of other characters is left behind, never the path.
SAME_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%-]*")
QUERY = re.compile(r"[A-Za-z0-9_.~%=&+-]*")


def page_address(url: str) -> SplitResult:
    """The address of the page htmx sent a request from (HX-Current-URL), as the request says it: one that no
    parser reads ("http://[x", an IPv6 host never closed) is no page's, not a server error."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


@post("/langue", status_code=303)
async def choose_language(request: Request, data: Form) -> Redirect:
    language = text(data, "langue")
    path, _, query = text(data, "retour", limit=1000).partition("?")
    if not SAME_SITE_PATH.fullmatch(path):
        path, query = "/", ""
    back = f"{path}?{query}" if query and QUERY.fullmatch(query) else path
    settings = request.app.state.settings
    cookie = Cookie(key=i18n.COOKIE, value=language if language in i18n.LANGUAGES else i18n.SOURCE, path="/",
                    max_age=365 * 24 * 3600, samesite="lax", secure=settings.secure_cookies, httponly=True)
    return Redirect(back, status_code=303, cookies=[cookie])


routes = [choose_language]
