"""Every refusal and failure answered in the person's language (French to software), as a page, a fragment or
JSON; never a trace."""

from __future__ import annotations

import logging
import re
import socket
import traceback
from dataclasses import dataclass

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException, MethodNotAllowedException, NotAuthorizedException, NotFoundException, PermissionDeniedException,
)
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError

from .access.managing import NotActing
from .access.reading import AccessEnded
from .accesslog.audit import ChainBusy
from .caregivers.dossiers import Band
from .db.errors import Busy, is_busy, is_unreachable
from .fhir.capability import unsupported
from .fhir.errors import NOT_FOUND, FhirError, outcome_response, size_limit
from .files.store import IntegrityError as DamagedFile, MissingFile, StorageUnavailable
from .i18n import N_, _
from .templating import de
from .text_input import encoded_control
from .views.auth import login_address

log = logging.getLogger("carnet.errors")

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
    copy into her own software: never stored, nor logged, nor put in an address. `said`: what became of it, in her
    language; `fields`: each field's label, what she typed, and whether it spans lines."""

    said: str
    fields: tuple[tuple[str, str, bool], ...] = ()


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
                   band: Band | None = None, title: str | None = None, unsent: Unsent | None = None) -> Response:
    """`message`: already in the person's language, or a French text marked N_, which software gets as it is
    (an OperationOutcome's diagnostics stay French) and people in their language. `back`: the way on a page offers
    (its address and its words), a refused form's page by default; `band`: whose dossier it is about; `title`: the
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
    if back is None and request.method == "POST":
        # A form refused: back to it at this address (a boosted form's is its page's already; without JavaScript,
        # a GET on the action leads to its page: views/form_actions.py), not only to the home page.
        back = ("", _("Revoir la page") if status == 404 else _("Revenir au formulaire"))
    return Template(
        # A fragment for htmx swaps into part of a page; a boosted click replaces the whole page.
        "partials/error.html" if request.headers.get("hx-request") and not request.headers.get("hx-boosted") else "error.html",
        context={"title": title, "message": text, "status": status, "back": back, "band": band, "unsent": unsent},
        status_code=status,
        headers=headers,
    )


def too_large(request: Request) -> str:
    """An API request past its route's limit (request_max_body_size), as software is told it."""
    handler = request.scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if handler is not None else None
    return f"Requête trop volumineuse : {size_limit(limit)} au plus." if limit else "Requête trop volumineuse."


def on_not_authorized(request: Request, _exc: NotAuthorizedException) -> Response:
    if request.url.path.startswith(API_PATHS):
        return error_response(request, 401, "Jeton d'accès manquant, expiré ou révoqué : demandez-en un nouveau.")
    return to_login(request)


def to_login(request: Request, *, unsent: bool = False) -> Response:
    """To the login page, then back to the page asked (views/auth.py, `login_address`); `unsent`: what the person
    had just sent was not done, and the login page says so."""
    if wants_json(request):
        return Response({"error": _("Votre session a expiré. Reconnectez-vous.")}, status_code=401)
    login = login_address(request, unsent=unsent)
    if request.headers.get("hx-request"):
        return Response(None, status_code=204, headers={"HX-Redirect": login})
    return Redirect(login, status_code=303)


def on_http_exception(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, FhirError):
        return outcome_response(exc.status_code, exc.detail, code=exc.code, headers=exc.headers,
                                expression=exc.expression, details=exc.details)
    if isinstance(exc, Refused):
        return error_response(request, exc.status_code, exc.detail, headers=exc.headers)
    return error_response(request, exc.status_code)


def on_not_found(request: Request, exc: NotFoundException) -> Response:
    # One answer for "does not exist" and "not yours": a refusal never reveals existence; but an action on a dossier
    # the person reads, or held, says what she may do there now, which is no secret to her; and so does a page only
    # its managers open, to one who reads it (an old link, a bookmark). One who held it opens such a page no more
    # than anyone: the refusal anyone gets. A professional whose access to a dossier ended is told so on its pages.
    if "route_handler" not in request.scope and (request.url.path + "/").startswith("/fhir/"):
        # No route: what the API does not serve at all, whatever exists (FHIR http.html: a 404 for a resource type
        # not supported), said as not supported, unlike the refusal of a resource it serves.
        return outcome_response(404, unsupported(request.url.path), code="not-supported")
    if isinstance(exc, NotActing) and (request.method == "POST" or exc.band is not None) and \
            request.path_params.get(exc.about[0]) == exc.about[1]:
        return not_acting(request, exc)
    if isinstance(exc, AccessEnded) and not request.url.path.startswith(API_PATHS) and \
            request.path_params.get(exc.about[0]) == exc.about[1]:
        return access_ended(request)
    return error_response(request, 404)


def on_method_not_allowed(request: Request, exc: MethodNotAllowedException) -> Response:
    if (request.url.path + "/").startswith("/fhir/"):
        # An interaction the CapabilityStatement does not list, on an address the API serves (PUT or DELETE on a
        # DocumentReference): not supported, as what no route serves is (`on_not_found`), never "not possible here".
        return outcome_response(404, unsupported(request.url.path, request.method), code="not-supported")
    return on_http_exception(request, exc)


def access_ended(request: Request, *, unsent: Unsent | None = None) -> Response:
    """A dossier's page, or an action on it, refused to a professional whose access to it ended; htmx's request for a
    part of the page reloads it whole, which then says so (as `error_response` does a 404). `unsent`: what her form
    said, given back below."""
    title, message = ACCESS_ENDED
    partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    return error_response(request, 403, message, title=title, back=("/pro", _("Voir mes patients")),
                          headers={"HX-Refresh": "true"} if partial else None, unsent=unsent)


