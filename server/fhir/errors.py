"""How the API says no: an OperationOutcome with a French diagnostic, and the HTTP status that goes with it."""

from __future__ import annotations

from litestar import Response
from litestar.exceptions import HTTPException

from .resources import FHIR_JSON, outcome

# The FHIR issue type (IssueType value set) for each status the API answers.
CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 406: "not-supported",
         409: "conflict", 413: "too-costly", 415: "not-supported", 422: "processable", 429: "throttled", 503: "transient"}
NOT_FOUND = "Ressource introuvable, ou vous n'y avez pas accès."  # one answer for "missing" and "not yours"
# A JSON body in another encoding (Latin-1, Windows-1252): RFC 8259 §8.1, "JSON text exchanged between systems that
# are not part of a closed ecosystem MUST be encoded using UTF-8".
NOT_UTF8 = ("Le corps de la requête doit être du JSON encodé en UTF-8 : il contient des octets qui n'en sont pas "
            "(un texte en Latin-1 ou Windows-1252 ?).")


class FhirError(HTTPException):
    """A refusal of the API, said in French (safe to show as it is), as an OperationOutcome; `expression`: where in
    what was sent, as FHIRPath (OperationOutcome.issue.expression: "Bundle.entry[6].resource"); `details`: one
    issue each after the first (every problem of a file refused whole)."""

    def __init__(self, status_code: int, message: str, *, code: str | None = None,
                 headers: dict[str, str] | None = None, expression: tuple[str, ...] = (),
                 details: tuple[str, ...] = ()) -> None:
        super().__init__(detail=message, status_code=status_code, headers=headers)
        self.code = code or CODES.get(status_code, "processing")
        self.expression = expression
        self.details = details


def size_limit(limit: int) -> str:
    """A request's limit in bytes as a refusal says it: "64 Mo", "16 Ko"."""
    for unit, size in (("Mo", 1024 * 1024), ("Ko", 1024)):
        if limit >= size:
            return f"{limit / size:g}\u00a0{unit}".replace(".", ",")
    return f"{limit}\u00a0o"


def bearer_challenge(error: str = "", *, scope: str = "") -> dict[str, str]:
    """RFC 6750 §3: the challenge of a bearer-token resource; no error code when the request carried no token."""
    attributes = ['realm="carnet"'] + ([f'error="{error}"'] if error else []) + ([f'scope="{scope}"'] if scope else [])
    return {"WWW-Authenticate": "Bearer " + ", ".join(attributes)}


def refused_token_challenge(authorization: str) -> dict[str, str]:
    """The challenge of a request with no caller: invalid_token for a bearer token refused (unknown, expired,
    revoked); no error code for no credentials, or another scheme's ("an unsupported authentication method", §3.1)."""
    return bearer_challenge("invalid_token" if authorization.partition(" ")[0].lower() == "bearer" else "")


def outcome_response(status: int, text: str, *, code: str | None = None, headers: dict[str, str] | None = None,
                     expression: tuple[str, ...] = (), details: tuple[str, ...] = ()) -> Response:
    if status == 401:
        headers = {**bearer_challenge(), **(headers or {})}
    body = outcome(text, code=code or CODES.get(status, "exception" if status >= 500 else "processing"),
                   expression=expression, details=details)
    return Response(body.model_dump_json(exclude_none=True).encode(), status_code=status, media_type=FHIR_JSON,
                    headers=headers)
