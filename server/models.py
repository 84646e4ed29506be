"""Every table of Carnet's domain (DESIGN.md), in one place, in families."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

from sqlalchemy import Column, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .i18n import N_
from .i18n.formats import PARIS


def new_id() -> str:
    """An opaque identifier, safe to show in a URL."""
    return uuid.uuid4().hex


_clock: ContextVar[datetime | None] = ContextVar("carnet_clock", default=None)


def utcnow() -> datetime:
    """Aware UTC, as SQLModel's datetime columns require; shown in Paris time."""
    frozen = _clock.get()
    return frozen if frozen is not None else datetime.now(UTC)


def paris_today() -> date:
    """Today where the patients are (a document "not in the future" means by a French calendar)."""
    return utcnow().astimezone(PARIS).date()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run code as if it were `moment`: the demo's history is made this way, through the app's functions."""
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


CATEGORIES: dict[str, str] = {
    "compte_rendu": N_("Compte rendu"),
    "ordonnance": N_("Ordonnance"),
    "biologie": N_("Biologie"),
    "imagerie": N_("Imagerie"),
    "vaccination": N_("Vaccination"),
    "certificat": N_("Certificat"),
    "synthese": N_("Synthèse médicale"),
    "remboursement": N_("Remboursements"),
    "note_patient": N_("Notes du patient"),
}


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
    profession: str = Field(max_length=60)
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
    account_id: str = Field(foreign_key="account.id", index=True)
    # False while an activation waits for its first passkey.
    authenticated: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    data: str = "{}"


class PasskeyChallenge(SQLModel, table=True):
    id: str = Field(max_length=64, primary_key=True)
    challenge: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    purpose: str = Field(max_length=20)  # "register" or "login"
    account_id: str | None = Field(default=None, foreign_key="account.id")
    client: str = Field(default="", max_length=64, index=True)  # a hash of the asker's address: a cap per client
    expires_at: datetime = Field(index=True)


class Throttle(SQLModel, table=True):
    """Failed attempts per key ("activation-ip:…", "share-code:…") and the lock they earn."""

    key: str = Field(max_length=200, primary_key=True)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    lockouts: int = 0  # locks earned in a row: each lasts longer than the one before


# --- the dossier --------------------------------------------------------------


class Dossier(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    patient_id: str = Field(foreign_key="patient.id", unique=True)
    state: str = Field(default="open", max_length=10)  # "open" or "closed"
    emergency_opt_out: bool = False
    notify_every_access: bool = False  # otherwise: first access of a professional, and emergencies
    medecin_traitant_id: str | None = Field(default=None, foreign_key="professional.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Document(SQLModel, table=True):
    # Newest first, a page at a time (listing.py): the dossier's documents in this index's order.
    # A category's, too (a filter, a grant by category): a page and its capped count read only that category.
    # Both end with what the rule reads of a document (access.rule.Visibility), so a count reads no row (0017).
    __table_args__ = (Index("ix_document_newest", "dossier_id", "event_date", "created_at", "id", "deleted_at", "hidden",
                            "hidden_from_representatives", "author_professional_id", "category"),
                      Index("ix_document_category_newest", "dossier_id", "category", "event_date", "created_at", "id",
                            "deleted_at", "hidden", "hidden_from_representatives", "author_professional_id"),
                      Index("ix_document_master_identifier", "dossier_id", "master_identifier", unique=True))

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")  # indexed first in ix_document_newest
    title: str = Field(max_length=200)
    category: str = Field(max_length=30)
    event_date: date
    author_professional_id: str | None = Field(default=None, foreign_key="professional.id")
    source: str = Field(default="", max_length=200)  # a lab, a hospital, the Assurance Maladie
    storage_key: str = Field(max_length=200, index=True)
    filename: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    # PDF page images stored (files/pages.py): None not made yet, 0 none (not a PDF, or one that cannot be shown).
    page_count: int | None = None
    # What a search finds it by (search.py): the title and the text, folded; indexed by each engine its own way.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # What a search ranks it by: its title's words, folded (search.search_title).
    search_title: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    hidden: bool = False  # by the patient, from professionals
    # By a professional, from a minor's legal representatives (CSP L1111-5): they see no trace of it.
    hidden_from_representatives: bool = False
    deleted_at: datetime | None = None
    # Sent by practice software (FHIR ITI-65): its DocumentReference.masterIdentifier ("system|value"), unique in
    # the dossier, so the same document sent twice is stored once; withdrawn by its author (status
    # entered-in-error): still listed, marked as such.
    master_identifier: str | None = Field(default=None, max_length=300)
    withdrawn_at: datetime | None = None
    added_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class DocumentPage(SQLModel, table=True):
    """One page of a PDF document as an image, made once when the document is added (files/pages.py):
    reading a page costs a file read, never a render."""

    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    number: int  # 1-based
    storage_key: str = Field(max_length=200, index=True)
    sha256: str = Field(max_length=64)
    width: int
    height: int


class Grant(SQLModel, table=True):
    # A professional's standing in a dossier reads one range (migration 0020).
    __table_args__ = (Index("ix_grant_dossier_professional", "dossier_id", "professional_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    professional_id: str = Field(foreign_key="professional.id", index=True)
    categories: str = ""  # comma-separated category codes; empty means every category
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime | None = None
    revoked_at: datetime | None = None
    share_code_id: str | None = Field(default=None, foreign_key="sharecode.id")
    created_at: datetime = Field(default_factory=utcnow)


class Block(SQLModel, table=True):
    # A professional's standing in a dossier reads one range (migration 0020).
    __table_args__ = (Index("ix_block_dossier_professional", "dossier_id", "professional_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    professional_id: str = Field(foreign_key="professional.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    lifted_at: datetime | None = None


class ShareCode(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    categories: str = ""
    grant_days: int | None = None  # None: the grant has no end
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by_professional_id: str | None = Field(default=None, foreign_key="professional.id")


class Delegation(SQLModel, table=True):
    """An account that helps with someone else's dossier: a caregiver (DESIGN.md, "Who sees what")."""

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True)
    caregiver_account_id: str = Field(foreign_key="account.id", index=True)
    # "parent" or "tuteur": a minor's legal representative (ends at 18 unless kept); "proche": chosen by the patient.
    relationship: str = Field(max_length=20)
    can_manage: bool = True  # False: a reader, who sees but does not act
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime | None = None
    revoked_at: datetime | None = None  # ended before its time, for `end_reason`
    end_reason: str = Field(default="", max_length=20)  # "removed", "stepped_down", "majority"
    # What a young adult chose for a parent before turning 18: "" (their rights end), "lecture" or "gestion".
    after_majority: str = Field(default="", max_length=10)
    invited_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class CaregiverInvitation(SQLModel, table=True):
    """A code the patient (or a minor's parent) gives a relative: once, for a few days; only its hash is kept."""

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    relationship: str = Field(max_length=20)  # "proche", or "parent" for a minor's second parent
    can_manage: bool = False
    access_days: int | None = None  # how long the caregiver may help, from acceptance; None: until removed
    created_by_account_id: str = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    cancelled_at: datetime | None = None


