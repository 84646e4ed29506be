"""Accounts, activation codes and recovery codes (the web session: sessions.py; attempts: throttles.py)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, delete, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write
from .throttles import TooManyAttempts, escalated
from ..i18n import _
from ..i18n.formats import clock, long_date
from ..templating import PARIS
from ..models import (
    Account,
    ActivationCode,
    Dossier,
    Passkey,
    Patient,
    Professional,
    PushSubscription,
    RecoveryCode,
    WebSession,
    utcnow,
)

# Crockford's base32 without look-alikes (no I, L, O, U): easy to read aloud and type.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def make_code(groups: int, size: int = 4) -> str:
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(size)) for _ in range(groups))


def normalize_code(value: str) -> str:
    """Uppercase, drop spaces and dashes, read O as 0 and I/L as 1, as Crockford does."""
    cleaned = "".join(ch for ch in value.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return cleaned


# --- activation codes -----------------------------------------------------------


MAX_LOCKOUTS = 3  # locks a code may earn (5 wrong tries each); the next failure after them kills it
IN_PERSON_DAYS = 3  # a code a professional printed: they saw it, so it must not stay valid for long
# A code never used is erased this long after it expired, replaced or not (housekeeping.py): until then whoever proves
# it is theirs (the birth date, the RPPS) is told it expired, or was replaced, and to ask for another, where a code
# erased gets what a wrong code gets ("ne correspondent pas", counted the same), which would have her try other
# birth dates; and its own pause (a day at most, throttles.MAX_LOCK) is long over. A used code stays: it tells its
# holder when it served, should someone else have used it.
UNUSED_ACTIVATION_KEPT = timedelta(days=30)


async def issue_activation_code(
    session: AsyncSession,
    *,
    patient: Patient | None = None,
    professional: Professional | None = None,
    issued_by: str,
    valid_days: int = 30,
    commit: bool = True,
) -> str:
    """Issue a code for a patient (or a professional); return it, keeping only its hash.

    A new code ends every earlier unused one for the same person: only the latest code works.
    """
    if (patient is None) == (professional is None):
        raise ValueError("an activation code is for exactly one patient or one professional")
    code = make_code(3)
    now = utcnow()
    await revoke_unused_codes(session, patient_id=patient.id if patient else None,
                              professional_id=professional.id if professional else None, now=now)
    session.add(
        ActivationCode(
            code_hash=hash_secret(normalize_code(code)),
            patient_id=patient.id if patient else None,
            professional_id=professional.id if professional else None,
            issued_by=issued_by,
            expires_at=now + timedelta(days=valid_days),
        )
    )
    if commit:
        await session.commit()
    return code


async def revoke_unused_codes(session: AsyncSession, *, patient_id: str | None, professional_id: str | None,
                              now: datetime, keep: str | None = None) -> None:
    owner = (ActivationCode.patient_id == patient_id) if patient_id else (ActivationCode.professional_id == professional_id)
    await session.exec(update(ActivationCode).where(  # type: ignore[call-overload]
        owner, ActivationCode.used_at.is_(None), ActivationCode.revoked_at.is_(None),  # type: ignore[union-attr]
        ActivationCode.id != (keep or ""),
    ).values(revoked_at=now))


class ActivationRefused(Exception):
    """The code and birth date do not match an open activation; the message says why, in the person's language.

    `fields` names the form fields it is about: the code, unless told otherwise.
    """

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.fields = fields or ("code",)


async def redeem_activation(
    session: AsyncSession,
    *,
    code: str,
    max_attempts: int,
    lock: timedelta,
    birth_date: date | None = None,
    rpps: str | None = None,
) -> tuple[ActivationCode, Account]:
    """Check a code with its second factor (a patient's birth date, a professional's RPPS);
    return the code and the account to enrol.

    The code is only marked used once a passkey is registered (`finish_activation`),
    so someone who stops half-way can start again.
    """
    activation, person = await check_activation(session, code=code, max_attempts=max_attempts, lock=lock,
                                                birth_date=birth_date, rpps=rpps)
    if rpps is None:
        return activation, await account_for_patient(session, patient=person)
    return activation, await account_for_professional(session, professional=person)


async def check_activation(
    session: AsyncSession,
    *,
    code: str,
    max_attempts: int,
    lock: timedelta,
    birth_date: date | None = None,
    rpps: str | None = None,
) -> tuple[ActivationCode, Patient | Professional]:
    """The open activation this code and its second factor prove, and whom it is for.

    Wrong second factors lock the code for longer each time, and after MAX_LOCKOUTS locks the
    code is dead: a new one must be issued.
    """
    await begin_write(session)
    refused = ActivationRefused(_("Ce code d'activation et ce numéro RPPS ne correspondent pas.") if rpps else
                                _("Ce code d'activation et cette date de naissance ne correspondent pas."),
                                "code", "rpps" if rpps else "birth_date")
    # Locked on PostgreSQL (SQLite's BEGIN IMMEDIATE runs writers one at a time): a failure counted on a long-expired
    # code that housekeeping erased meanwhile would update no row.
    result = await session.exec(select(ActivationCode).where(
        ActivationCode.code_hash == hash_secret(normalize_code(code))).with_for_update())
    activation = result.first()
    if activation is None or (activation.patient_id if rpps is None else activation.professional_id) is None:
        raise refused
    now = utcnow()
    if activation.locked_until and activation.locked_until > now:
        raise TooManyAttempts(activation.locked_until)
    # The second factor first: what became of a code (used, and when; replaced; expired) is said only to whoever
    # proves it is theirs. A letter found or stolen tells nothing without it, and a wrong guess is counted,
    # whatever the code's state.
    if rpps is None:
        patient = await session.get(Patient, activation.patient_id)
        matches = patient is not None and patient.birth_date == birth_date
    else:
        professional = await session.get(Professional, activation.professional_id)
        matches = professional is not None and professional.rpps == rpps.strip()
    if not matches:
        activation.failed_attempts += 1
        revoked_now = False
        if activation.failed_attempts >= max_attempts:
            activation.failed_attempts = 0
            if activation.lockouts >= MAX_LOCKOUTS:
                revoked_now = activation.revoked_at is None
                activation.revoked_at = activation.revoked_at or now
            else:
                activation.lockouts += 1
                activation.locked_until = now + escalated(lock, activation.lockouts)
        session.add(activation)
        await session.commit()
        if revoked_now:
            raise ActivationRefused(_("Trop d'essais : ce code d'activation est désormais désactivé. "
                                      "Demandez-en un nouveau."))
        if activation.locked_until and activation.locked_until > now:
            raise TooManyAttempts(activation.locked_until)
        raise refused
    if activation.used_at is not None:
        when = activation.used_at.astimezone(PARIS)
        raise ActivationRefused(
            _("Ce code d'activation a déjà servi, le %(date)s à %(time)s. Connectez-vous avec votre clé d'accès. "
              "Si ce n'est pas vous qui l'avez utilisé, demandez un nouveau code : l'activer supprimera toute clé "
              "d'accès que vous n'avez pas créée vous-même.", date=long_date(when), time=clock(when)))
    if activation.revoked_at is not None:
        raise ActivationRefused(_("Ce code d'activation n'est plus valable (trop d'essais, ou un code plus récent "
                                  "a été délivré). Demandez-en un nouveau."))
    if activation.expires_at <= now:
        raise ActivationRefused(_("Ce code d'activation a expiré. Demandez-en un nouveau."))
    return activation, patient if rpps is None else professional


async def account_for_patient(session: AsyncSession, *, patient: Patient) -> Account:
    result = await session.exec(select(Account).where(Account.patient_id == patient.id))
    account = result.first()
    if account is None:
        account = Account(display_name=f"{patient.given_name} {patient.family_name}", patient_id=patient.id)
        session.add(account)
        await session.commit()
    return account


async def account_for_professional(session: AsyncSession, *, professional: Professional) -> Account:
    result = await session.exec(select(Account).where(Account.professional_id == professional.id))
    account = result.first()
    if account is None:
        account = Account(display_name=f"{professional.given_name} {professional.family_name}", professional_id=professional.id)
        session.add(account)
        await session.commit()
    return account


@dataclass(frozen=True)
class RemovedPasskey:
    name: str
    created_at: datetime


async def spend(session: AsyncSession, code: type[ActivationCode] | type[RecoveryCode], *, code_id: str,
                now: datetime, account_id: str | None = None) -> bool:
    """Mark a single-use code used, in the caller's transaction, unless it is already; False then.

    One conditional UPDATE, so that of two transactions spending the same code (two browsers holding it), the
    second finds it spent: SQLite's BEGIN IMMEDIATE runs them one after the other, and on PostgreSQL the second
    waits for the first's row lock, then reads its `used_at` again (READ COMMITTED). A read, then a write, could
    both see it unused there.
    """
    owned = (code.account_id == account_id,) if account_id is not None else ()  # type: ignore[union-attr]
    # An activation code revoked meanwhile (a newer one issued, the account activated elsewhere) is spent by nothing.
    live = (code.revoked_at.is_(None),) if code is ActivationCode else ()  # type: ignore[union-attr]
    result = await session.exec(update(code).where(  # type: ignore[call-overload]
        code.id == code_id, code.used_at.is_(None), *owned, *live).values(used_at=now))  # type: ignore[union-attr]
    return result.rowcount == 1


async def finish_activation(session: AsyncSession, *, activation_id: str, account: Account,
                            kept_passkey_id: str) -> list[RemovedPasskey] | None:
    """The passkey enrolled with an activation code leaves its owner in sole control of the account.

    Whoever held a way in before (a passkey, recovery codes, a session, another unused code) loses
    it, and no device subscribed before is pushed anything more: a code is an identity check made by
    someone else (an insurance office, a pharmacist), so the person who completes it is the account's
    owner from now on. Returns the passkeys removed, which the owner is shown (and, for a patient, which
    their access log keeps); None if another browser registered its passkey with the code first, and this
    one must be refused.
    """
    now = utcnow()
    if not await spend(session, ActivationCode, code_id=activation_id, now=now):
        return None
    activation = await session.get(ActivationCode, activation_id, populate_existing=True)
    others = (await session.exec(select(Passkey).where(Passkey.account_id == account.id, Passkey.id != kept_passkey_id)
                                 .order_by(Passkey.created_at))).all()  # type: ignore[arg-type]
    removed = [RemovedPasskey(p.name, p.created_at) for p in others]
    # Every device subscribed to its pushes goes too (before the keys its rows name): the new key's has none yet.
    await session.exec(delete(PushSubscription).where(PushSubscription.account_id == account.id))  # type: ignore[call-overload]
    for passkey in others:
        await session.delete(passkey)
    await session.exec(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))  # type: ignore[call-overload]
    await session.exec(delete(WebSession).where(WebSession.account_id == account.id))  # type: ignore[call-overload]
    await revoke_unused_codes(session, patient_id=activation.patient_id, professional_id=activation.professional_id,
                              now=now, keep=activation.id)
    return removed


# --- recovery codes -------------------------------------------------------------------


async def replace_recovery_codes(session: AsyncSession, *, account: Account, count: int = 10) -> list[str]:
    """Make a fresh set of recovery codes (the old ones stop working); return them once."""
    await session.exec(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))  # type: ignore[call-overload]
    codes = [make_code(4) for _ in range(count)]
    for code in codes:
        session.add(RecoveryCode(account_id=account.id, code_hash=hash_secret(normalize_code(code))))
    await session.commit()
    return codes


async def find_recovery_code(session: AsyncSession, *, code: str) -> tuple[RecoveryCode, Account] | None:
    """The unspent recovery code typed, and its account; None if it is unknown or spent.

    Only checked here: the passkey it makes spends it (`spend`, from passkeys.finish_registration), as an
    activation code is, so that a passkey step that fails or is abandoned leaves the code as it was.
    """
    result = await session.exec(
        select(RecoveryCode, Account).join(Account, Account.id == RecoveryCode.account_id).where(  # type: ignore[arg-type]
            RecoveryCode.code_hash == hash_secret(normalize_code(code)),
            RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return result.first()


async def recovery_code_used_at(session: AsyncSession, *, code: str) -> datetime | None:
    """When the code typed was spent, if it is one of a set still current: said to whoever holds it, as an activation
    code's is, should someone else have used it (the codes kept on a stolen phone)."""
    result = await session.exec(select(RecoveryCode.used_at).where(  # type: ignore[call-overload]
        RecoveryCode.code_hash == hash_secret(normalize_code(code)), RecoveryCode.used_at.is_not(None)))  # type: ignore[union-attr]
    return result.first()


async def recovery_codes_left(session: AsyncSession, *, account: Account) -> int:
    return (await session.exec(_codes_left(), params={"account_id": account.id})).one()


@cache
def _codes_left() -> Select:
    """Counted, not loaded; built once ("Mes clés d'accès" asks it at each visit; listing says why)."""
    return select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == bindparam("account_id"), RecoveryCode.used_at.is_(None))  # type: ignore[union-attr]


async def patient_dossier(session: AsyncSession, *, account: Account) -> Dossier | None:
    if account.patient_id is None:
        return None
    result = await session.exec(select(Dossier).where(Dossier.patient_id == account.patient_id))
    return result.first()
