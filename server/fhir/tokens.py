"""Access tokens for registered software (SMART Backend Services, "client-confidential-asymmetric").

The software signs a JWT assertion (iss = sub = its client_id, aud = the token URL, exp within five
minutes, a jti used once) with its private key, and receives a bearer token valid five minutes for
the scopes it asked and may have. Each call checks the token, and that the software is still registered:
revoking it ends its tokens at once. Errors follow RFC 6749 §5.2, in French: what the request shows anyone (its
algorithm, its client_id) is said to anyone; whether a client_id exists, or was revoked, only to that software.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError, MissingClaimError
from joserfc.jwk import JWKRegistry
from joserfc.jws import extract_compact
from litestar.types import Scope
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.phrases import VIA_SOFTWARE
from ..db import begin_write
from ..i18n.formats import quoted_fr
from ..models import Account, ApiAssertion, ApiClient, ApiToken, Professional, utcnow
from ..text_input import read_json
from .clients import ALGORITHMS
from .errors import FhirError, refused_token_challenge

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = timedelta(minutes=5)
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)  # SMART: "exp … no more than five minutes in the future"
CLOCK_SKEW = timedelta(seconds=60)
MAX_ASSERTION = 8000

# What each kind of software may be given. A professional's software acts for the professional, under the rule;
# the insurer's feed only loads reimbursed care. Patient.r: the patient's summary (summary.py, Patient/$summary);
# Carnet serves no Patient to read by id.
PROFESSIONAL_PERMISSIONS = frozenset({("DocumentReference", p) for p in "cruds"} | {("Binary", "r"), ("Patient", "r")})
INSURER_SCOPE = "system/remboursements.c"  # not a FHIR resource: the feed's own layout (reimbursements/layout.py)
INSURER_PERMISSIONS = frozenset({("remboursements", "c")})
SCOPE = re.compile(r"^system/(?P<resource>\*|[A-Za-z]+)\.(?P<perms>[cruds]+|read|write|\*)$")
LEGACY = {"read": "rs", "write": "cud", "*": "cruds"}  # SMART v1 scopes, as older software asks
ACCEPTED_ALGORITHMS = frozenset(ALGORITHMS.values())
SHOWN_ALGORITHM = re.compile(r"[A-Za-z0-9+_.-]{1,20}")  # a header's alg as the answer may repeat it
NO_TOKEN = "Jeton d'accès manquant, expiré ou révoqué : demandez-en un nouveau."


class TokenError(Exception):
    """A refused token request: `error` is RFC 6749's code, `description` the French reason."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def permissions(scope: str) -> set[tuple[str, str]]:
    """(resource, letter) pairs a scope string asks for; unknown scopes ask for nothing."""
    asked: set[tuple[str, str]] = set()
    for item in scope.split():
        match = SCOPE.match(item)
        if match is None:
            continue
        perms = LEGACY.get(match["perms"], match["perms"])
        resources = ("DocumentReference", "Binary", "Patient") if match["resource"] == "*" else (match["resource"],)
        asked |= {(r, p) for r in resources for p in perms}
    return asked


def scope_text(granted: set[tuple[str, str]]) -> str:
    by_resource: dict[str, str] = {}
    for resource, letter in granted:
        by_resource[resource] = by_resource.get(resource, "") + letter
    return " ".join(f"system/{r}.{''.join(p for p in 'cruds' if p in letters)}"
                    for r, letters in sorted(by_resource.items()))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _claims_of(assertion: str) -> dict:
    if not assertion or len(assertion) > MAX_ASSERTION:
        raise TokenError("invalid_request", "Le paramètre client_assertion manque ou est trop long.")
    try:
        signed = extract_compact(assertion.encode())
        claims = read_json(signed.payload)
    except (JoseError, ValueError, TypeError):
        raise TokenError("invalid_client", "L'assertion n'est pas un JWT signé lisible.", 401) from None
    # Said before the client is looked up, to anyone: the header is no secret, and RS256 (most libraries' default)
    # is the commonest first mistake, which "signature invalide" sent to the client_id and the key.
    alg = signed.headers().get("alg")
    if alg not in ACCEPTED_ALGORITHMS:
        shown = alg if isinstance(alg, str) and SHOWN_ALGORITHM.fullmatch(alg) else "donné"
        raise TokenError("invalid_client", f"L'algorithme {shown} (alg) n'est pas accepté : signez l'assertion en "
                                           "RS384 avec une clé RSA, ou en ES384 avec une clé EC P-384, comme le "
                                           "demande SMART Backend Services.", 401)
    if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise TokenError("invalid_client", "L'assertion ne dit pas quel logiciel la signe (iss).", 401)
    return claims


