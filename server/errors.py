"""Every refusal and failure answered in the person's language (French to software), as a page, a fragment or
JSON; never a trace. Which exception gets which answer: exception_handlers.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.response import Redirect, Template

from .access.managing import NotActing
from .caregivers.dossiers import Band
from .fhir.errors import NOT_FOUND, outcome_response, size_limit
from .i18n import N_, _
from .templating import de
from .text_input import encoded_control
from .views.auth import login_address


# A HEAD request, answered as its GET without the body (app.py): marked in the scope, so that a file's route logs it as
# what it shows, the document's type and size, not as a download (an integrator's HEAD put a "a téléchargé" line in the
# patient's Historique for nothing downloaded).
HEAD_ASKED = "carnet.head"

MESSAGES = {
    400: (N_("Demande incorrecte"), N_("Les informations envoyées ne sont pas valides. Vérifiez-les et recommencez.")),
    403: (N_("Action refusée"),
          N_("La page a expiré ou l'action n'est pas autorisée. Rechargez la page et recommencez.")),
    404: (N_("Page introuvable"), N_("Cette page n'existe pas, ou vous n'y avez pas accès.")),
    405: (N_("Action impossible"), N_("Cette action n'est pas possible ici.")),
    # Past the request's limit, before any form reads it: the page it came from is one step back, its fields kept
    # by the browser. 20 Mo: dossiers.MAX_DOCUMENT_BYTES (a test holds the two together).
    413: (N_("Fichier trop lourd"), N_("Le fichier envoyé est trop lourd : un document fait 20 Mo au plus. "
                                       "Revenez à la page précédente pour en choisir un autre.")),
    429: (N_("Trop d'essais"), N_("Trop d'essais en peu de temps. Patientez quelques minutes.")),
    503: (N_("Service momentanément indisponible"), N_("Réessayez dans quelques secondes.")),
    500: (N_("Une erreur est survenue"), N_("Nous n'avons pas pu traiter votre demande. Réessayez dans un instant.")),
}


# A form's 404: what it acted on is gone or changed meanwhile (another manager did it first, a right lowered), or was
# never the sender's. Said alike in every case (a refusal never tells which), and never "this page does not exist"
# for a button its page showed a moment before. The button leads back to the page as it is now.
ACTION_NOT_DONE = (N_("Action non effectuée"),
                   N_("Rien n'a été fait : ce que visait cette action n'existe plus ou a changé entre-temps (une autre "
                      "personne l'a peut-être déjà fait), ou vous n'y avez pas accès."))

# An action, or a page, that is the dossier's managers' alone, asked by a relative who reads it: it is no secret to
# her that the dossier exists, nor that she may not act on it. Said alike whether the patient made her a reader while
# her page was open or she always was one (a forged request, a link someone else gave): her delegation does not keep
# which (the log names her by her name alone), so no sentence claims that her rights changed.
READ_ONLY = N_("Rien n'a été fait : vous pouvez lire le dossier %(de_name)s, mais pas le gérer.")
READ_ONLY_PAGE = (N_("Page réservée"),
                  N_("Cette page sert à gérer le dossier %(de_name)s. Vous pouvez le lire, mais pas le gérer."))

# A document's page refused: deleted (Back after "Supprimer" leads there), never there, or not the reader's, said
# alike: a deletion is no secret the sentence could tell, since it names every cause.
DOCUMENT_GONE = (N_("Document introuvable"),
                 N_("Ce document n'existe pas ou plus (il a peut-être été supprimé), ou vous n'y avez pas accès."))
# A dossier's page refused to a professional whose access to it ended (reading.AccessEnded): a grant, an emergency
# access, being its médecin traitant; the dossier is no secret to them. One sentence whatever ended it (revoked,
# expired, blocked, closed, replaced…): it says nothing of what the patient did.
# In an emergency she may ask again, as anyone may: "if the patient allows it" says nothing of whether this one does.
ACCESS_ENDED = (N_("Accès terminé"), N_("Votre accès à ce dossier a pris fin. Pour le consulter de nouveau, demandez à "
                                        "votre patient un nouveau code de partage. En cas d'urgence, vous pouvez aussi "
                                        "demander un accès d'urgence, si le patient l'autorise."))


@dataclass(frozen=True)
class Unsent:
    """What a professional had typed in a form sent as her access ended, handed back on the refusal's page for her to
    copy into her own software; or a relative, in a form sent once the patient made her a reader or removed her
    (`giving_back`): never stored, nor logged, nor put in an address. `said`: what became of it, in her language;
    `fields`: each field's label, what she typed, and whether it spans lines."""

    said: str
    fields: tuple[tuple[str, str, bool], ...] = ()


