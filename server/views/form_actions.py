"""A form's action is no page of its own: the address bar never stays on it, and a GET there leads to the form.

A boosted form that is refused (its page again, with the error, or the error page) would leave the action's
address in the address bar, and a reload there was a GET on a POST route: 405 "Action impossible", the form lost.
So a refusal htmx asked for replaces the address with that of the page the form was on (`kept_address`), as
the directory's search does with its own; without JavaScript, the browser stays on the action, whose reload sends
the form again (the browser asks first), and a GET there (the address bar, Enter) is a 303 to the page that holds
the form (`FORM_PAGES`). Actions whose path has a GET of its own (`/activer`, `…/profil/ajouter`, `…/liens-sante`,
`/cles/codes-de-secours`) already answer both ways.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.types import Scope

from .language import QUERY, SAME_SITE_PATH, page_address

# Each action a person's form posts to, with no page at its path, and the page that holds its form (the one its
# success leads back to when both hold it). Only the action's own path parameters go in: nothing a form sent.
FORM_PAGES = {
    # views/access.py
    "/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/acces":
        "/dossiers/{dossier_id}/professionnels/{professional_id}",
    "/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/blocage":
        "/dossiers/{dossier_id}/professionnels/{professional_id}",
    "/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/deblocage":
        "/dossiers/{dossier_id}/professionnels/{professional_id}",
    "/dossiers/{dossier_id:str}/acces/{grant_id:str}/revocation": "/dossiers/{dossier_id}/acces",
    "/dossiers/{dossier_id:str}/medecin-traitant": "/dossiers/{dossier_id}/acces",  # whom: in the form, not the path
    "/dossiers/{dossier_id:str}/acces-urgence": "/dossiers/{dossier_id}/acces",
    "/dossiers/{dossier_id:str}/reouverture": "/dossiers/{dossier_id}/acces",
    "/dossiers/{dossier_id:str}/urgences/{emergency_id:str}/revue": "/dossiers/{dossier_id}",
    "/dossiers/{dossier_id:str}/urgences/{emergency_id:str}/fin": "/dossiers/{dossier_id}/acces",
    # views/auth.py, views/language.py: in every page's header and footer
    "/deconnexion": "/",
    "/langue": "/",
    # views/care.py
    "/dossiers/{dossier_id:str}/soins/{line_id:str}/masquage": "/dossiers/{dossier_id}/soins",
    # views/caregivers.py
    "/dossiers/{dossier_id:str}/proches/invitations": "/dossiers/{dossier_id}/proches",
    "/dossiers/{dossier_id:str}/proches/{delegation_id:str}/retrait": "/dossiers/{dossier_id}/proches",
    "/dossiers/{dossier_id:str}/proches/{delegation_id:str}/lecture-seule": "/dossiers/{dossier_id}/proches",
    "/invitations/{invitation_id:str}/annulation": "/invitations/{invitation_id}",
    "/avis/{notice_id:str}/vu": "/mes-dossiers",
    "/dossiers/{dossier_id:str}/quitter": "/mes-dossiers",
    # views/documents.py
    "/documents/{document_id:str}/masquage": "/documents/{document_id}",
    "/documents/{document_id:str}/cacher-aux-parents": "/documents/{document_id}",
    # views/joining.py: the invitation's page is /invitation's answer
    "/invitation/acceptation": "/invitation",
    "/invitation/compte": "/invitation",
    # views/majority.py
    "/dossiers/{dossier_id:str}/majorite/{delegation_id:str}": "/dossiers/{dossier_id}/majorite",
    # views/notifications.py
    "/dossiers/{dossier_id:str}/notifications/vu": "/dossiers/{dossier_id}",
    "/dossiers/{dossier_id:str}/notifications/chaque-consultation": "/dossiers/{dossier_id}/acces",
    # views/passkeys.py
    "/cles/{passkey_id:str}/nom": "/cles",
    "/cles/{passkey_id:str}/suppression": "/cles",
    "/cles/autres-appareils/deconnexion": "/cles",
    "/cles/autres-cles/suppression": "/cles",
    # views/pro.py
    "/pro/recherche": "/pro",
    # views/pro_software.py
    "/pro/logiciels/{client_id:str}/nom": "/pro/logiciels",
    # views/profile.py, views/profile_adding.py, views/profile_changes.py
    "/dossiers/{dossier_id:str}/profil/{item_id:str}/masquage": "/dossiers/{dossier_id}/profil",
    "/dossiers/{dossier_id:str}/profil/{item_id:str}/arret": "/dossiers/{dossier_id}/profil",
    "/dossiers/{dossier_id:str}/profil/{item_id:str}/posologie": "/dossiers/{dossier_id}/profil",
    "/dossiers/{dossier_id:str}/profil/{item_id:str}/classement": "/dossiers/{dossier_id}/profil",
    # views/share_codes.py, views/shlinks.py
    "/partage/{share_code_id:str}/annulation": "/partage/{share_code_id}",
    "/dossiers/{dossier_id:str}/liens-sante/{link_id:str}/revocation": "/dossiers/{dossier_id}/liens-sante/{link_id}",
    # views/timeline.py
    "/dossiers/{dossier_id:str}/recherche": "/dossiers/{dossier_id}",
}


def to_form_page(action: str, page: str) -> HTTPRouteHandler:
    """GET on `action`: a 303 to `page`, which asks for a login, or refuses, as it always does."""

    async def form_page(request: Request) -> Redirect:
        # Ids only, quoted whole: a value never adds a segment, nor makes the path another site's ("//").
        ids = {name: quote(str(value), safe="") for name, value in request.path_params.items()}
        return Redirect(page.format(**ids), status_code=303)

    return get(action, name=f"form-page:{action}", include_in_schema=False)(form_page)


routes = [to_form_page(action, page) for action, page in FORM_PAGES.items()]


# Headers by which an answer already says where the address bar goes (or that the page is reloaded).
SAYS_WHERE = (b"hx-replace-url", b"hx-push-url", b"hx-location", b"hx-redirect", b"hx-refresh")


def kept_address(scope: Scope, status: int, headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The address a refused boosted form leaves in the address bar: its page's (htmx's HX-Current-URL), without
    the "?fait=…" of what was done before, which the refusal no longer says; None where htmx's own choice stands
    (not a boosted form, not refused, or an answer that says where to go)."""
    if scope["method"] in ("GET", "HEAD") or status < 400:
        return None
    request = dict(scope.get("headers", []))
    if request.get(b"hx-boosted") != b"true" or any(name.lower() in SAYS_WHERE for name, _ in headers):
        return None
    current = page_address(request.get(b"hx-current-url", b"").decode("latin-1"))
    # The language switch's check: a path of this site, never another origin ("//x", "/\x"), and a plain query.
    if not SAME_SITE_PATH.fullmatch(current.path) or not QUERY.fullmatch(current.query):
        return None
    query = "&".join(pair for pair in current.query.split("&") if pair and not pair.startswith("fait="))
    return f"{current.path}?{query}".encode() if query else current.path.encode()