def _claim_problem(wrong: ClaimError, *, client_id: str, token_url: str) -> str:
    """What is wrong with a claim of an assertion the client did sign, said in French."""
    if isinstance(wrong, MissingClaimError):  # joserfc names every missing claim, "exp,jti"
        *others, last = wrong.claim.split(",")
        names = f"{', '.join(others)} et {last}" if others else last
        return f"{names} {'manquent' if others else 'manque'} dans l'assertion (iss, sub, aud, exp et jti sont requis)."
    expected = {
        "iss": f"iss doit valoir l'identifiant du logiciel ({client_id}).",
        "sub": f"sub doit valoir l'identifiant du logiciel ({client_id}), comme iss.",
        "aud": f"aud doit valoir l'adresse du jeton ({token_url}).",
        "exp": "exp doit être une date NumericDate (secondes depuis le 1er janvier 1970).",
        "jti": "jti doit être une chaîne non vide, propre à chaque assertion.",
        "nbf": "nbf doit être une date NumericDate déjà passée : l'assertion n'est pas encore valable.",
        "iat": "iat doit être une date NumericDate déjà passée : l'assertion est datée du futur.",
    }
    return expected.get(wrong.claim, f"La revendication {wrong.claim[:40]} de l'assertion n'est pas valable.")


async def exchange(session: AsyncSession, *, form: dict[str, str], token_url: str) -> dict:
    """The token response for a client_credentials request with a signed assertion; TokenError otherwise."""
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "Seul grant_type=client_credentials est accepté.")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_request", f"client_assertion_type doit valoir {ASSERTION_TYPE}.")
    assertion = form.get("client_assertion", "")
    claims = _claims_of(assertion)
    if "client_id" in form and form["client_id"] != claims["iss"]:
        # RFC 7521 §4.2: client_id, if present, "MUST identify the client" the assertion authenticates.
        raise TokenError("invalid_request", "Le paramètre client_id ne nomme pas le logiciel qui signe l'assertion "
                                            "(iss) : donnez le même, ou ne le donnez pas (RFC 7521, §4.2).")
    client = await session.get(ApiClient, claims["iss"][:64])
    unknown = TokenError("invalid_client", "Logiciel inconnu ou révoqué, ou signature invalide.", 401)
    if client is None:
        raise unknown
    key_data = json.loads(client.jwk)
    try:
        token = jwt.decode(assertion, JWKRegistry.import_key(key_data), algorithms=[ALGORITHMS[key_data["kty"]]])
    except JoseError:
        raise unknown from None
    # From here the signature is the client's own: that it was revoked, and what is wrong with its claims, may be said.
    if client.revoked_at is not None:
        raise TokenError("invalid_client", revocation_notice(client), 401)
    try:
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": client.id}, sub={"essential": True, "value": client.id},
            aud={"essential": True, "value": token_url}, exp={"essential": True}, jti={"essential": True},
            leeway=int(CLOCK_SKEW.total_seconds()),
        ).validate(token.claims)
    except ExpiredTokenError:
        raise TokenError("invalid_client", "L'assertion a expiré (exp) : signez-en une nouvelle, qui expire dans "
                                           "cinq minutes au plus.", 401) from None
    except ClaimError as wrong:
        # RFC 7523 §3.2: an assertion that fails the checks is answered "invalid_client", as the expired one is.
        raise TokenError("invalid_client", _claim_problem(wrong, client_id=client.id, token_url=token_url),
                         401) from None
    if token.claims["aud"] not in (token_url, [token_url]):
        # joserfc accepts a list that holds the token URL among others; the current advice against audience
        # injection (RFC 7523bis, the OAuth security BCP) is that aud names the authorization server alone.
        raise TokenError("invalid_client", f"aud ne doit nommer que l'adresse du jeton ({token_url}) : une assertion "
                                           "adressée aussi à d'autres serveurs pourrait être rejouée ici par l'un "
                                           "d'eux.", 401)
    now = utcnow()
    # Compared as numbers first: exp is any finite JSON number (joserfc checks that), and a datetime holds
    # years 1 to 9999 only.
    if token.claims["exp"] > (now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW).timestamp():
        raise TokenError("invalid_client", "L'assertion doit expirer dans cinq minutes au plus (exp).", 401)
    expires = datetime.fromtimestamp(token.claims["exp"], UTC)
    allowed = INSURER_PERMISSIONS if client.kind == "insurer" else PROFESSIONAL_PERMISSIONS
    granted = permissions(form.get("scope", "")) & allowed
    if not granted:  # what this one may ask: a professional's software and the insurer's have nothing in common
        raise TokenError("invalid_scope", "Aucune des portées demandées n'est permise à ce logiciel, qui peut "
                                          f"demander : {scope_text(set(allowed))}.")
    await begin_write(session)
    session.add(ApiAssertion(key=_hash(f"{client.id}|{token.claims['jti']}"), expires_at=expires + CLOCK_SKEW))
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise TokenError("invalid_client", "Cette assertion a déjà servi : signez-en une nouvelle (jti unique).",
                         401) from None
    access_token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_hash(access_token), client_id=client.id, scopes=scope_text(granted),
                         expires_at=now + TOKEN_LIFETIME))
    client.last_used_at = now
    session.add(client)
    await session.commit()
    return {"access_token": access_token, "token_type": "bearer",
            "expires_in": int(TOKEN_LIFETIME.total_seconds()), "scope": scope_text(granted)}