def not_acting(request: Request, exc: NotActing) -> Response:
    """An action, or a managers' page, refused on a dossier the request named (managing.NotActing), said by what the
    account is to it: a relative who reads it is told she may only read it; one who held it, and no longer opens
    it, gets the refusal anyone gets, whose way on is "Mes dossiers" (it says why) instead of the page she may no
    longer open."""
    if exc.band is not None:
        names = {"de_name": de(exc.band.name), "name": exc.band.name}
        back, band = (f"/dossiers/{exc.band.dossier_id}", _("Revenir au dossier")), exc.band
        if request.method == "POST":
            return error_response(request, 403, _(READ_ONLY, **names), back=back, band=band)
        title, message = READ_ONLY_PAGE
        return error_response(request, 403, _(message, **names), title=title, back=back, band=band)
    if not exc.held:
        return error_response(request, 404)
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return Response(None, status_code=204, headers={"HX-Redirect": "/mes-dossiers"})
    return error_response(request, 404, back=("/mes-dossiers", _("Voir mes dossiers")))


SESSION_GONE = "csrf_session_gone"  # set in the scope's state by csrf.py: a page of a session now ended


def on_csrf(request: Request, _exc: PermissionDeniedException) -> Response:
    if request.user is None and (request.cookies.get(request.app.state.settings.session_cookie)
                                 or request.scope.get("state", {}).get(SESSION_GONE)):
        # Its session ended while the page was open (30 minutes idle, 12 hours after its login; or its cookie cleared
        # by a logout in another tab: the form's token was a session's, csrf.py): not "Action refusée" with a way home
        # only, but the login, then back to the page, told that nothing was done.
        return to_login(request, unsent=True)
    return error_response(request, 403)


def on_chain_busy(request: Request, _exc: Exception) -> Response:
    # The access log could not be locked: refuse rather than act unlogged or log out of order.
    return error_response(request, 503, N_("Le dossier est très sollicité en ce moment. "
                                           "Réessayez dans quelques secondes."), headers={"Retry-After": "5"})


def on_storage_unavailable(request: Request, exc: Exception) -> Response:
    # The reason (disk full, read-only…) is for the operator; no path, name or title is in it.
    log.error("document store unavailable on %s %s: %s", request.method, request.url.path, exc)
    if request.method in ("GET", "HEAD"):
        return error_response(request, 503, N_("Ce document ne peut pas être lu pour le moment. "
                                               "Réessayez dans quelques minutes."))
    return error_response(request, 503, N_("Le stockage des documents est momentanément indisponible : rien n'a été "
                                           "enregistré. Réessayez dans quelques minutes."))


def on_unreadable_file(request: Request, exc: Exception) -> Response:
    # A document's file missing or unlike its hash, which only a backup brings back: was a 500 "réessayez dans un
    # instant" (the API) or "Page introuvable" (the web), and nothing in the log for the operator. The request's path
    # names the document; the file's key and place are for `carnet files check` to say.
    log.error("document file %s on %s %s: `carnet files check` names it; restore it from a backup",
              "missing" if isinstance(exc, MissingFile) else "damaged", request.method, request.url.path)
    return error_response(request, 503, N_("Ce document ne peut pas être lu pour le moment. "
                                           "Réessayez dans quelques minutes."))


def on_database_error(request: Request, exc: DBAPIError) -> Response:
    # The database's lock not had in time (a burst of writers): the transaction was rolled back whole, so the
    # person is asked to try again, never shown a failure. Only the kind is logged: a statement's values may be
    # health data.
    if is_busy(exc):
        return busy(request, "database")
    return on_connection_error(request, exc)


def on_busy(request: Request, exc: Busy) -> Response:
    # A queue of this process's not had in time: answered as a busy database is, before anything was done.
    return busy(request, exc.queue, exc.message)


def busy(request: Request, what: str, message: str | None = None) -> Response:
    log.warning("%s busy on %s %s", what, request.method, request.url.path)
    return error_response(request, 503, message or N_("Carnet est très sollicité en ce moment. Réessayez dans "
                                                      "quelques secondes."), headers={"Retry-After": "5"})


def on_connection_error(request: Request, exc: Exception) -> Response:
    # The database down or restarting: one line for the operator (a health check probing every few seconds would
    # fill the log with tracebacks), a 503 for the person and the load balancer, nothing written.
    if not is_unreachable(exc):
        return on_error(request, exc)
    kind = type(getattr(exc, "orig", exc)).__name__
    log.error("database unreachable on %s %s (%s)", request.method, request.url.path, kind)
    return error_response(request, 503, N_("Carnet est momentanément indisponible : rien n'a été enregistré. "
                                           "Réessayez dans quelques minutes."), headers={"Retry-After": "30"})


def on_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s on %s %s\n%s", type(exc).__name__, request.method, request.url.path, where(exc))
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


def where(exc: BaseException) -> str:
    """Where an exception and those that led to it were raised: each one's type and frames (the code's own lines),
    never its message, which may hold what it was about (a title, a name, a value asked)."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return "\n".join(f"{type(e).__module__}.{type(e).__qualname__}, raised at:\n"
                     + "".join(traceback.format_tb(e.__traceback__)) for e in reversed(chain))


exception_handlers = {
    ChainBusy: on_chain_busy,
    Busy: on_busy,
    StorageUnavailable: on_storage_unavailable,
    MissingFile: on_unreadable_file,
    DamagedFile: on_unreadable_file,
    DBAPIError: on_database_error,
    ConnectionError: on_connection_error,
    socket.gaierror: on_connection_error,  # the database's host name not found
    NotAuthorizedException: on_not_authorized,
    NotFoundException: on_not_found,
    MethodNotAllowedException: on_method_not_allowed,
    PermissionDeniedException: on_csrf,
    HTTPException: on_http_exception,
    Exception: on_error,
}
