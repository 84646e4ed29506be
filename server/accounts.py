"""Accounts, activation codes, recovery codes, sessions and attempt throttling."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .db import begin_write
from .models import (
    Account,
    ActivationCode,
    Dossier,
    Patient,
    Professional,
    RecoveryCode,
    Throttle,
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


# --- throttling ---------------------------------------------------------------


class TooManyAttempts(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


async def check_throttle(session: AsyncSession, *, key: str) -> None:
    row = await session.get(Throttle, key)
    if row and row.locked_until and row.locked_until > utcnow():
        raise TooManyAttempts(row.locked_until)


async def record_failure(session: AsyncSession, *, key: str, limit: int, lock: timedelta) -> None:
    await begin_write(session)
    now = utcnow()
    row = await session.get(Throttle, key)
    if row is None or now - row.window_started_at > lock:
        row = row or Throttle(key=key)
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + lock
        row.failures = 0
        row.window_started_at = now
    session.add(row)
    await session.commit()


async def clear_throttle(session: AsyncSession, *, key: str) -> None:
    await session.exec(delete(Throttle).where(Throttle.key == key))  # type: ignore[call-overload]


# --- activation codes -----------------------------------------------------------


async def issue_activation_code(
    session: AsyncSession,
    *,
    patient: Patient | None = None,
    professional: Professional | None = None,
    issued_by: str,
    valid_days: int = 30,
    commit: bool = True,
) -> str:
    """Issue a code for a patient (or a professional); return it, keeping only its hash."""
    if (patient is None) == (professional is None):
        raise ValueError("an activation code is for exactly one patient or one professional")
    code = make_code(3)
    session.add(
        ActivationCode(
            code_hash=hash_secret(normalize_code(code)),
            patient_id=patient.id if patient else None,
            professional_id=professional.id if professional else None,
            issued_by=issued_by,
            expires_at=utcnow() + timedelta(days=valid_days),
        )
    )
    if commit:
        await session.commit()
    return code


class ActivationRefused(Exception):
    """The code and birth date do not match an open activation; the message says why in French."""


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
    await begin_write(session)
    second = "date de naissance" if rpps is None else "numéro RPPS"
    refused = ActivationRefused(f"Ce code d'activation et ce {second} ne correspondent pas." if rpps else
                                "Ce code d'activation et cette date de naissance ne correspondent pas.")
    result = await session.exec(select(ActivationCode).where(ActivationCode.code_hash == hash_secret(normalize_code(code))))
    activation = result.first()
    if activation is None or (activation.patient_id if rpps is None else activation.professional_id) is None:
        raise refused
    now = utcnow()
    if activation.locked_until and activation.locked_until > now:
        raise TooManyAttempts(activation.locked_until)
    if activation.used_at is not None:
        raise ActivationRefused("Ce code d'activation a déjà servi. Connectez-vous avec votre clé d'accès.")
    if activation.expires_at <= now:
        raise ActivationRefused("Ce code d'activation a expiré. Demandez-en un nouveau.")
    if rpps is None:
        patient = await session.get(Patient, activation.patient_id)
        matches = patient is not None and patient.birth_date == birth_date
    else:
        professional = await session.get(Professional, activation.professional_id)
        matches = professional is not None and professional.rpps == rpps.strip()
    if not matches:
        activation.failed_attempts += 1
        if activation.failed_attempts >= max_attempts:
            activation.locked_until = now + lock
            activation.failed_attempts = 0
        session.add(activation)
        await session.commit()
        if activation.locked_until and activation.locked_until > now:
            raise TooManyAttempts(activation.locked_until)
        raise refused
    if rpps is None:
        return activation, await account_for_patient(session, patient=patient)
    return activation, await account_for_professional(session, professional=professional)


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


async def finish_activation(session: AsyncSession, *, activation_id: str) -> None:
    activation = await session.get(ActivationCode, activation_id)
    if activation is not None and activation.used_at is None:
        activation.used_at = utcnow()
        session.add(activation)


# --- recovery codes -------------------------------------------------------------------


async def replace_recovery_codes(session: AsyncSession, *, account: Account, count: int = 10) -> list[str]:
    """Make a fresh set of recovery codes (the old ones stop working); return them once."""
    await session.exec(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))  # type: ignore[call-overload]
    codes = [make_code(4) for _ in range(count)]
    for code in codes:
        session.add(RecoveryCode(account_id=account.id, code_hash=hash_secret(normalize_code(code))))
    await session.commit()
    return codes


async def use_recovery_code(session: AsyncSession, *, code: str) -> Account | None:
    """Spend one recovery code; return its account, or None if it is unknown or spent."""
    await begin_write(session)
    result = await session.exec(
        select(RecoveryCode).where(
            RecoveryCode.code_hash == hash_secret(normalize_code(code)),
            RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
        )
    )
    row = result.first()
    if row is None:
        return None
    row.used_at = utcnow()
    session.add(row)
    await session.commit()
    return await session.get(Account, row.account_id)


async def recovery_codes_left(session: AsyncSession, *, account: Account) -> int:
    result = await session.exec(
        select(RecoveryCode).where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))  # type: ignore[union-attr]
    )
    return len(result.all())


# --- sessions ---------------------------------------------------------------------------


@dataclass
class CurrentSession:
    row: WebSession
    account: Account

    @property
    def data(self) -> dict:
        return json.loads(self.row.data or "{}")


async def start_session(
    session: AsyncSession,
    *,
    account: Account,
    authenticated: bool,
    replacing: str | None = None,
    data: dict | None = None,
) -> str:
    """Open a new server-side session (a new token: sessions rotate at every login)."""
    await begin_write(session)
    if replacing:
        await session.exec(delete(WebSession).where(WebSession.id == hash_secret(replacing)))  # type: ignore[call-overload]
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(id=hash_secret(token), account_id=account.id, authenticated=authenticated, data=json.dumps(data or {}))
    )
    await session.commit()
    return token


async def load_session(session: AsyncSession, *, token: str, idle: timedelta, max_age: timedelta) -> CurrentSession | None:
    row = await session.get(WebSession, hash_secret(token))
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        await session.delete(row)
        await session.commit()
        return None
    account = await session.get(Account, row.account_id)
    if account is None:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not one per request
        await session.commit()  # end the read: the UPDATE starts its own transaction (see db.begin_write)
        await session.exec(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))  # type: ignore[call-overload]
        await session.commit()
        row.last_seen_at = now
    return CurrentSession(row=row, account=account)


async def save_session_data(session: AsyncSession, *, current: CurrentSession, data: dict) -> None:
    # An UPDATE, not session.add(): the row belongs to the middleware's (closed) session.
    await begin_write(session)
    current.row.data = json.dumps(data)
    await session.exec(update(WebSession).where(WebSession.id == current.row.id).values(data=current.row.data))  # type: ignore[call-overload]
    await session.commit()


async def end_session(session: AsyncSession, *, token: str) -> None:
    await session.exec(delete(WebSession).where(WebSession.id == hash_secret(token)))  # type: ignore[call-overload]
    await session.commit()


async def patient_dossier(session: AsyncSession, *, account: Account) -> Dossier | None:
    if account.patient_id is None:
        return None
    result = await session.exec(select(Dossier).where(Dossier.patient_id == account.patient_id))
    return result.first()
