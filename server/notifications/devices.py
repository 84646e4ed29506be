"""The devices a patient or caregiver subscribed for Web Push: what an endpoint may be, and keeping them."""

from __future__ import annotations

import binascii
import ipaddress
import socket
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write
from ..dossiers import InvalidInput
from ..facts import caregiver_facts, dossier_facts
from ..i18n import _
from ..models import Account, Delegation, Dossier, Patient, PushSubscription, utcnow
from ..text_input import read_json
from .webpush import b64url_decode

MAX_DEVICES = 10  # per account: an eleventh subscription replaces the oldest
ENDPOINT_MAX = 1000  # characters of an endpoint URL (PushSubscription.endpoint)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def may_use_endpoint(endpoint: str, *, env: str) -> bool:
    """Push services are https:// hosts with a public domain name; the tests' local stand-in is http://
    on this machine, in tests only.

    This refuses the obvious at subscription time (IP literals in every spelling, local names); the
    real guard is at connection time (`outbound.py`), after resolution, where a name that points
    inside is refused too.
    """
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if env == "test" and parts.scheme == "http" and host in ("localhost", "127.0.0.1"):
        return True
    return (parts.scheme == "https" and "." in host and not _is_ip(host)
            and not host.endswith(LOCAL_SUFFIXES) and host != "localhost")


def _is_ip(host: str) -> bool:
    """Any spelling of an address: "10.0.0.1", "127.1", "0x7f.1", "2130706433", "::1"."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(host)  # the lenient C parser that getaddrinfo uses for IPv4 numbers
        return True
    except OSError:
        return False


def parse_endpoint(raw: bytes) -> str:
    try:
        endpoint = read_json(raw)["endpoint"]
    except (ValueError, TypeError, KeyError):
        endpoint = None
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidInput(_("Abonnement illisible : réessayez depuis la page Accès."))
    return endpoint


def parse_subscription(raw: bytes, *, env: str) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from `PushSubscription.toJSON()`; an InvalidInput otherwise."""
    try:
        data = read_json(raw)
        endpoint, keys = data["endpoint"], data["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
    except (ValueError, TypeError, KeyError):
        raise InvalidInput(_("Abonnement illisible : réessayez depuis la page Accès.")) from None
    if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)) or len(endpoint) > ENDPOINT_MAX:
        raise InvalidInput(_("Abonnement illisible : réessayez depuis la page Accès."))
    if not may_use_endpoint(endpoint, env=env):
        raise InvalidInput(_("Ce service de notifications n'est pas accepté : "
                             "son adresse doit être en https://, avec un nom de domaine."))
    try:
        # RFC 8291, 3.2: the device's P-256 public key, uncompressed, and 16 bytes of auth secret.
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh))
        valid_auth = len(b64url_decode(auth)) == 16
    except (ValueError, binascii.Error):
        valid_auth = False
    if not valid_auth or len(p256dh) > 200:
        raise InvalidInput(_("Les clés de chiffrement de cet appareil ne sont pas valides."))
    return endpoint, p256dh, auth


async def subscribe(session: AsyncSession, *, account: Account, endpoint: str, p256dh: str, auth: str,
                    passkey_id: str | None) -> None:
    """Keep this device for this account (renewing its keys if it is known); never for another account.

    The endpoint is all a poster proves: whoever else holds the same endpoint keeps their own row.
    `passkey_id`: the key this device's session was opened with; the device is told while that key lasts (`forget`).
    """
    await begin_write(session)
    device = (await session.exec(select(PushSubscription).where(
        PushSubscription.account_id == account.id, PushSubscription.endpoint == endpoint))).first()
    if device is None:
        device = PushSubscription(account_id=account.id, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                  passkey_id=passkey_id)
    else:
        device.p256dh, device.auth, device.created_at = p256dh, auth, utcnow()
        device.passkey_id = passkey_id  # subscribed again from a login with another key: it goes with that one now
    session.add(device)
    others = (await session.exec(
        select(PushSubscription).where(PushSubscription.account_id == account.id, PushSubscription.endpoint != endpoint)
        .order_by(PushSubscription.created_at.desc())  # type: ignore[attr-defined]
    )).all()
    for old in others[MAX_DEVICES - 1:]:
        await session.delete(old)
    try:
        await session.commit()
    except IntegrityError:  # the same browser subscribed twice at once (PostgreSQL): the other one holds
        await session.rollback()


async def forget(session: AsyncSession, *, account_id: str, opened_with: str | None = None, but: str | None = None,
                 but_endpoint: str = "", every: bool = False) -> int:
    """Stop pushing to the account's devices subscribed with the passkey `opened_with` (it is being removed: a lost
    phone's lock screen is told nothing more), or, without it, to every device but this one ("Déconnecter les
    autres appareils"), or to all of them (`every`: a recovery or an activation, after which only the new key's
    device is the owner's), in the caller's transaction, as sessions.end_sessions ends their sessions.

    This device is the one at `but_endpoint`, the subscription its browser holds (push.js puts it in the form): a
    passkey synced between two phones names both, and one of them may be the lost one. Without it (no script, or
    no subscription here), the devices of this session's key `but` are kept; a device subscribed before migration
    0039 names no key, and then only `every` reaches it. Returns how many devices were forgotten."""
    where = [PushSubscription.account_id == account_id]
    if opened_with is not None:
        where.append(PushSubscription.passkey_id == opened_with)
    elif but_endpoint:
        where.append(PushSubscription.endpoint != but_endpoint)
    elif not every:
        where += [PushSubscription.passkey_id.is_not(None), PushSubscription.passkey_id != (but or "")]  # type: ignore[union-attr]
    result = await session.exec(delete(PushSubscription).where(*where))  # type: ignore[call-overload]
    return result.rowcount


async def unsubscribe(session: AsyncSession, *, account: Account, endpoint: str) -> None:
    await session.exec(delete(PushSubscription).where(  # type: ignore[call-overload]
        PushSubscription.account_id == account.id, PushSubscription.endpoint == endpoint))
    await session.commit()


async def cares_for_someone(session: AsyncSession, *, account_id: str) -> bool:
    """Whether this account helps with a dossier now, as the rule says (a parent's rights end at 18)."""
    now = utcnow()
    rows = await session.exec(
        select(Delegation, Dossier, Patient).join(Dossier, Dossier.id == Delegation.dossier_id)  # type: ignore[arg-type]
        .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Delegation.caregiver_account_id == account_id, Delegation.revoked_at.is_(None)))  # type: ignore[union-attr]
    return any(caregiver_facts(d).active(now, dossier_facts(dossier, patient)) for d, dossier, patient in rows.all())