@dataclass(frozen=True)
class Caller:
    """Who calls: the software, and for a professional's software the professional's account."""

    client: ApiClient
    scopes: frozenset[tuple[str, str]]
    account: Account | None = None
    professional: Professional | None = None

    def may(self, resource: str, letter: str) -> bool:
        return (resource, letter) in self.scopes

    @property
    def via(self) -> str:
        """How the access log names the software ("via le logiciel « … »")."""
        return f"{VIA_SOFTWARE}{quoted_fr(self.client.name)}"


LOGGED_CALLER = "carnet_api_caller"  # in the request scope's state: whom app.py's log line names


def note_for_log(scope: Scope, caller: Caller) -> None:
    """The server's log line of this request names the software that called (its client_id) and the account it acts
    for, if any: opaque ids, as a person's request is logged by their account's (app.py)."""
    scope.setdefault("state", {})[LOGGED_CALLER] = (caller.account.id if caller.account else "-", caller.client.id)


def revocation_notice(client: ApiClient) -> str:
    """What a revoked software is told, once it proved it is that software (its signature, or a token issued to it):
    not to ask for a token again, which would fail too, and who may register it anew."""
    if client.kind == "insurer":
        return ("Ce système a été révoqué par l'exploitant de Carnet : ses jetons ne valent plus et il n'en obtient "
                "plus de nouveaux. L'exploitant peut enregistrer sa nouvelle clé (carnet logiciel assureur).")
    return ("Ce logiciel a été révoqué par le professionnel qui l'avait enregistré : ses jetons ne valent plus et il "
            "n'en obtient plus de nouveaux. Le professionnel peut l'enregistrer de nouveau, avec une nouvelle paire "
            "de clés.")


async def caller_of(session: AsyncSession, authorization: str) -> Caller:
    """The caller a `Bearer` header names now; a 401 with RFC 6750's challenge otherwise (missing, unknown, expired,
    or software revoked, which the software alone is told: only it holds a token issued to it)."""
    refused = FhirError(401, NO_TOKEN, headers=refused_token_challenge(authorization))
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value or len(value) > 200:
        raise refused
    # One query, not four: every API request asks it (the token, its software, and for a professional's software
    # the professional and their account).
    found = (await session.exec(
        select(ApiToken, ApiClient, Account, Professional)
        .join(ApiClient, col(ApiClient.id) == ApiToken.client_id)
        .outerjoin(Professional, col(Professional.id) == ApiClient.professional_id)
        .outerjoin(Account, col(Account.professional_id) == ApiClient.professional_id)
        .where(ApiToken.token_hash == _hash(value.strip()))
    )).first()
    if found is None:
        raise refused
    row, client, account, professional = found
    if client.revoked_at is not None:  # expired too: asking a new one would fail
        raise FhirError(401, revocation_notice(client), headers=refused_token_challenge(authorization))
    if row.expires_at <= utcnow():
        raise refused
    scopes = frozenset(permissions(row.scopes))
    if client.kind == "insurer":
        return Caller(client=client, scopes=scopes)
    if account is None or professional is None:
        raise refused
    return Caller(client=client, scopes=scopes, account=account, professional=professional)
