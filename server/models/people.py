"""Patients, professionals and their accounts; passkeys, codes, sessions and throttles."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from .base import UNUSED, new_id, utcnow


# --- people ---------------------------------------------------------------


class Patient(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    ins: str = Field(max_length=15, unique=True, index=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    sex: str = Field(max_length=1)  # "F" or "M", as the NIR says
    created_at: datetime = Field(default_factory=utcnow)


class Professional(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    rpps: str = Field(max_length=11, unique=True, index=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    profession: str = Field(max_length=60)  # its code: a key of professionals/professions.py's PROFESSIONS
    profession_feminine: bool = False  # written for this person in the feminine: "infirmière" (migration 0048)
    city: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


WORD_TYPE = String(100).with_variant(String(100, collation="C"), "postgresql")


class ProfessionalWord(SQLModel, table=True):
    """A word a professional is found by in the directory (`dossiers.directory_words`): of their name, city,
    RPPS and profession, folded. A search looks up the words that start with each word asked (a range of the
    primary key), never every professional (migration 0022)."""

    # Bytewise order on PostgreSQL too, whatever the database's collation: a word asked is the range from itself
    # to itself followed by U+10FFFF (search.past_every_longer); a language's collation may not sort it so.
    word: str = Field(sa_column=Column(WORD_TYPE, primary_key=True))
    professional_id: str = Field(foreign_key="professional.id", primary_key=True, index=True)


class Account(SQLModel, table=True):
    """Someone who logs in with passkeys: a patient, a caregiver or a professional."""

    id: str = Field(default_factory=new_id, primary_key=True)
    # The WebAuthn user handle: random, never personal data (WebAuthn L3, 14.6.1).
    user_handle: str = Field(default_factory=lambda: uuid.uuid4().hex, unique=True, index=True)
    display_name: str = Field(max_length=200)
    patient_id: str | None = Field(default=None, foreign_key="patient.id", unique=True)
    professional_id: str | None = Field(default=None, foreign_key="professional.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow)


# --- credentials and sessions ----------------------------------------------


class Passkey(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    account_id: str = Field(foreign_key="account.id", index=True)
    credential_id: str = Field(max_length=1400, unique=True, index=True)  # base64url
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sign_count: int = 0
    name: str = Field(max_length=60)
    transports: str = ""
    backed_up: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    account_id: str = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class ActivationCode(SQLModel, table=True):
    """A code handed out in person; only its hash is kept."""

    __table_args__ = (Index("ix_activationcode_unused_expiry", "expires_at", sqlite_where=UNUSED,
                            postgresql_where=UNUSED),)

    id: str = Field(default_factory=new_id, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    patient_id: str | None = Field(default=None, foreign_key="patient.id", index=True)
    professional_id: str | None = Field(default=None, foreign_key="professional.id", index=True)
    issued_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    failed_attempts: int = 0  # since the last lock
    locked_until: datetime | None = None
    lockouts: int = 0  # each lock lasts longer than the one before; after a few, the code dies
    revoked_at: datetime | None = None  # dead: too many failures, a newer code, or the account activated


class WebSession(SQLModel, table=True):
    """A server-side session; the cookie holds a token, the table its hash."""

    id: str = Field(max_length=64, primary_key=True)
    # None while a new account waits for its first passkey, which makes it: the session's data keeps it until then
    # (sessions.NEW_ACCOUNT), so that no account is ever left without a way in (migration 0037).
    account_id: str | None = Field(default=None, foreign_key="account.id", index=True)
    # False while an activation (or a recovery, or a new account) waits for its first passkey.
    authenticated: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    data: str = "{}"


class FormSubmission(SQLModel, table=True):
    """A form a session sent, run once (submissions.py): named by a hash of the session, the form's one-time id, the
    method and the path; once it succeeded, the redirect it answered, which the same form sent again gets back.
    Never what the form said: the redirect is a path of opaque ids and fixed words (migration 0041)."""

    key: str = Field(max_length=64, primary_key=True)
    status: int | None = None  # 302 or 303 once answered; None while its first run runs
    location: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PasskeyChallenge(SQLModel, table=True):
    id: str = Field(max_length=64, primary_key=True)
    challenge: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    purpose: str = Field(max_length=20)  # "register", "login" or "relogin" (one logged in, again)
    # The user handle a registration's options gave the authenticator, which its verification must be for: an
    # account's, or that of an account its first passkey will make (which has no row to name yet).
    user_handle: str | None = None
    client: str = Field(default="", max_length=64, index=True)  # a hash of the asker's address: a cap per client
    expires_at: datetime = Field(index=True)


class Throttle(SQLModel, table=True):
    """Failed attempts per key ("activation-ip:…", "share-code:…") and the lock they earn."""

    key: str = Field(max_length=200, primary_key=True)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    lockouts: int = 0  # locks earned in a row: each lasts longer than the one before
