"""Which representation a request accepts: Carnet writes FHIR in JSON only, and a document's bytes as they are.

FHIR (http.html#mime-type): "_format … overrides the Accept header"; a server that cannot answer in an
accepted format "SHALL return 406 Not Acceptable". A refusal is itself an OperationOutcome in JSON.
"""

from __future__ import annotations

from ..i18n import QVALUE
from .errors import FhirError
from .resources import FHIR_JSON

JSON_TYPES = (FHIR_JSON, "application/json", "application/json+fhir")  # the last: the DSTU2-era name
JSON_FORMATS = {"json", *JSON_TYPES}
# FHIR's other representations: asked for alone, they are what Carnet cannot give, never a document's own type
# (a document is PDF, PNG, JPEG or plain text: dossiers.ALLOWED_MIME_TYPES).
OTHER_FHIR_TYPES = {"application/fhir+xml", "application/xml+fhir", "application/xml", "text/xml",
                    "application/fhir+turtle", "text/turtle"}
NOT_ACCEPTABLE = "Carnet répond en JSON seulement : demandez application/fhir+json (en-tête Accept ou _format=json)."


def weights(accept: str) -> dict[str, float]:
    """An Accept header's media ranges and their weights (RFC 9110, 12.5.1); other parameters are ignored."""
    found: dict[str, float] = {}
    for part in accept.lower().split(","):
        media, *parameters = [p.strip() for p in part.split(";")]
        if not media:
            continue
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                weight = float(value.strip()) if QVALUE.fullmatch(value.strip()) else 0.0
        found[media] = max(weight, found.get(media, 0.0))
    return found


def weight_of(ranges: dict[str, float], media: str) -> float:
    """The weight the most specific range that matches `media` gives it."""
    for candidate in (media, f"{media.partition('/')[0]}/*", "*/*"):
        if candidate in ranges:
            return ranges[candidate]
    return 0.0


def require_json(accept: str, format_: str | None) -> None:
    """A resource's answer: JSON, unless the request accepts nothing JSON (406)."""
    if format_ is not None:
        if format_.strip().lower() not in JSON_FORMATS:
            raise FhirError(406, NOT_ACCEPTABLE)
        return
    if not accept.strip():
        return
    ranges = weights(accept)
    if not any(weight_of(ranges, media) > 0 for media in JSON_TYPES):
        raise FhirError(406, NOT_ACCEPTABLE)


def binary_as_resource(accept: str, format_: str | None) -> bool:
    """ITI-68: the document's own bytes, unless FHIR JSON is asked for by name (a Binary resource); 406 when
    only FHIR's other representations are accepted (http.html#binary)."""
    if format_ is not None:
        require_json("", format_)
        return True
    ranges = {media: weight for media, weight in weights(accept).items() if weight > 0}
    if any(media in ranges for media in JSON_TYPES):
        return True
    if ranges and set(ranges) <= OTHER_FHIR_TYPES:
        raise FhirError(406, NOT_ACCEPTABLE)
    return False
