"""The passkey ceremonies: the only module that talks to py_webauthn.

Each ceremony is two steps (options, verify). The challenge is stored server-side (challenges.py),
expires after five minutes and is deleted *before* the response is verified, so it
can be used once (WebAuthn L3, 13.4.3: "challenges ... MUST be ... used only once").
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..accesslog import audit
from ..caregivers import notices
from . import accounts, challenges, sessions
from .accounts import RemovedPasskey, finish_activation
from ..config import Settings
from ..db import begin_write
from ..i18n import _
from ..models import Account, Dossier, Passkey, PasskeyChallenge, RecoveryCode, utcnow
from ..notifications import devices
from ..templating import date_fr, quoted_fr
from ..text_input import clean, read_json, readable_length

TRANSPORTS = frozenset({"usb", "nfc", "ble", "smart-card", "hybrid", "internal", "cable"})  # WebAuthn L3, 5.8.4
NAME_MAX = 60  # a passkey's name, as the keys page's field allows
CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]{1,1400}")


class PasskeyRefused(Exception):
    """A ceremony failed; the message is safe to show, in the person's language."""


class UnknownPasskey(PasskeyRefused):
    """A login with a passkey Carnet does not hold (removed from the account, or its account gone): the page tells
    the device to forget it (WebAuthn's signalUnknownCredential), which then stops offering it."""

    def __init__(self, message: str, credential_id: str) -> None:
        super().__init__(message)
        self.credential_id = credential_id


async def _take_challenge(session: AsyncSession, *, token: str | None, purpose: str) -> PasskeyChallenge:
    challenge = await challenges.take(session, token=token, purpose=purpose)
    if challenge is None:
        raise PasskeyRefused(_("Cette demande a expiré ou a déjà servi. Recommencez."))
    return challenge


def sent_credential_id(credential: str) -> str:
    """The id a client says its new credential has (base64url, as WebAuthn's JSON gives it), or "" for none."""
    try:
        sent = read_json(credential).get("id")
    except (ValueError, AttributeError):
        return ""
    return sent if isinstance(sent, str) and CREDENTIAL_ID.fullmatch(sent) else ""


async def is_held(session: AsyncSession, credential_id: str) -> bool:
    return (await session.exec(select(Passkey.id).where(Passkey.credential_id == credential_id))).first() is not None


async def account_passkeys(session: AsyncSession, *, account: Account) -> list[Passkey]:
    return list((await session.exec(_passkeys_of(), params={"account_id": account.id})).all())


@cache
def _passkeys_of() -> Select:
    """Built once ("Mes clés d'accès" asks it at each visit; listing says why)."""
    return select(Passkey).where(Passkey.account_id == bindparam("account_id")).order_by(
        Passkey.created_at)  # type: ignore[arg-type]


async def begin_registration(session: AsyncSession, settings: Settings, *, account: Account, client: str) -> tuple[str, str]:
    """Return (challenge token, options JSON) for navigator.credentials.create()."""
    existing = await account_passkeys(session, account=account)
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_id=account.user_handle.encode(),
        user_name=account.display_name,
        user_display_name=account.display_name,
        # Discoverable credential and user verification, both required (DESIGN.md):
        # the passkey alone identifies and verifies the person.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing],
        timeout=challenges.LIFETIME.seconds * 1000,
    )
    token = await challenges.store(session, challenge=options.challenge, purpose="register", account=account,
                                   client=client)
    return token, options_to_json(options)


@dataclass(frozen=True)
class Enrolled:
    passkey: Passkey
    removed: list[RemovedPasskey]  # other passkeys an activation code took away (see accounts.finish_activation)
    next_page: str | None = None  # where a new caregiver goes: what `joining` returned


# What a new account's first passkey also does, in its transaction (caregivers/enrolment.py): refused, it raises
# PasskeyRefused, and nothing is kept, neither the passkey nor the account.
Joining = Callable[[AsyncSession, Account], Awaitable[str]]


