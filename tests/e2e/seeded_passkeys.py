"""A passkey made in the test, registered as an activation registers one: for a login through the real login page.

An activation in the browser (steps.activate) is a code and a birth date (or an RPPS), a new passkey and the recovery
codes page: three pages and a ceremony, about a second each time, and most tests only need someone logged in on this
phone. Here the same server functions do the same, in the same order, with the same values: the activation code and
its second factor redeemed (accounts.redeem_activation, which makes the account), a registration begun and finished
with that code (passkeys.begin_registration, finish_registration: the code spent, the key named as the enrol page
names it, its "Clé d'accès ajoutée" in the dossier's Historique, said by no key as an activation's is) and the ten
recovery codes the codes page makes (accounts.replace_recovery_codes). Only the authenticator's side is the test's:
the integration tests' software authenticator (tests/softauthn.py: a P-256 key, which DevTools' WebAuthn.addCredential
takes; Chromium's own would be Ed25519, which the server takes too; attestation "none", transport "internal"). The
private key then goes into the page's virtual authenticator (conftest.Authenticators.hold), and the login is a real
assertion, signed by Chromium, verified by the server (steps.log_in).
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization

from server.auth import accounts, passkeys
from server.config import Settings
from server.db import make_sessionmaker
from tests.e2e.seeding import writer_engine
from tests.softauthn import SoftAuthenticator

CLIENT = "127.0.0.1"  # the browser's address, as the server sees it (its challenges are counted per address)


@dataclass(frozen=True)
class SeededPasskey:
    """A resident credential, as WebAuthn.addCredential takes it, and what its registration left."""

    credential_id: bytes
    private_key: bytes  # PKCS#8, DER
    user_handle: bytes  # the account's, as begin_registration gave it
    user_name: str  # the account's display name, as begin_registration gave it
    rp_id: str
    sign_count: int
    recovery_codes: list[str]  # as the recovery codes page showed them


def settings_of(origin: str) -> Settings:
    """What the ceremonies read of the server's settings: its origin and relying party id (config.load_settings)."""
    return Settings(origin=origin, rp_id=urlsplit(origin).hostname or "localhost")


async def seed_passkey(data_dir: Path, *, origin: str, code: str, name: str, birth_date: date | None = None,
                       rpps: str | None = None) -> SeededPasskey:
    """Activate with `code` (and a patient's birth date, or a professional's RPPS), with a passkey named `name`."""
    settings = settings_of(origin)
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            activation, account = await accounts.redeem_activation(
                db, code=code, birth_date=birth_date, rpps=rpps, max_attempts=settings.activation_max_attempts,
                lock=timedelta(minutes=settings.activation_lock_minutes))
            token, options = await passkeys.begin_registration(db, settings, account=account, client=CLIENT)
            authenticator = SoftAuthenticator(origin=settings.origin, rp_id=settings.rp_id)
            credential = authenticator.create(json.loads(options))
            await passkeys.finish_registration(db, settings, token=token, account=account, credential=credential,
                                               name=name, activation_id=activation.id)
            codes = await accounts.replace_recovery_codes(db, account=account)
            private = authenticator.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())
            return SeededPasskey(authenticator.credential_id, private, authenticator.user_handle,
                                 json.loads(options)["user"]["name"], settings.rp_id, authenticator.sign_count, codes)
    finally:
        await engine.dispose()


def seed_passkey_now(server, **activation) -> SeededPasskey:
    """`seed_passkey` for the e2e server, from a test: in a thread of its own, Sync Playwright's event loop being
    marked as running in the test's (conftest.seed)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, seed_passkey(server.data_dir, origin=server.url, **activation)).result()
