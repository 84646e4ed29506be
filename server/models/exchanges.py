"""What comes in from outside and goes out: the insurer's feed, the software that calls the FHIR API, SMART
Health Links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text, text
from sqlmodel import Field, SQLModel

from .base import new_id, utcnow


# --- the insurer's feed ------------------------------------------------------


class ReimbursementLine(SQLModel, table=True):
    """One line of reimbursed care, as the Assurance Maladie sends it (server/reimbursements/layout.py).

    `line_ref` is the insurer's own id of the line: loading it again changes nothing, and a line
    processed later (`processed_on`) replaces it (a correction), and stays hidden if the patient hid it. A line
    whose INS matches no dossier yet waits here with `dossier_id` None and is attached when that patient's dossier
    is created. No line outlives the care Carnet shows (reimbursements/retention.py): `care_date` is indexed for
    its purge."""

    __table_args__ = (Index("ix_reimbursementline_dossier_care", "dossier_id", "care_date"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    line_ref: str = Field(max_length=40, unique=True)
    dossier_id: str | None = Field(default=None, foreign_key="dossier.id")
    ins: str = Field(max_length=15, index=True)
    care_date: date = Field(index=True)
    processed_on: date
    # A correction's: the day its first version was processed (the insurer sent it again, processed later, with other
    # values); None for a line never corrected, or corrected before migration 0066.
    corrected_from: date | None = None
    code_system: str = Field(max_length=8)  # CCAM, NGAP, CIP13, LPP, NABM
    code: str = Field(max_length=20)
    label: str = Field(max_length=200)
    performer: str = Field(max_length=200)
    performer_rpps: str = Field(default="", max_length=11)
    prescriber: str = Field(default="", max_length=200)
    quantity: int = 1
    spent_cents: int  # what was paid for the care (montant de la dépense)
    base_cents: int  # the reimbursement base (base de remboursement)
    reimbursed_cents: int  # what the Assurance Maladie paid back
    hidden: bool = False  # by the patient, from professionals, as a document (facts.care_line_facts)
    imported_at: datetime = Field(default_factory=utcnow)


class RetractedLine(SQLModel, table=True):
    """A line of reimbursed care the insurer sent and Carnet no longer holds: cancelled (layout.py's `annulation`),
    or corrected to care older than Carnet keeps. Remembered so that a version processed no later (a file sent again,
    a copy read back) does not bring it back, and a line never changes patient; purged with the care it stood for
    (`care_date`: the latest of its versions', reimbursements/retention.py)."""

    line_ref: str = Field(max_length=40, primary_key=True)
    ins: str = Field(max_length=15)
    care_date: date = Field(index=True)
    processed_on: date
    # Hidden by the patient when it was cancelled: a version that brings it back is filed hidden (migration 0059).
    hidden: bool = False


# --- software that calls the FHIR API -------------------------------------------------


class ApiClient(SQLModel, table=True):
    """Software registered to call the API (SMART Backend Services): a professional's practice software,
    which acts for that professional, or the insurer's feed (kind "insurer", registered by the operator).
    Its id is the OAuth `client_id`; its public key (a JWK) checks the assertions it signs."""

    id: str = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(default="professional", max_length=20)  # "professional" or "insurer"
    professional_id: str | None = Field(default=None, foreign_key="professional.id", index=True)
    name: str = Field(max_length=80)
    jwk: str = Field(sa_column=Column(Text, nullable=False))  # the public key, as JSON
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A short-lived access token; only its hash is kept. Revoking the software ends its tokens at once."""

    token_hash: str = Field(max_length=64, primary_key=True)
    client_id: str = Field(foreign_key="apiclient.id", index=True)
    scopes: str = Field(max_length=500)
    expires_at: datetime = Field(index=True)


class ApiAssertion(SQLModel, table=True):
    """A client assertion already exchanged (its `jti`): an assertion is used once (SMART Backend Services)."""

    key: str = Field(max_length=64, primary_key=True)  # sha256 of client_id and jti
    expires_at: datetime = Field(index=True)


# --- SMART Health Links ----------------------------------------------------------------


KEYED = text("length(key) > 0")  # length() counts a BLOB's bytes on SQLite, a bytea's on PostgreSQL


class ShareLink(SQLModel, table=True):
    """A SMART Health Link the patient (or a managing caregiver) made: its id is the manifest URL's secret part
    (32 random bytes, base64url: the spec asks for 256 bits of entropy), its key encrypts the file made afresh at
    each fetch; the key travels to the recipient only in the link's fragment (server/shlinks/).

    A link ended long ago (links.ENDED_KEPT) is erased by housekeeping if it was never opened; opened, it keeps what
    the patient's page says of it, and loses its key and its passcode's hash."""

    # The links that still hold a key, by their end: what each housekeeping round reads (migration 0049).
    __table_args__ = (Index("ix_sharelink_keyed_expiry", "expires_at", sqlite_where=KEYED, postgresql_where=KEYED),)

    id: str = Field(primary_key=True, max_length=43)
    dossier_id: str = Field(foreign_key="dossier.id", index=True)
    content: str = Field(max_length=20)  # shlinks.links.CONTENTS: "emergency", "vaccinations" or "summary"
    # As its maker named it; "" left unnamed, and named by its content where it is said (shlinks/links.py, own_name:
    # before, such a link stored its content's name in its maker's language).
    label: str = Field(max_length=80)
    key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # 32 bytes, A256GCM; b"" once erased
    passcode_hash: str = Field(default="", max_length=200)  # "" when the link has no passcode; links.ERASED once erased
    expires_at: datetime
    attempts_left: int = 10  # wrong passcodes over the link's whole life; at 0 the link is dead
    fetch_count: int = 0
    last_fetched_at: datetime | None = None
    # Who it was last opened for, as they declared themselves (shlinks/manifest.py: RECIPIENT_MAX); the log keeps
    # each. "" before migration 0065.
    last_fetched_by: str = Field(default="", max_length=100)
    created_by_account_id: str = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    # Opens once: after its first file read (its manifest's, or its location's) it answers as a revoked link does
    # (shlinks/links.py, "spent"; shlinks/manifest.py).
    single_use: bool = False


class SpentLocation(SQLModel, table=True):
    """A manifest's `location` already fetched (its `jti`): the spec's `location` "SHALL be short-lived and intended for
    single use" (shlinks/manifest.py). Kept until the address would have ended anyway; nothing else of it is kept."""

    jti: str = Field(max_length=22, primary_key=True)  # 16 random bytes, base64url
    expires_at: datetime = Field(index=True)