class AccountNotice(SQLModel, table=True):
    """What an account must be told on its next visit about a dossier it may no longer open
    (removed as a caregiver, a parent's rights ended at 18): it cannot read that dossier's log."""

    id: str = Field(default_factory=new_id, primary_key=True)
    account_id: str = Field(foreign_key="account.id", index=True)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime | None = None


class EmergencyAccess(SQLModel, table=True):
    # A professional's standing in a dossier reads one range (migration 0020).
    __table_args__ = (Index("ix_emergencyaccess_dossier_professional", "dossier_id", "professional_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    professional_id: str = Field(foreign_key="professional.id", index=True)
    reason: str = Field(max_length=1000)
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime
    reviewed_at: datetime | None = None
    review_outcome: str | None = Field(default=None, max_length=20)  # "kept" or "blocked"


# --- the access log -------------------------------------------------------------


class AccessEvent(SQLModel, table=True):
    """One line of a dossier's access log: append-only, hash-chained per dossier."""

    __table_args__ = (UniqueConstraint("dossier_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")  # indexed first in the (dossier_id, seq) unique index
    seq: int
    at: datetime
    action: str = Field(max_length=40)
    actor_account_id: str | None = Field(default=None, max_length=32)
    actor_kind: str = Field(max_length=20)  # patient, caregiver, professional, system
    actor_name: str = Field(max_length=200)
    actor_profession: str = Field(default="", max_length=60)
    actor_rpps: str = Field(default="", max_length=11)
    on_behalf_of: str = Field(default="", max_length=200)
    right: str = Field(default="", max_length=40)
    document_id: str | None = Field(default=None, max_length=32)
    document_title: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=1000)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ChainHead(SQLModel, table=True):
    """The last event of each dossier's chain: the row appends lock."""

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class LogProfessional(SQLModel, table=True):
    """Each professional who appears in a dossier's log, as last named there: the Historique's filter
    lists them without reading the whole log (kept by audit.append, in the event's transaction)."""

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    key: str = Field(max_length=32, primary_key=True)  # their RPPS as logged, or their account id
    label: str = Field(max_length=300)
    last_seq: int = 0
    # Their first opening of the dossier (audit.OPENINGS), if any: whether a read of theirs is their first (and
    # tells the patient) is one row, not a walk back through the log (migration 0019).
    first_opened_seq: int | None = None


class LogVisit(SQLModel, table=True):
    """How far in a dossier's log one account has read: what is newer stands out."""

    account_id: str = Field(foreign_key="account.id", primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    seen_seq: int = 0
    seen_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    # What one reader has not marked seen, newest first, is one range in order (migration 0023).
    __table_args__ = (Index("ix_notification_dossier_event", "dossier_id", "event_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    event_id: int = Field(foreign_key="accessevent.id")
    created_at: datetime = Field(default_factory=utcnow)


class BannerSeen(SQLModel, table=True):
    """Up to which notification (its event's id) one account pressed "Vu" on a dossier's banner: each reader's
    own, so a caregiver who dismisses the banner never dismisses it for the patient (migration 0023)."""

    account_id: str = Field(foreign_key="account.id", primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    event_id: int = 0
    seen_at: datetime = Field(default_factory=utcnow)


class PushSubscription(SQLModel, table=True):
    """One device of one account. A browser shared by two accounts has a row for each: posting an
    endpoint never takes a device away from the account that subscribed it."""

    __table_args__ = (UniqueConstraint("account_id", "endpoint"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    account_id: str = Field(foreign_key="account.id", index=True)
    endpoint: str = Field(max_length=1000, index=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


# --- the insurer's feed ------------------------------------------------------


class ReimbursementLine(SQLModel, table=True):
    """One line of reimbursed care, as the Assurance Maladie sends it (server/reimbursements/layout.py).

    `line_ref` is the insurer's own id of the line: loading it again changes nothing, and a line
    processed later (`processed_on`) replaces it (a correction). A line whose INS matches no dossier yet
    waits here with `dossier_id` None and is attached when that patient's dossier is created."""

    __table_args__ = (Index("ix_reimbursementline_dossier_care", "dossier_id", "care_date"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    line_ref: str = Field(max_length=40, unique=True)
    dossier_id: str | None = Field(default=None, foreign_key="dossier.id")
    ins: str = Field(max_length=15, index=True)
    care_date: date
    processed_on: date
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
    imported_at: datetime = Field(default_factory=utcnow)


# --- the profil médical ---------------------------------------------------------------


class ProfileItem(SQLModel, table=True):
    """One item of a dossier's profil médical: an allergy, a condition, a treatment, a vaccination, a
    measurement… (server/profile/kinds.py says which fields each kind uses, and under which document
    category the rule places it). Declared by the patient (or a caregiver) or by a professional, its author."""

    __table_args__ = (Index("ix_profileitem_dossier_kind", "dossier_id", "kind", "started_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    kind: str = Field(max_length=20)
    label: str = Field(max_length=200)  # the substance, the condition, the medicine, the vaccine, the person…
    detail: str = Field(default="", max_length=500)  # the reaction, the dose, the relationship…
    severity: str = Field(default="", max_length=20)  # an allergy's: "faible", "modérée", "sévère"
    started_on: date | None = None  # diagnosed, since, given on, measured on
    ended_on: date | None = None
    value: float | None = None  # a measurement's (systolic, for a blood pressure)
    value2: float | None = None  # a blood pressure's diastolic
    unit: str = Field(default="", max_length=20)
    lot: str = Field(default="", max_length=40)  # a vaccine's batch
    prescriber: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)  # a person to contact
    document_id: str | None = Field(default=None, foreign_key="document.id")  # advance directives: the document
    author_professional_id: str | None = Field(default=None, foreign_key="professional.id")
    added_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    hidden: bool = False  # by the patient, from professionals, as a document
    deleted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


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


class ShareLink(SQLModel, table=True):
    """A SMART Health Link the patient (or a managing caregiver) made: its id is the manifest URL's secret part
    (32 random bytes, base64url: the spec asks for 256 bits of entropy), its key encrypts the file made afresh at
    each fetch; the key travels to the recipient only in the link's fragment (server/shlinks/)."""

    id: str = Field(primary_key=True, max_length=43)
    dossier_id: str = Field(foreign_key="dossier.id", index=True)
    content: str = Field(max_length=20)  # "summary" or "emergency"
    label: str = Field(max_length=80)
    key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # 32 bytes, A256GCM
    passcode_hash: str = Field(default="", max_length=200)  # "" when the link has no passcode
    expires_at: datetime
    attempts_left: int = 10  # wrong passcodes over the link's whole life; at 0 the link is dead
    fetch_count: int = 0
    last_fetched_at: datetime | None = None
    created_by_account_id: str = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
