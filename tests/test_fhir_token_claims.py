"""POST /fhir/token: once an assertion's signature is the registered software's own, what is wrong with its
claims is named in French, as RFC 7523 §3.2 answers it (invalid_client); a wrong key still learns nothing."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from server.fhir import clients
from tests.conftest import ORIGIN, new_professional
from tests.fhir_support import ASSERTION_TYPE, Software

TOKEN_URL = f"{ORIGIN}/fhir/token"
UNKNOWN = "Logiciel inconnu ou révoqué, ou signature invalide."


@pytest.fixture
async def software(db) -> Software:
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7)
    signer = Software()
    signer.client_id = (await clients.register(db, professional_id=doctor.professional.id, name="Logiciel du cabinet",
                                               jwk_text=signer.public_jwk())).id
    return signer


async def ask(client, signer: Software, *, drop: tuple[str, ...] = (), **overrides):
    claims = {"iss": signer.client_id, "sub": signer.client_id, "aud": TOKEN_URL, "exp": int(time.time()) + 240,
              "jti": uuid.uuid4().hex, **overrides}
    for name in drop:
        del claims[name]
    return await client.post("/fhir/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": jwt.encode(claims, signer.key, algorithm="ES384"), "scope": "system/DocumentReference.rs"})


def refused(answer) -> str:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_client"
    return answer.json()["error_description"]


async def test_a_signed_assertion_for_another_audience_is_told_the_token_url(client, software):
    said = refused(await ask(client, software, aud="https://ailleurs.example/token"))
    assert said == f"aud doit valoir l'adresse du jeton ({TOKEN_URL})."


@pytest.mark.parametrize("drop, said", [
    (("exp",), "exp manque dans l'assertion"),
    (("jti",), "jti manque dans l'assertion"),
    (("sub",), "sub manque dans l'assertion"),
    (("aud",), "aud manque dans l'assertion"),
    (("exp", "jti"), "exp et jti manquent dans l'assertion"),
])
async def test_each_missing_claim_of_a_signed_assertion_is_named(client, software, drop, said):
    assert refused(await ask(client, software, drop=drop)).startswith(said)


@pytest.mark.parametrize("wrong, said", [
    ({"sub": "quelqu-un-d-autre"}, "sub doit valoir l'identifiant du logiciel"),
    ({"jti": 42}, "jti doit être une chaîne non vide"),
    ({"exp": "demain"}, "exp doit être une date NumericDate"),
    ({"nbf": int(time.time()) + 3600}, "nbf doit être une date NumericDate déjà passée"),
])
async def test_each_wrong_claim_of_a_signed_assertion_is_named(client, software, wrong, said):
    assert refused(await ask(client, software, **wrong)).startswith(said)


async def test_the_expired_assertion_is_still_told_so(client, software):
    assert "L'assertion a expiré (exp)" in refused(await ask(client, software, exp=int(time.time()) - 3600))


async def test_an_assertion_signed_with_another_key_says_nothing_of_its_claims(client, software):
    impostor = Software()
    impostor.client_id = software.client_id
    assert refused(await ask(client, impostor, aud="https://ailleurs.example/token", drop=("jti",))) == UNKNOWN


async def test_the_right_assertion_still_gets_its_token(client, software):
    answer = await ask(client, software)
    assert answer.status_code == 200 and answer.json()["scope"] == "system/DocumentReference.rs"
