"""Software registered to call the API: its public key, its name, revoking it (SMART Backend Services).

A professional registers their practice software from their pages; the software then signs a JWT
assertion with its private key and exchanges it for a short-lived token (tokens.py). Carnet never
sees a private key: one pasted by mistake is refused, so it is not stored either.
"""

from __future__ import annotations

import json

from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..i18n import _
from ..models import ApiClient, utcnow
from ..text_input import clean, read_json, readable_length

# SMART Backend Services: "the client SHALL support RS384 or ES384" (and servers both).
ALGORITHMS = {"EC": "ES384", "RSA": "RS384"}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}
MAX_NAME = 80
MAX_JWK = 8000
MAX_CLIENTS = 20  # per professional: a practice has a few programs, not hundreds


def public_key(text: str) -> dict:
    """The public JWK in `text` (a JWK, or a JWK Set of one key), checked; InvalidInput in the request's language
    otherwise, about the registration form's "jwk" field."""
    if len(text) > MAX_JWK:
        raise InvalidInput(_("La clé publique est trop longue (8 000 caractères au plus)."), "jwk")
    try:
        data = read_json(text)  # a nesting past the stack, a NUL or a lone surrogate: ValueError too
    except ValueError:
        raise InvalidInput(_("La clé publique doit être une JWK au format JSON ({\"kty\": …})."), "jwk") from None
    if isinstance(data, dict) and isinstance(data.get("keys"), list):
        if len(data["keys"]) != 1:
            raise InvalidInput(_("Donnez une seule clé publique (un jeu de clés JWKS d'une seule clé)."), "jwk")
        data = data["keys"][0]
    if not isinstance(data, dict):
        raise InvalidInput(_("La clé publique doit être une JWK au format JSON ({\"kty\": …})."), "jwk")
    if PRIVATE_MEMBERS & data.keys():
        raise InvalidInput(_("Cette clé contient sa partie privée : ne la donnez jamais. Collez la clé publique seule."),
                           "jwk")
    kty = data.get("kty")
    if not isinstance(kty, str) or kty not in ALGORITHMS:  # ["EC"] or {} would not even be looked up
        raise InvalidInput(_("Seules les clés EC (P-384, pour ES384) et RSA (2 048 bits au moins, pour RS384) sont acceptées."),
                           "jwk")
    if kty == "EC" and data.get("crv") != "P-384":
        raise InvalidInput(_("Une clé EC doit être sur la courbe P-384 (algorithme ES384)."), "jwk")
    try:
        key = JWKRegistry.import_key(data)
    except (JoseError, ValueError, TypeError):
        raise InvalidInput(_("Cette clé publique n'est pas une JWK valide."), "jwk") from None
    if kty == "RSA" and key.raw_value.key_size < 2048:
        raise InvalidInput(_("Une clé RSA doit faire 2 048 bits au moins."), "jwk")
    # Their types are joserfc's to check, their values ours: a key declared for another algorithm, or for
    # anything but verifying signatures, registers well, then fails every token request as "signature invalide"
    # since joserfc honours alg, use and key_ops (RFC 7517 §4.2 to 4.4). Refused here, where it can be said.
    if data.get("alg", ALGORITHMS[kty]) != ALGORITHMS[kty]:
        raise InvalidInput(_("Cette clé est déclarée pour un autre algorithme («\u00a0alg\u00a0») : une clé EC "
                             "sert à ES384, une clé RSA à RS384."), "jwk")
    if data.get("use", "sig") != "sig" or "verify" not in data.get("key_ops", ["verify"]):
        raise InvalidInput(_("Cette clé n'est pas déclarée pour vérifier des signatures («\u00a0use\u00a0» ou "
                             "«\u00a0key_ops\u00a0») : donnez la clé publique avec laquelle le logiciel signe."),
                           "jwk")
    return key.as_dict(private=False)