async def finish_registration(
    session: AsyncSession, settings: Settings, *, token: str | None, account: Account, credential: str, name: str,
    activation_id: str | None = None, recovery_code_id: str | None = None, new_account: bool = False,
    joining: Joining | None = None,
) -> Enrolled:
    """Verify and keep a new passkey, in one transaction with what it completes, and with the events that say so.

    `activation_id`: spend that code and leave this passkey the account's only way in. `recovery_code_id`: spend
    that recovery code. `new_account`: make the account (not saved before: no account is ever left without a
    passkey), and do what it was made for (`joining`). A code spent meanwhile by another browser's passkey, or
    a joining refused, refuses this passkey.
    """
    challenge = await _take_challenge(session, token=token, purpose="register")
    if challenge.user_handle != account.user_handle:
        raise PasskeyRefused(_("Cette demande a expiré ou a déjà servi. Recommencez."))
    try:
        parsed = read_json(credential)  # before py_webauthn's json.loads, which a deep nesting overflows
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge.challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as exc:  # any malformed credential
        raise PasskeyRefused(_("La clé d'accès n'a pas pu être vérifiée.")) from exc
    try:
        # Unsigned, as the client sent them: only the names WebAuthn defines are kept (py_webauthn drops the rest).
        transports = ",".join(t for t in parsed.get("response", {}).get("transports", []) or [] if t in TRANSPORTS)
    except (ValueError, AttributeError, TypeError):
        transports = ""
    passkey = Passkey(
        account_id=account.id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=clean_passkey_name(name),
        transports=transports[:200],
        backed_up=verified.credential_backed_up,
    )
    await audit.begin_chained(session)
    try:
        enrolled = await _keep(session, passkey, account=account, activation_id=activation_id,
                               recovery_code_id=recovery_code_id, new_account=new_account, joining=joining)
    except PasskeyRefused:
        await session.rollback()
        raise
    await audit.commit_chained(session)
    return enrolled


async def _keep(session: AsyncSession, passkey: Passkey, *, account: Account, activation_id: str | None,
                recovery_code_id: str | None, new_account: bool, joining: Joining | None) -> Enrolled:
    """finish_registration's writes, in its transaction (the caller rolls it back when one is refused)."""
    if await is_held(session, passkey.credential_id):
        raise PasskeyRefused(_("Cette clé d'accès est déjà enregistrée."))
    if new_account:
        if await session.get(Account, account.id) is not None:  # made a moment ago, by this half-session's other tab
            raise PasskeyRefused(_("Cette demande a expiré ou a déjà servi. Recommencez."))
        session.add(account)
    session.add(passkey)
    if recovery_code_id:
        if not await accounts.spend(session, RecoveryCode, code_id=recovery_code_id, now=utcnow(),
                                    account_id=account.id):
            raise PasskeyRefused(_("Ce code de secours n'est pas valide ou a déjà servi."))
        # "J'ai perdu ma clé d'accès": the lost device's sessions end with the recovery, and it is pushed nothing
        # more; its key stays, listed for its owner to remove (/cles says so first: views/auth.registration_verify).
        # This browser's half-session is replaced by a full one.
        await sessions.end_sessions(session, account_id=account.id)
        await devices.forget(session, account_id=account.id, every=True)
        await log_passkey_change(session, account=account, action="recovery_code_used", name="", quoted=False)
        # The keys it did not make are told at their next login, first: the owner's, should the code have been used
        # by someone else (notices.told_to).
        dossier = await accounts.patient_dossier(session, account=account)
        await notices.tell(session, account_id=account.id, dossier_id=dossier.id if dossier else None,
                           kind="recovery_code_used", at=passkey.created_at, key=passkey.name)
    await log_passkey_change(session, account=account, action="passkey_added", name=passkey.name)
    removed: list[RemovedPasskey] = []
    if activation_id:
        taken = await finish_activation(session, activation_id=activation_id, account=account,
                                        kept_passkey_id=passkey.id)
        if taken is None:  # another browser's passkey spent the code first
            raise PasskeyRefused(_("Ce code d'activation n'est plus valable. Demandez-en un nouveau."))
        removed = taken
        if removed:
            listed = ", ".join(f"{quoted_fr(r.name)} (ajoutée le {date_fr(r.created_at)})" for r in removed)
            await log_passkey_change(session, account=account, action="passkeys_reset", name=listed, quoted=False)
    return Enrolled(passkey, removed, await joining(session, account) if joining else None)