@contextmanager
def giving_back(unsent: Unsent) -> Iterator[None]:
    """Around a form's action on a dossier: refused as the account no longer manages it (managing.NotActing: made a
    reader, or removed, while her page was open), the refusal's page gives back what she typed (`not_acting`)."""
    try:
        yield
    except NotActing as refused:
        refused.unsent = unsent
        raise


DOCUMENT_PAGE = re.compile(r"/documents/[^/]+(/pages/[^/]+(/plein-ecran)?)?")


class Refused(HTTPException):
    """A refusal whose detail is safe to show as it is, in the person's language (`_`)."""

    def __init__(self, status_code: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=message, status_code=status_code, headers=headers)


class NoControlCharacters(ASGIMiddleware):
    """A path with a control character (NUL, CR, LF…) names nothing Carnet has: a 404 before any handler; a
    query with one (`?apres=%00`) asks nothing a link of Carnet's writes: a 400. So no such text reaches a
    statement (PostgreSQL refuses NUL in text) or a log (which splits on CR LF), whichever handler reads it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in scope.get("path", "")):
            raise NotFoundException()
        if encoded_control(scope.get("query_string", b"")):
            raise HTTPException(status_code=400)
        await next_app(scope, receive, send)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.headers.get(
        "content-type", ""
    ).startswith("application/json")


API_PATHS = ("/fhir", "/api/")  # software, not people, calls there: an OperationOutcome, never a page


def error_response(request: Request, status: int, message: str | None = None, *, code: str | None = None,
                   headers: dict[str, str] | None = None, back: tuple[str, str] | None = None,
                   band: Band | None = None, title: str | None = None, unsent: Unsent | None = None,
                   ways: tuple[tuple[str, str], ...] = ()) -> Response:
    """`message`: already in the person's language, or a French text marked N_, which software gets as it is
    (an OperationOutcome's diagnostics stay French) and people in their language. `back`: the way on a page offers
    (its address and its words), a refused form's page by default, before "Revenir à l'accueil"; `ways`: instead of
    both, every way on the page offers, the first the likeliest; `band`: whose dossier it is about; `title`: the
    page's, a French text marked N_, the status's by default; `unsent`: what the refused form said, given back."""
    default_title, default = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    title = title or default_title
    if status == 404 and request.method == "POST":
        title, default = ACTION_NOT_DONE
    elif status == 404 and DOCUMENT_PAGE.fullmatch(request.url.path):
        title, default = DOCUMENT_GONE
    if request.url.path.startswith(API_PATHS):
        if status == 404 and not message:
            message = NOT_FOUND
        elif status == 413 and not message:  # MESSAGES' is the pages' (a document, the page before): not software's
            message = too_large(request)
        return outcome_response(status, message or default, code=code, headers=headers)
    title, text = _(title), _(message or default)
    if wants_json(request):
        return Response({"error": text}, status_code=status, headers=headers)
    if status == 404 and request.headers.get("hx-request") and not request.headers.get("hx-boosted") and not back:
        # What the page is about is gone (an access revoked meanwhile, a document deleted): not a refusal in a
        # corner of a page that still shows the rest (a patient's name, their treatments), but the page again,
        # which the server then refuses whole.
        headers = {**(headers or {}), "HX-Refresh": "true"}
    if back is None and request.method == "POST" and not ways:
        # A form refused: back to it at this address (a boosted form's is its page's already; without JavaScript,
        # a GET on the action leads to its page: views/form_actions.py), not only to the home page.
        back = ("", _("Revoir la page") if status == 404 else _("Revenir au formulaire"))
    return Template(
        # A fragment for htmx swaps into part of a page; a boosted click replaces the whole page.
        "partials/error.html" if request.headers.get("hx-request") and not request.headers.get("hx-boosted") else "error.html",
        context={"title": title, "message": text, "status": status, "back": back, "band": band, "unsent": unsent,
                 "ways": ways},
        status_code=status,
        headers=headers,
    )


def too_large(request: Request) -> str:
    """An API request past its route's limit (request_max_body_size), as software is told it."""
    handler = request.scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if handler is not None else None
    return f"Requête trop volumineuse : {size_limit(limit)} au plus." if limit else "Requête trop volumineuse."


def to_login(request: Request, *, unsent: bool = False) -> Response:
    """To the login page, then back to the page asked (views/auth.py, `login_address`); `unsent`: what the person
    had just sent was not done, and the login page says so."""
    if wants_json(request):
        return Response({"error": _("Votre session a expiré. Reconnectez-vous.")}, status_code=401)
    login = login_address(request, unsent=unsent)
    if request.headers.get("hx-request"):
        return Response(None, status_code=204, headers={"HX-Redirect": login})
    return Redirect(login, status_code=303)


def access_ended(request: Request, *, unsent: Unsent | None = None, own_documents: str | None = None) -> Response:
    """A dossier's page, or an action on it, refused to a professional whose access to it ended; htmx's request for a
    part of the page reloads it whole, which then says so (as `error_response` does a 404). `unsent`: what her form
    said, given back below; `own_documents`: the dossier whose page of what she added still opens to her
    (own_documents.own_documents_after), her first way on. Not "Revenir à l'accueil": a professional's home is
    "Mes patients" (an outside probe's find: two buttons to one page, and none to what she still reads there)."""
    title, message = ACCESS_ENDED
    partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    ways = ((f"/pro/dossiers/{own_documents}/mes-documents", _("Ce que vous avez ajouté au dossier")),) \
        if own_documents else ()
    return error_response(request, 403, message, title=title, ways=(*ways, ("/pro", _("Voir mes patients"))),
                          headers={"HX-Refresh": "true"} if partial else None, unsent=unsent)


def not_acting(request: Request, exc: NotActing) -> Response:
    """An action, or a managers' page, refused on a dossier the request named (managing.NotActing), said by what the
    account is to it: a relative who reads it is told she may only read it; one who held it, and no longer opens
    it, gets the refusal anyone gets, whose way on is "Mes dossiers" (it says why) instead of the page she may no
    longer open. Either page gives back what her form said (`giving_back`)."""
    if exc.band is not None:
        names = {"de_name": de(exc.band.name), "name": exc.band.name}
        back, band = (f"/dossiers/{exc.band.dossier_id}", _("Revenir au dossier")), exc.band
        if request.method == "POST":
            return error_response(request, 403, _(READ_ONLY, **names), back=back, band=band, unsent=exc.unsent)
        title, message = READ_ONLY_PAGE
        return error_response(request, 403, _(message, **names), title=title, back=back, band=band)
    if not exc.held:
        return error_response(request, 404)
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted") and exc.unsent is None:
        return Response(None, status_code=204, headers={"HX-Redirect": "/mes-dossiers"})
    return error_response(request, 404, back=("/mes-dossiers", _("Voir mes dossiers")), unsent=exc.unsent)


SESSION_GONE = "csrf_session_gone"  # set in the scope's state by csrf.py: a page of a session now ended
