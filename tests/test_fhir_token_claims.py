"""POST /fhir/token: once an assertion's signature is the registered software's own, what is wrong with its
claims is named in French, as RFC 7523 §3.2 answers it (invalid_client); a wrong key still learns nothing. What the
request shows to anyone (the algorithm in the JWS header, a client_id beside the assertion) is said to anyone."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from server.fhir import clients
from tests.conftest import ORIGIN, new_professional
from tests.fhir_support import ASSERTION_TYPE, Software

TOKEN_URL = f"{ORIGIN}/fhir/token"
UNKNOWN = "Logiciel inconnu ou révoqué, ou signature invalide."


async def registered(db, signer: Software) -> Software:
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7)
    signer.client_id = (await clients.register(db, professional_id=doctor.professional.id, name="Logiciel du cabinet",
                                               jwk_text=signer.public_jwk())).id
    return signer


@pytest.fixture
async def software(db) -> Software:
    return await registered(db, Software())


class RsaSoftware(Software):
    """A practice's software whose key is RSA (2,048 bits), as many are."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client_id = ""

    def public_jwk(self) -> str:
        return jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key())


@pytest.fixture
async def rsa_software(db) -> Software:
    return await registered(db, RsaSoftware())


async def ask(client, signer: Software, *, drop: tuple[str, ...] = (), algorithm: str = "ES384",
              form: dict | None = None, **overrides):
    claims = {"iss": signer.client_id, "sub": signer.client_id, "aud": TOKEN_URL, "exp": int(time.time()) + 240,
              "jti": uuid.uuid4().hex, **overrides}
    for name in drop:
        del claims[name]
    return await client.post("/fhir/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": jwt.encode(claims, signer.key, algorithm=algorithm), "scope": "system/DocumentReference.rs",
        **(form or {})})


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


ALGORITHM_REFUSED = ("L'algorithme {} (alg) n'est pas accepté : signez l'assertion en RS384 avec une clé RSA, ou en "
                     "ES384 avec une clé EC P-384, comme le demande SMART Backend Services.")


@pytest.mark.parametrize("algorithm", ["RS256", "PS384", "RS512"])
async def test_an_rsa_key_signing_with_another_algorithm_than_rs384_is_told_which_are_accepted(
        client, rsa_software, algorithm):
    """An outside tester's find: RS256, most libraries' default, got "Logiciel inconnu ou révoqué, ou signature
    invalide", which sent the integrator to the client_id and the key."""
    assert refused(await ask(client, rsa_software, algorithm=algorithm)) == ALGORITHM_REFUSED.format(algorithm)
    assert (await ask(client, rsa_software, algorithm="RS384")).status_code == 200


async def test_the_refused_algorithm_is_said_whether_the_client_exists_or_not(client, rsa_software):
    """The header's alg is no secret, and the answer is the same for a client_id no one registered: it says nothing
    of which exist. An HMAC (a shared secret, which Carnet never holds) and an unsigned assertion alike."""
    nobody = RsaSoftware()
    nobody.client_id = uuid.uuid4().hex
    for signer in (rsa_software, nobody):
        assert refused(await ask(client, signer, algorithm="RS256")) == ALGORITHM_REFUSED.format("RS256")
    secret = Software()
    secret.client_id, secret.key = rsa_software.client_id, "un secret partagé de trente-deux octets au moins"
    assert refused(await ask(client, secret, algorithm="HS256")) == ALGORITHM_REFUSED.format("HS256")
    unsigned = Software()
    unsigned.client_id, unsigned.key = rsa_software.client_id, None
    assert refused(await ask(client, unsigned, algorithm="none")) == ALGORITHM_REFUSED.format("none")


async def test_an_assertion_also_addressed_to_another_server_is_refused(client, software):
    """Audience injection (RFC 7523bis, the OAuth security BCP): an assertion a software signed for several
    servers could be replayed here by any of them. aud is the token URL alone, as a string or a list of one."""
    said = refused(await ask(client, software, aud=[TOKEN_URL, "https://evil.example"]))
    assert said == (f"aud ne doit nommer que l'adresse du jeton ({TOKEN_URL}) : une assertion adressée aussi à "
                    "d'autres serveurs pourrait être rejouée ici par l'un d'eux.")
    assert (await ask(client, software, aud=[TOKEN_URL])).status_code == 200


async def test_a_client_id_beside_the_assertion_must_name_the_same_software(client, software):
    """RFC 7521 §4.2: client_id, when present, "MUST identify the client" the assertion authenticates."""
    other = await ask(client, software, form={"client_id": uuid.uuid4().hex})
    assert other.status_code == 400, other.text
    assert other.json() == {"error": "invalid_request", "error_description": (
        "Le paramètre client_id ne nomme pas le logiciel qui signe l'assertion (iss) : donnez le même, ou ne le "
        "donnez pas (RFC 7521, §4.2).")}
    assert (await ask(client, software, form={"client_id": software.client_id})).status_code == 200