def thumbprint(jwk_text: str) -> str:
    """A public key's RFC 7638 thumbprint: the same key, however its JSON is written, has the same one."""
    return JWKRegistry.import_key(json.loads(jwk_text)).thumbprint()


def clean_name(name: str) -> str:
    name = clean(name)
    if not readable_length(name) or len(name) > MAX_NAME:
        raise InvalidInput(_("Donnez un nom au logiciel (80 caractères au plus), par exemple «\u00a0Logiciel du cabinet\u00a0»."),
                           "name")
    return name


async def register(session: AsyncSession, *, professional_id: str | None, name: str, jwk_text: str,
                   kind: str = "professional") -> ApiClient:
    """A new registration; its id is the `client_id` the software puts in its assertions."""
    name, jwk = clean_name(name), public_key(jwk_text)
    if professional_id is not None:
        registered = await software_of(session, professional_id=professional_id)
        if len(registered) >= MAX_CLIENTS:
            raise InvalidInput(_("Vous avez déjà %(count)d logiciels enregistrés : révoquez-en un d'abord.",
                                 count=MAX_CLIENTS))
    # One key, one software, for good, whoever registered it: a key registered twice kept working under the second
    # name after the first was revoked for a leak (an outside probe's find, then again across two professionals),
    # and a revoked key stays revoked. Compared by RFC 7638's thumbprint, whatever the order of its members, among
    # the registrations holding its public value (EC x, RSA n), which the database finds without reading every key.
    mark = jwk.get("x") or jwk.get("n") or ""
    holders = (await session.exec(select(ApiClient).where(col(ApiClient.jwk).contains(mark, autoescape=True)))).all()
    same = next((c for c in holders if thumbprint(c.jwk) == thumbprint(json.dumps(jwk))), None)
    if same is not None and (same.revoked_at is not None or same.professional_id != professional_id):
        raise InvalidInput(_("Cette clé a déjà servi à un autre enregistrement : elle ne peut plus servir. Créez une "
                             "nouvelle paire de clés pour ce logiciel."), "jwk")
    if same is not None:
        raise InvalidInput(_("Cette clé est déjà celle de «\u00a0%(name)s\u00a0» : chaque logiciel a sa propre "
                             "paire de clés. Si sa clé privée a pu être vue, révoquez «\u00a0%(name)s\u00a0» et "
                             "créez une nouvelle paire de clés.", name=same.name), "jwk")
    client = ApiClient(kind=kind, professional_id=professional_id, name=name, jwk=json.dumps(jwk, sort_keys=True))
    session.add(client)
    await session.commit()
    return client


async def insurers(session: AsyncSession) -> list[ApiClient]:
    """The insurer's systems the operator registered (`carnet logiciel`), revoked ones too, the oldest first."""
    return list((await session.exec(select(ApiClient).where(ApiClient.kind == "insurer")
                                    .order_by(col(ApiClient.created_at)))).all())


async def software_of(session: AsyncSession, *, professional_id: str) -> list[ApiClient]:
    """A professional's registered software that still works, the newest first."""
    rows = await session.exec(select(ApiClient).where(
        ApiClient.professional_id == professional_id, ApiClient.revoked_at.is_(None)  # type: ignore[union-attr]
    ).order_by(ApiClient.created_at.desc()))  # type: ignore[attr-defined]
    return list(rows.all())


async def owned(session: AsyncSession, *, professional_id: str, client_id: str) -> ApiClient | None:
    client = await session.get(ApiClient, client_id)
    if client is None or client.professional_id != professional_id or client.revoked_at is not None:
        return None
    return client


async def rename(session: AsyncSession, *, client: ApiClient, name: str) -> None:
    client.name = clean_name(name)
    session.add(client)
    await session.commit()


async def revoke(session: AsyncSession, *, client: ApiClient) -> None:
    """From now on: no new token, and the tokens it holds stop working (tokens.py checks the client on each call)."""
    client.revoked_at = utcnow()
    session.add(client)
    await session.commit()
