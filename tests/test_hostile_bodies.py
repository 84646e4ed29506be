"""What a client's JSON or form body can hold that no database stores, or that no parser survives: each was a
500 ("unhandled" in the log) before text_input.read_json and the FHIR search's front door.

Python's json reads "\\u0000" into a NUL, which PostgreSQL refuses in text, and "\\ud800" into a lone surrogate,
which UTF-8 cannot encode for SQLite either; and it overflows the stack on a few KB of "[[[[". Litestar's own
JSON bodies (msgspec) refuse the surrogate, not the NUL; a JSON text inside them (a WebAuthn credential), a
body read by hand (Web Push, SMART Health Links, FHIR) or a JWT's payload reached json.loads unchecked."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import ORIGIN, activate, ceremony_options, get_csrf, post_form, post_json
from tests.fhir_support import ASSERTION_TYPE
from tests.softauthn import SoftAuthenticator
from tests.test_fhir_api import practice  # noqa: F401 - the fixture: Dr Bernard's software, with a token

NUL, SURROGATE = "\\u0000", "\\ud800"  # as JSON escapes them
DEEP = "[" * 1500 + "]" * 1500  # past json.loads's recursion limit, within every body limit


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def unhandled(caplog):
    caplog.set_level(logging.ERROR, logger="carnet.errors")
    return lambda: [r.getMessage().split("\n")[0] for r in caplog.records if "unhandled" in r.getMessage()]


def unsigned_assertion(payload: str) -> str:
    header = b64url(json.dumps({"alg": "ES384"}).encode())
    return f"{header}.{b64url(payload.encode())}.AAAA"


@pytest.mark.parametrize("payload", ['{"iss": "%s"}' % NUL, '{"iss": "%s"}' % SURROGATE, DEEP])
async def test_an_unsigned_assertion_naming_no_storable_software_is_refused(client, unhandled, payload):
    """Anyone, no key needed: the claims are read before the signature, and `iss` looked up."""
    answer = await client.post("/fhir/token", data={"grant_type": "client_credentials",
                                                    "client_assertion_type": ASSERTION_TYPE,
                                                    "client_assertion": unsigned_assertion(payload)})
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client"), unhandled()


@pytest.mark.parametrize("transport", [NUL, SURROGATE])
async def test_a_passkey_whose_transports_no_database_stores_is_refused(client, patient, unhandled, transport):
    """The transports are not signed: any value passes the WebAuthn checks, and was stored as sent."""
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": patient.birth_date.isoformat()})
    assert response.status_code in (200, 303)
    options, ceremony = await ceremony_options(client, "/cle/options")
    credential = SoftAuthenticator(origin=ORIGIN).create(options).replace('"internal"', f'"{transport}"')
    answer = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": credential,
                                                           "name": "Téléphone"})
    assert answer.status_code == 400, unhandled()
    assert answer.json()["error"] == "La clé d'accès n'a pas pu être vérifiée."


async def test_only_the_transports_webauthn_names_are_kept(client, db, patient):
    from server.auth.accounts import account_for_patient
    from server.auth.passkeys import account_passkeys

    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": patient.birth_date.isoformat()})
    assert response.status_code in (200, 303)
    options, ceremony = await ceremony_options(client, "/cle/options")
    credential = SoftAuthenticator(origin=ORIGIN).create(options).replace('"internal"', '"internal", "telepathie"')
    answer = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": credential,
                                                           "name": "Téléphone"})
    assert answer.status_code == 200, answer.text
    [key] = await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient))
    assert key.transports == "internal"


async def test_a_credential_nested_too_deep_is_refused(client, patient, unhandled):
    options, ceremony = await ceremony_options(client, "/connexion/options")
    login = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": DEEP})
    assert login.status_code == 400, unhandled()
    await activate(client, patient)
    options, ceremony = await ceremony_options(client, "/cle/options")
    enrolment = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": DEEP})
    assert enrolment.status_code == 400, unhandled()


def device_key() -> str:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64url(public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


@pytest.mark.parametrize("path, body", [
    ("/notifications/desabonnement", '{"endpoint": "%s"}' % NUL),
    ("/notifications/desabonnement", '{"endpoint": "%s"}' % SURROGATE),
    ("/notifications/desabonnement", DEEP),
    ("/notifications/abonnement", '{"endpoint": "https://push.example.com/a%s", "keys": {"p256dh": "KEY", '
                                  '"auth": "AAAAAAAAAAAAAAAAAAAAAA"}}' % NUL),
    ("/notifications/abonnement", '{"endpoint": "https://push.example.com/a%s", "keys": {"p256dh": "KEY", '
                                  '"auth": "AAAAAAAAAAAAAAAAAAAAAA"}}' % SURROGATE),
    ("/notifications/abonnement", DEEP),
])
async def test_a_push_subscription_no_database_stores_is_refused(client, patient, unhandled, path, body):
    await activate(client, patient)
    answer = await client.post(path, content=body.replace("KEY", device_key()).encode(), headers={
        "content-type": "application/json", "x-csrftoken": await get_csrf(client), "accept": "application/json"})
    assert answer.status_code == 400, unhandled()
    assert answer.json()["error"] == "Abonnement illisible : réessayez depuis la page Accès."


async def test_a_link_manifest_request_nested_too_deep_is_refused(client, unhandled):
    answer = await client.post("/shl/" + "a" * 43 + "/manifest", content=DEEP.encode(),
                               headers={"content-type": "application/json"})
    assert answer.status_code == 400, unhandled()
    assert answer.json()["error"] == "La demande doit être un objet JSON."


async def test_a_withdrawal_nested_too_deep_is_refused(client, practice, unhandled):  # noqa: F811
    answer = await client.patch("/fhir/DocumentReference/" + "0" * 32, content=DEEP.encode(), headers={
        **practice.headers, "content-type": "application/json-patch+json", "accept": "application/fhir+json"})
    assert answer.status_code == 400, unhandled()


@pytest.mark.parametrize("body", ["patient=%00", "patient=PATIENT&author.identifier=%00",
                                  "patient=PATIENT&category=%0D%0A"])
async def test_a_search_by_post_with_a_control_character_is_refused(client, practice, patient, unhandled,  # noqa: F811
                                                                    body):
    """As `GET /fhir/DocumentReference?patient=%00` is (errors.NoControlCharacters): the same query, in a body."""
    answer = await client.post("/fhir/DocumentReference/_search",
                               content=body.replace("PATIENT", patient.patient.id).encode(),
                               headers={**practice.headers, "content-type": "application/x-www-form-urlencoded",
                                        "accept": "application/fhir+json"})
    assert answer.status_code == 400, unhandled()
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_read_json_reads_what_json_loads_reads_and_refuses_the_rest():
    from server.text_input import read_json

    sent = {"endpoint": "https://push.example.com/é", "keys": ["😀", 1, None, {"a": "b"}]}
    assert read_json(json.dumps(sent)) == sent
    for wrong in ('{"a": "%s"}' % NUL, '["x%s"]' % SURROGATE, '{"%s": 1}' % NUL, DEEP, "{"):
        with pytest.raises(ValueError):
            read_json(wrong)
