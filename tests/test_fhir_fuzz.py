"""A property-based fuzz of the FHIR API (issue 11): whatever software sends, no 5xx, and every refusal is an
OperationOutcome (or, at the token endpoint, an RFC 6749 error) that the FHIR models read.

Bundles start from a valid ITI-65 transaction and have parts replaced by hostile JSON; searches, patches and
token requests get generated parameters around the names and prefixes the code compares with.

    pytest tests/test_fhir_fuzz.py                               # CI
    CARNET_FHIR_FUZZ_EXAMPLES=3000 pytest tests/test_fhir_fuzz.py  # a deliberate hunt
"""

from __future__ import annotations

import copy
import json
import os
from urllib.parse import quote

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from server.access import grants
from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.fhir import clients
from tests.conftest import ORIGIN, new_professional
from tests.fhir_support import Software, provide_bundle, report_pdf
from tests.fuzzing.values import text

EXAMPLES = int(os.environ.get("CARNET_FHIR_FUZZ_EXAMPLES", "120"))
FUZZ = hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hostile_text = st.one_of(
    text(max_size=40), st.sampled_from(["", "\x00", "\r\n", "é" * 300, "9" * 400, "-1", "1e309", "NaN",
                                        "current", "entered-in-error", "urn:oid:1.2.250.1.213.1.4.8|",
                                        "2026-02-30", "ge2026-13-01", "lt", "Patient/", "compte_rendu",
                                        "http://loinc.org|11488-4"]))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=False),
              hostile_text),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)),
    max_leaves=12,
)


def paths(value, prefix=()):
    """Every place in a JSON document a value could be replaced."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def replaced(document, path, value):
    if not path:
        return value
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


def is_outcome(answer) -> bool:
    return OperationOutcome.model_validate(json.loads(answer.content)) is not None


@pytest.fixture
async def caller(client, db, patient, app):
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=31)
    await account_for_professional(db, professional=doctor.professional)
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor.professional, categories="",
                              duration="1a", actor=Actor(None, "patient", "Camille Martin"))
    software = Software()
    software.client_id = (await clients.register(db, professional_id=doctor.professional.id, name="Fuzz",
                                                 jwk_text=software.public_jwk())).id
    answer = await client.post("/fhir/token", data=software.token_form(f"{ORIGIN}/fhir/token"))
    return software, {"authorization": f"Bearer {answer.json()['access_token']}"}


PDF = report_pdf("CR")
PLACES = list(paths(provide_bundle("284037505600180", title="Compte rendu", data=PDF, as_binary=False)))
NAMES = ["patient", "category", "type", "status", "date", "period", "author.identifier", "_count", "_page",
         "patient.identifier", "_sort"]
CLAIMS = st.dictionaries(st.sampled_from(["iss", "sub", "aud", "exp", "jti", "iat", "nbf"]), json_values, max_size=6)


@FUZZ
@given(place=st.sampled_from(PLACES), value=json_values)
async def test_no_bundle_gets_a_5xx(client, patient, caller, place, value):
    _, headers = caller
    valid = provide_bundle(patient.patient.ins, title="Compte rendu", data=PDF, as_binary=False,
                           master="urn:uuid:6f1c1b1e-0000-4000-8000-000000000001")
    answer = await client.post("/fhir", content=json.dumps(replaced(valid, place, value)),
                               headers={**headers, "content-type": "application/fhir+json"})
    assert answer.status_code < 500, (place, value, answer.text)
    assert (answer.status_code == 200 and Bundle.model_validate(answer.json())) or is_outcome(answer)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(NAMES), hostile_text, max_size=5), by_post=st.booleans(),
       patch=json_values, some_id=hostile_text)
async def test_no_search_patch_or_read_gets_a_5xx(client, patient, caller, query, by_post, patch, some_id):
    _, headers = caller
    query = {**query, "patient": query.get("patient", patient.patient.id)}
    if by_post:
        answer = await client.post("/fhir/DocumentReference/_search", data=query, headers=headers)
    else:
        answer = await client.get("/fhir/DocumentReference", params=query, headers=headers)
    assert answer.status_code < 500, (query, answer.text)
    assert (answer.status_code == 200 and Bundle.model_validate(answer.json())) or is_outcome(answer)
    safe_id = quote(some_id, safe="") or "x"
    patched = await client.patch(f"/fhir/DocumentReference/{safe_id}", content=json.dumps(patch),
                                 headers={**headers, "content-type": "application/json-patch+json"})
    assert patched.status_code < 500 and is_outcome(patched), patched.text
    read = await client.get(f"/fhir/Binary/{safe_id}", headers=headers)
    assert read.status_code < 500 and is_outcome(read), read.text


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["grant_type", "client_assertion_type", "client_assertion", "scope"]),
                            hostile_text, max_size=4),
       signed=st.one_of(st.none(), CLAIMS), scope=hostile_text)
async def test_no_token_request_gets_a_5xx(client, caller, form, signed, scope):
    software, _ = caller
    token_url = f"{ORIGIN}/fhir/token"
    if signed is not None:
        form = {**software.token_form(token_url, scope=scope), **form}
        try:
            form["client_assertion"] = software.assertion(token_url, **signed)
        except (TypeError, ValueError, OverflowError):
            pass  # PyJWT will not encode it: the generated claims are beyond JSON's numbers
    answer = await client.post("/fhir/token", data=form)
    assert answer.status_code < 500, (form, answer.text)
    assert answer.status_code == 200 or answer.json()["error"] in {
        "invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type", "invalid_scope"}
