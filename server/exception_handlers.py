"""Which answer each exception a request raised gets (the table app.py gives Litestar): a refusal, said by
errors.py; the login, for a session gone; and the server's own failures (a store or database busy, unreachable or
unreadable, a bug), a 503 or a 500 that holds no trace, logged for the operator without what they were about."""

from __future__ import annotations

import logging
import socket
import traceback

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException, MethodNotAllowedException, NotAuthorizedException, NotFoundException, PermissionDeniedException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Scope
from sqlalchemy.exc import DBAPIError

from .access.managing import NotActing
from .access.reading import AccessEnded
from .auth.sessions import REQUEST_DB
from .accesslog.audit import ChainBusy
from .db.errors import Busy, is_busy, is_unreachable
from .errors import API_PATHS, SESSION_GONE, Refused, access_ended, error_response, not_acting, to_login
from .fhir.capability import unsupported
from .fhir.errors import FhirError, outcome_response
from .files.store import IntegrityError as DamagedFile, MissingFile, StorageUnavailable
from .i18n import N_
from .professionals.own_documents import own_documents_after

log = logging.getLogger("carnet.errors")


def on_not_authorized(request: Request, _exc: NotAuthorizedException) -> Response:
    if request.url.path.startswith(API_PATHS):
        return error_response(request, 401, "Jeton d'accès manquant, expiré ou révoqué : demandez-en un nouveau.")
    return to_login(request)


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
        return access_ended(request, own_documents=request.scope["state"].get(OWN_DOCUMENTS))
    return error_response(request, 404)


OWN_DOCUMENTS = "carnet.own_documents"  # in the request's state: `find_own_documents`'s answer


async def find_own_documents(exc: Exception, scope: Scope) -> None:
    """Before "Accès terminé" is answered (`on_not_found`), whether the professional's page of what she added to that
    dossier still opens to her, its first way on: a question for the database, which Litestar's exception handlers,
    plain functions, cannot ask; its hooks after an exception, awaited before them, can."""
    if not isinstance(exc, AccessEnded) or scope.get("user") is None or scope.get(REQUEST_DB) is None \
            or scope["path"].startswith(API_PATHS) \
            or (scope.get("path_params") or {}).get(exc.about[0]) != exc.about[1]:  # `on_not_found`'s 404
        return
    db = scope[REQUEST_DB]  # type: ignore[literal-required]
    found = await own_documents_after(db, account=scope["user"].account, refusal=exc)
    await db.rollback()  # a read, and nothing else, in this request
    scope["state"][OWN_DOCUMENTS] = found


def on_method_not_allowed(request: Request, exc: MethodNotAllowedException) -> Response:
    if (request.url.path + "/").startswith("/fhir/"):
        # An interaction the CapabilityStatement does not list, on an address the API serves (PUT or DELETE on a
        # DocumentReference): not supported, as what no route serves is (`on_not_found`), never "not possible here".
        return outcome_response(404, unsupported(request.url.path, request.method), code="not-supported")
    return on_http_exception(request, exc)


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