async def log_passkey_change(session: AsyncSession, *, account: Account, action: str, name: str,
                             quoted: bool = True) -> None:
    """A patient's passkeys open their dossier: adding or removing one, a recovery, new recovery codes, the other
    devices logged out, each is in its access log."""
    if account.patient_id is None:
        return
    dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == account.patient_id))).first()
    if dossier is not None:
        actor = audit.Actor(account.id, "patient", account.display_name)
        await audit.append(session, dossier_id=dossier.id, action=action, actor=actor,
                           detail=quoted_fr(name) if quoted else name)


async def replace_recovery_codes(session: AsyncSession, *, account: Account) -> list[str]:
    """A new set of recovery codes, asked from "Mes clés d'accès": a code makes a passkey, so a new set opens the
    account as a new key does, and is in the dossier's log as one (the set made at activation goes with its key)."""
    await audit.begin_chained(session)
    await log_passkey_change(session, account=account, action="recovery_codes_replaced", name="", quoted=False)
    return await accounts.replace_recovery_codes(session, account=account)  # commits both


def clean_passkey_name(name: str) -> str:
    name = clean(name)[:NAME_MAX]  # a name a device gave at enrolment; one a person types is refused past it
    return name if readable_length(name) else _("Clé d'accès")


async def begin_login(session: AsyncSession, settings: Settings, *, client: str,
                      account: Account | None = None) -> tuple[str, str]:
    """Options for a username-less login: no allowCredentials, the passkey says who. With `account`, a new login of
    someone logged in (views/recent_login.py): that account's passkeys only, and its challenge for that account."""
    allowed = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
               for p in await account_passkeys(session, account=account)] if account else None
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
        timeout=challenges.LIFETIME.seconds * 1000,
    )
    token = await challenges.store(session, challenge=options.challenge, purpose="relogin" if account else "login",
                                   account=account, client=client)
    return token, options_to_json(options)


async def finish_login(session: AsyncSession, settings: Settings, *, token: str | None, credential: str,
                       account_of: Account | None = None) -> tuple[Account, str]:
    """The account a login opens, and the id of the passkey it was opened with ("Mes clés d'accès" marks it).
    `account_of`: a new login of this account (begin_login's `account`), which no other account's passkey makes."""
    challenge = await _take_challenge(session, token=token, purpose="relogin" if account_of else "login")
    refused = PasskeyRefused(_("Cette clé d'accès n'est pas reconnue."))
    try:
        parsed = read_json(credential)
        credential_id = parsed["id"]
        user_handle = base64url_to_bytes(parsed["response"]["userHandle"]).decode()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise refused from exc
    if not isinstance(credential_id, str) or not CREDENTIAL_ID.fullmatch(credential_id):
        raise refused  # base64url only (WebAuthn L3, 5.1): nothing else is a credential we could know
    result = await session.exec(select(Passkey).where(Passkey.credential_id == credential_id))
    passkey = result.first()
    if passkey is None:
        raise UnknownPasskey(_("Cette clé d'accès n'est pas reconnue : elle a peut-être été supprimée de votre compte. "
                               "Connectez-vous avec une autre clé d'accès, ou avec un code de secours."), credential_id)
    account = await session.get(Account, passkey.account_id)
    # The user handle the authenticator returns must be the one we gave this credential
    # (WebAuthn L3, 7.2 step 6).
    if account is None or account.user_handle != user_handle:
        raise refused
    if account_of is not None and (account.id != account_of.id or challenge.user_handle != account_of.user_handle):
        raise PasskeyRefused(_("Cette clé d'accès ouvre un autre compte que celui-ci : utilisez l'une des vôtres."))
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge.challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as exc:  # any malformed credential
        raise PasskeyRefused(_("La clé d'accès n'a pas pu être vérifiée.")) from exc
    await begin_write(session)
    passkey = await session.get(Passkey, passkey.id, populate_existing=True)
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = verified.credential_backed_up
    passkey.last_used_at = utcnow()
    session.add(passkey)
    await session.commit()
    return account, passkey.id


async def accepted_credentials(session: AsyncSession, settings: Settings, *, account: Account) -> dict:
    """What a device that has just logged in is told this account's passkeys are (WebAuthn's
    signalAllAcceptedCredentials): one removed from the account, still held by the device or synced to it by a
    password manager, is then forgotten there and offered no more."""
    ids = (await session.exec(select(Passkey.credential_id).where(Passkey.account_id == account.id))).all()
    return {"rpId": settings.rp_id, "userId": bytes_to_base64url(account.user_handle.encode()),
            "allAcceptedCredentialIds": sorted(ids)}
