"""The FHIR API's routes: thin, each asks server/fhir/ and answers FHIR JSON (errors: fhir/errors.py)."""

from __future__ import annotations

import base64
import hashlib
from importlib.metadata import version
from urllib.parse import parse_qs

from fhir.resources.R4B.binary import Binary
from litestar import Request, Response, get, patch, post
from litestar.connection import ASGIConnection
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import BaseRouteHandler
from sqlmodel.ext.asyncio.session import AsyncSession

from ..errors import HEAD_ASKED
from ..fhir import documents, query, summary
from ..fhir.capability import OPERATION, capability_statement, smart_configuration, unsupported
from ..fhir.errors import NOT_UTF8, FhirError, bearer_challenge, size_limit
from ..fhir.negotiation import binary_as_resource, require_json
from ..fhir.resources import FHIR_JSON, WITHDRAWN, security_meta
from ..fhir.tokens import Caller, TokenError, caller_of, exchange, note_for_log
from ..text_input import encoded_control, read_json

MAX_BUNDLE_BYTES = 30 * 1024 * 1024  # a 20 MB document, in base64, and its metadata
MAX_FORM_BYTES = 16 * 1024


def base_of(request: Request) -> str:
    return request.app.state.settings.origin.rstrip("/")


def fhir_json(resource, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(resource.model_dump_json(exclude_none=True).encode(), status_code=status, media_type=FHIR_JSON,
                    headers=headers)


def versioned(resource) -> Response:
    """A resource read or changed, with its version as an ETag (FHIR R4B http.html#versioning: "W/" and versionId)."""
    return fhir_json(resource, headers={"ETag": f'W/"{resource.meta.versionId}"'})


def format_of(connection: ASGIConnection) -> str | None:
    return connection.query_params.get("_format")


def speaks_json(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """406 before anything else when the caller accepts no JSON (fhir/negotiation.py)."""
    require_json(connection.headers.get("accept", ""), format_of(connection))


def names_a_resource(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """`/fhir/DocumentReference/$docref` is an operation Carnet does not serve, not the id of a document it refuses:
    a FHIR id has no "$"."""
    if any(OPERATION.fullmatch(str(value)) for value in connection.path_params.values()):
        raise FhirError(404, unsupported(connection.url.path), code="not-supported")


def handles_strictly(request: Request) -> bool:
    """`Prefer: handling=strict` (RFC 7240's preferences, comma-separated; FHIR R4B search.html#errors)."""
    return any(p.split(";")[0].strip().lower() == "handling=strict" for p in request.headers.get("prefer", "").split(","))


def repr_digest(data: bytes) -> dict[str, str]:
    """RFC 9530's digest of the representation sent: the bytes, or the Binary resource's JSON."""
    return {"Repr-Digest": f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"}


async def calling(request: Request, db: AsyncSession, resource: str, letter: str) -> Caller:
    """The software behind the request's bearer token, and that its token allows this; 401 / 403 otherwise."""
    caller = await caller_of(db, request.headers.get("authorization", ""))
    note_for_log(request.scope, caller)
    if not caller.may(resource, letter) or caller.account is None:
        raise FhirError(403, f"Ce jeton n'a pas la portée system/{resource}.{letter} qu'il faut pour cette opération.",
                        headers=bearer_challenge("insufficient_scope", scope=f"system/{resource}.{letter}"))
    return caller


async def body_of(request: Request, limit: int, kinds: tuple[str, ...]) -> bytes:
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type not in kinds:
        raise FhirError(415, f"Type de contenu attendu : {' ou '.join(kinds)}.")
    too_large = FhirError(413, f"Requête trop volumineuse : {size_limit(limit)} au plus.")
    try:
        body = await request.body()
    except RequestEntityTooLarge:  # the route's request_max_body_size, checked as the body is read
        raise too_large from None
    if len(body) > limit:
        raise too_large
    return body


@get("/fhir/metadata", guards=[speaks_json])
async def metadata(request: Request) -> Response:
    return fhir_json(capability_statement(base=base_of(request), software_version=version("carnet")))


@get(["/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"])
async def smart(request: Request) -> Response:
    return Response(smart_configuration(base=base_of(request)))


@post("/fhir/token", request_max_body_size=MAX_FORM_BYTES, status_code=200)
async def token(request: Request, db: AsyncSession) -> Response:
    try:  # RFC 6749's errors here, not OperationOutcomes: OAuth clients read these
        body = await body_of(request, MAX_FORM_BYTES, ("application/x-www-form-urlencoded",))
    except FhirError as refused:
        return Response({"error": "invalid_request", "error_description": refused.detail}, status_code=400)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}
    try:
        answer = await exchange(db, form=form, token_url=f"{base_of(request)}/fhir/token")
    except TokenError as refused:
        return Response({"error": refused.error, "error_description": refused.description}, status_code=refused.status)
    return Response(answer, headers={"Pragma": "no-cache"})


@post("/fhir", request_max_body_size=MAX_BUNDLE_BYTES, status_code=200, guards=[speaks_json])
async def transaction(request: Request, db: AsyncSession) -> Response:
    caller = await calling(request, db, "DocumentReference", "c")
    body = await body_of(request, MAX_BUNDLE_BYTES, (FHIR_JSON, "application/json"))
    async with documents.bundle_turn():
        answer = await documents.provide(db, request.app.state.storage, caller=caller, body=body, base=base_of(request))
    return fhir_json(answer)


@get("/fhir/DocumentReference", guards=[speaks_json])
async def search(request: Request, db: AsyncSession) -> Response:
    caller = await calling(request, db, "DocumentReference", "s")
    params = {k: request.query_params.getall(k) for k in request.query_params}
    if "patient.identifier" in params:
        raise FhirError(400, "L'INS ne doit jamais figurer dans une adresse : envoyez patient.identifier dans le "
                             "corps d'un POST sur /fhir/DocumentReference/_search.")
    asked = query.read_query(params, strict=handles_strictly(request))
    return fhir_json(await documents.search(db, caller=caller, query=asked, base=base_of(request)))


@post("/fhir/DocumentReference/_search", request_max_body_size=MAX_FORM_BYTES, status_code=200, guards=[speaks_json])
async def search_by_post(request: Request, db: AsyncSession) -> Response:
    caller = await calling(request, db, "DocumentReference", "s")
    body = await body_of(request, MAX_FORM_BYTES, ("application/x-www-form-urlencoded",))
    # The GET's query in a body (FHIR R4B, 3.1.1.6.1): refused as errors.NoControlCharacters refuses it in the
    # address, before a NUL reaches a statement (PostgreSQL refuses it in text: `patient=%00` was a 500).
    if encoded_control(body):
        raise FhirError(400, "Les paramètres de recherche ne doivent pas contenir de caractères de contrôle.")
    params = {k: v for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}
    ins = query.ins_of(params)
    patient_id = await documents.dossier_of_ins(db, ins) if ins else None
    asked = query.read_query(params, patient_id=patient_id, strict=handles_strictly(request))
    return fhir_json(await documents.search(db, caller=caller, query=asked, base=base_of(request)))


@get("/fhir/DocumentReference/{document_id:str}", guards=[names_a_resource, speaks_json])
async def read(request: Request, db: AsyncSession, document_id: str) -> Response:
    caller = await calling(request, db, "DocumentReference", "r")
    return versioned(await documents.read(db, caller=caller, document_id=document_id, base=base_of(request)))


def withdrawal_asked(body: bytes) -> str | None:
    """The one JSON Patch the API applies, the author's withdrawal, alone or after RFC 6902's test of the status the
    author believes the document has: that status (None: not tested); a 400 or a 422 saying what is expected."""
    try:
        operations = read_json(body)
    except UnicodeDecodeError:
        raise FhirError(400, NOT_UTF8) from None
    except ValueError:
        raise FhirError(400, "Le corps doit être un JSON Patch (RFC 6902).") from None
    if not isinstance(operations, list):  # RFC 6902, 3: "a JSON document whose root is an array of objects"
        raise FhirError(400, "Le corps doit être un tableau JSON Patch (RFC 6902), même pour une seule opération : "
                             "[{\"op\": \"replace\", \"path\": \"/status\", \"value\": \"entered-in-error\"}].")
    withdrawal = {"op": "replace", "path": "/status", "value": WITHDRAWN}
    tested = (len(operations) == 2 and isinstance(operations[0], dict)
              and set(operations[0]) == {"op", "path", "value"} and operations[0]["op"] == "test"
              and operations[0]["path"] == "/status" and isinstance(operations[0]["value"], str))
    if operations != [withdrawal] and not (tested and operations[1] == withdrawal):
        raise FhirError(422, "Seul le retrait est possible : [{\"op\": \"replace\", \"path\": \"/status\", "
                             "\"value\": \"entered-in-error\"}], précédé s'il le faut d'un test du statut "
                             "({\"op\": \"test\", \"path\": \"/status\", \"value\": \"current\"}).",
                        code="business-rule")
    return operations[0]["value"] if tested else None


@patch("/fhir/DocumentReference/{document_id:str}", request_max_body_size=MAX_FORM_BYTES,
       guards=[names_a_resource, speaks_json])
async def withdraw(request: Request, db: AsyncSession, document_id: str) -> Response:
    caller = await calling(request, db, "DocumentReference", "u")
    status_test = withdrawal_asked(await body_of(request, MAX_FORM_BYTES, ("application/json-patch+json",)))
    return versioned(await documents.withdraw(db, request.app.state.storage, caller=caller, document_id=document_id,
                                              base=base_of(request), if_match=request.headers.get("if-match", ""),
                                              status_test=status_test))


@get("/fhir/Binary/{document_id:str}", guards=[names_a_resource])
async def retrieve(request: Request, db: AsyncSession, document_id: str) -> Response:
    as_resource = binary_as_resource(request.headers.get("accept", ""), format_of(request))
    caller = await calling(request, db, "Binary", "r")
    # A HEAD is logged as a read of the document (its type and size), not as a download (errors.HEAD_ASKED).
    document, data = await documents.retrieve(db, request.app.state.storage, caller=caller, document_id=document_id,
                                              action="read_document" if request.scope.get(HEAD_ASKED) else "download")
    if not as_resource:
        return Response(data, media_type=document.mime_type, headers=repr_digest(data))
    # Binary.data is base64Binary: the bytes in base64, never the bytes themselves.
    body = Binary.model_validate({
        "resourceType": "Binary", "id": document.id, "meta": security_meta(document), "contentType": document.mime_type,
        "securityContext": {"reference": f"DocumentReference/{document.id}"},
        "data": base64.b64encode(data).decode("ascii"),
    }).model_dump_json(exclude_none=True).encode()
    return Response(body, media_type=FHIR_JSON, headers=repr_digest(body))


@post("/fhir/Patient/$summary", request_max_body_size=MAX_FORM_BYTES, status_code=200, guards=[speaks_json])
async def patient_summary(request: Request, db: AsyncSession) -> Response:
    if request.query_params:  # an INS there would be in every log and proxy on its way (a probe's find: a 200)
        raise FhirError(400, "L'INS ne doit jamais figurer dans une adresse : la synthèse se demande avec ses "
                             f"paramètres dans le corps seulement, {summary.ASKED_AS}.")
    caller = await calling(request, db, "Patient", "r")
    body = await body_of(request, MAX_FORM_BYTES, (FHIR_JSON, "application/json"))
    return fhir_json(await summary.summary_of(db, caller=caller, ins=summary.ins_asked(body), base=base_of(request)))


@get("/fhir/Patient/$summary", guards=[speaks_json])
async def patient_summary_by_get() -> Response:
    """The operation asked in an address, as FHIR allows one that changes nothing: its identifier would be an INS."""
    raise FhirError(400, "L'INS ne doit jamais figurer dans une adresse : demandez la synthèse par POST sur "
                         f"/fhir/Patient/$summary, avec {summary.ASKED_AS}.")


routes = [metadata, smart, token, transaction, search, search_by_post, read, withdraw, retrieve, patient_summary,
          patient_summary_by_get]
