"""A dossier: its documents and their pages, who may read it (grants, blocks, share codes, caregivers,
emergency accesses), and its profil médical."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UNUSED, new_id, utcnow


# --- the dossier --------------------------------------------------------------


class Dossier(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    patient_id: str = Field(foreign_key="patient.id", unique=True)
    state: str = Field(default="open", max_length=10)  # "open" or "closed"
    emergency_opt_out: bool = False
    notify_every_access: bool = False  # otherwise: first access of a professional, and emergencies
    medecin_traitant_id: str | None = Field(default=None, foreign_key="professional.id", index=True)
    medecin_traitant_by: str = Field(default="", max_length=20)  # who declared them, as a grant's `given_by`
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Document(SQLModel, table=True):
    # Newest first, a page at a time (listing): the dossier's documents in this index's order.
    # A category's, too (a filter, a grant by category): a page and its capped count read only that category.
    # Both end with what the rule reads of a document (access.rule.Visibility), so a count reads no row (0017), and
    # whether a newer version replaced it, which the timeline leaves out (0052).
    __table_args__ = (Index("ix_document_newest", "dossier_id", "event_date", "created_at", "id", "deleted_at", "hidden",
                            "hidden_from_representatives", "author_professional_id", "category", "superseded_at"),
                      Index("ix_document_category_newest", "dossier_id", "category", "event_date", "created_at", "id",
                            "deleted_at", "hidden", "hidden_from_representatives", "author_professional_id",
                            "superseded_at"),
                      # An author's own documents, newest first (a professional whose access ended, their page of
                      # them; a grant's reader, beside their categories): read in their order, not found among the
                      # dossier's 50,000 (0028), with what the rule reads of each (0030).
                      Index("ix_document_author_newest", "dossier_id", "author_professional_id", "event_date",
                            "created_at", "id", "deleted_at", "hidden_from_representatives", "category", "hidden",
                            "superseded_at"),
                      # The dossiers an author wrote in, whatever right they wrote under ("Mes patients" of a
                      # professional who keeps only their own documents there): their rows alone (0034).
                      Index("ix_document_author", "author_professional_id", "deleted_at", "dossier_id"),
                      # What was added to a dossier since a professional's last visit, the latest first
                      # (professionals/visits.py): one range, with what the rule reads of each (0058).
                      Index("ix_document_added", "dossier_id", "created_at", "id", "deleted_at", "superseded_at",
                            "hidden", "hidden_from_representatives", "author_professional_id", "category"),
                      # Per author: another professional's identifier says nothing of what they may not read (0026).
                      Index("ix_document_master_identifier", "dossier_id", "author_professional_id", "master_identifier",
                            unique=True))

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
    # Page images stored (files/pages.py; an image's one is its copy sized for a screen): None not made yet, 0 none
    # (a text, a PDF that cannot be shown, an image that cannot be decoded).
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
    # the dossier, so the same document sent twice is stored once.
    master_identifier: str | None = Field(default=None, max_length=300)
    # Sent by software: the document's type as it coded it, given back and searched as sent (a Document Recipient
    # keeps the metadata it receives, IHE MHD); type_code "" where Carnet's category says it (0029).
    type_system: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    type_code: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    type_display: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    # Withdrawn by its author (FHIR's entered-in-error: it should not be in this dossier): its content erased as a
    # deletion's (dossiers.erase_document), a line without its title left to the patient (0052).
    withdrawn_at: datetime | None = None
    # A corrected version sent by the same author (FHIR relatesTo "replaces"): the one it replaces, and on that one
    # when it was replaced (its status "superseded": still readable, left out of the timeline) (0052).
    replaces_id: str | None = Field(default=None, max_length=32, index=True)
    superseded_at: datetime | None = None
    added_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    # Who added it where no account of this installation did: a copy read back (export/restore.py) says the patient
    # herself (her account here, once she has one, is told "Vous"), or names a relative, kept as the copy writes it:
    # an account is known by nothing from one installation to another (0042).
    added_by_patient: bool = False
    added_by_relative_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class DocumentPage(SQLModel, table=True):
    """One page of a PDF document as an image, or an image document's copy sized for a screen (number 1), made once
    when the document is added (files/pages.py): reading a page costs a file read, never a render."""

    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    number: int  # 1-based
    storage_key: str = Field(max_length=200, index=True)
    sha256: str = Field(max_length=64)
    width: int
    height: int


class FileRelease(SQLModel, table=True):
    """A file to erase once no live row holds it, written in the transaction that marks its document deleted: the
    erasure comes after that commit (files/blobs.py), and a crash in between would have left a deleted document's
    bytes on disk for good. Housekeeping erases what is still here a minute later (migration 0040)."""

    storage_key: str = Field(max_length=200, primary_key=True)
    since: datetime = Field(default_factory=utcnow)


class DocumentText(SQLModel, table=True):
    """A PDF's own text as it is written, for whoever cannot read its pages' images (a screen reader) or wants
    to copy a line: kept when the document is added, or at its first view for one added before (files/pages.py,
    `text_of`); "" for a scan. Erased with the document's file."""

    document_id: str = Field(foreign_key="document.id", primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))


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
    # Who gave it (rule.GIVERS): "patient", "representative" (a minor's parent or guardian), "caregiver"; "" before
    # migration 0031. A representative's grant to a professional who kept care from them is theirs alone
    # (caregivers/confidential.py).
    given_by: str = Field(default="", max_length=20)
    # The relative who gave it ("representative", "caregiver"), as the log named them then; "" for the patient's, a
    # share code's, and any given before migration 0064.
    given_by_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Block(SQLModel, table=True):
    # A professional's standing in a dossier reads one range (migration 0020).
    __table_args__ = (Index("ix_block_dossier_professional", "dossier_id", "professional_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    professional_id: str = Field(foreign_key="professional.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    lifted_at: datetime | None = None
    blocked_by: str = Field(default="", max_length=20)  # as a grant's `given_by`
    # A representative's block of a professional who kept care from them: it stops the grants representatives
    # gave, and leaves what the minor decided (rule.Standing.representatives_blocked).
    representatives_only: bool = False


class ShareCode(SQLModel, table=True):
    __table_args__ = (Index("ix_sharecode_unused_expiry", "expires_at", sqlite_where=UNUSED, postgresql_where=UNUSED),)

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    categories: str = ""
    grant_days: int | None = None  # None: the grant has no end
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by_professional_id: str | None = Field(default=None, foreign_key="professional.id")
    given_by: str = Field(default="", max_length=20)  # who made it, given to the grant it becomes
    # Its maker's account: a relative's or a parent's code opens only while they may still give it (share_codes.py).
    made_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    cancelled_at: datetime | None = None  # taken back before anyone used it (it expired then, too)
    # A minor's own code, kept from her legal representatives at her request (CSP L1111-5): the professional who uses
    # it leaves them no trace from that moment, before she has written anything (caregivers/confidential.py).
    kept_from_representatives: bool = False


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
    end_reason: str = Field(default="", max_length=20)  # "removed", "stepped_down", "majority", "replaced"
    # What a young adult chose for a parent before turning 18: "" (their rights end), "lecture" or "gestion".
    after_majority: str = Field(default="", max_length=10)
    invited_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class CaregiverInvitation(SQLModel, table=True):
    """A code the patient (or a minor's parent) gives a relative: once, for a few days; only its hash is kept."""

    __table_args__ = (Index("ix_caregiverinvitation_unused_expiry", "expires_at", sqlite_where=UNUSED,
                            postgresql_where=UNUSED),)

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
    (removed as a caregiver, a parent's rights ended at 18): it cannot read that dossier's log; or about
    what a relative did to the account (its devices logged out). Written in the reader's language when read
    (caregivers/notices.py)."""

    id: str = Field(default_factory=new_id, primary_key=True)
    account_id: str = Field(foreign_key="account.id", index=True)
    # The dossier it is about, of which a newer notice of its subject replaces it (notices.SUBJECTS); None before
    # migration 0056.
    dossier_id: str | None = None
    kind: str = Field(default="", max_length=40)  # what happened: notices.MESSAGES's key
    names: str = "{}"  # the names its sentence needs (JSON)
    text: str = Field(default="", max_length=500)  # a notice written before migration 0025, as it was written
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
    review_outcome: str | None = Field(default=None, max_length=20)  # "kept", "blocked", or "ended" (by her)


# --- the profil médical ---------------------------------------------------------------


class ProfileItem(SQLModel, table=True):
    """One item of a dossier's profil médical: an allergy, a condition, a treatment, a vaccination, a
    measurement… (server/profile/kinds.py says which fields each kind uses, and under which document
    category the rule places it). Declared by the patient (or a caregiver) or by a professional, its author."""

    __table_args__ = (Index("ix_profileitem_dossier_kind", "dossier_id", "kind", "started_on"),
                      # The dossiers an author declared lines in ("Mes patients" of a professional whose access
                      # ended: own_documents.py), their rows alone (0053), as ix_document_author for documents.
                      Index("ix_profileitem_author", "author_professional_id", "deleted_at", "dossier_id"))

    id: str = Field(default_factory=new_id, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id")
    kind: str = Field(max_length=20)
    label: str = Field(max_length=200)  # the substance, the condition, the medicine, the vaccine, the person…
    detail: str = Field(default="", max_length=500)  # the reaction, the dose, the relationship…
    severity: str = Field(default="", max_length=20)  # an allergy's: "faible", "modérée", "sévère"
    # A condition's (profile/kinds.NATURES): "current" (a problem now), "past" (an illness over), "procedure" (an
    # operation, a childbirth…), each its own IPS section (fhir/ips.py); migration 0042.
    nature: str = Field(default="", max_length=20)
    started_on: date | None = None  # diagnosed, since, given on, measured on
    ended_on: date | None = None  # a treatment stopped, a pregnancy over (profile/ending.py)
    # A pregnancy's date prévue d'accouchement, as its professional gave it (profile/pregnancy.py); migration 0057.
    expected_on: date | None = None
    value: float | None = None  # a measurement's (systolic, for a blood pressure)
    value2: float | None = None  # a blood pressure's diastolic
    unit: str = Field(default="", max_length=20)
    lot: str = Field(default="", max_length=40)  # a vaccine's batch
    prescriber: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)  # a person to contact
    document_id: str | None = Field(default=None, foreign_key="document.id")  # advance directives: the document
    author_professional_id: str | None = Field(default=None, foreign_key="professional.id")
    added_by_account_id: str | None = Field(default=None, foreign_key="account.id")
    # Who declared it where no account of this installation did, as a document's (0042).
    added_by_patient: bool = False
    added_by_relative_name: str = Field(default="", max_length=200)
    hidden: bool = False  # by the patient, from professionals, as a document
    # Kept from a minor's parents by the professional who declared it (CSP L1111-5), as a document (migration 0032).
    hidden_from_representatives: bool = False
    deleted_at: datetime | None = None
    # The access event that logged its deletion, which names it: a deleted item is erased, all else but what the
    # rule needs (profile/erasing.py, migration 0044).
    deleted_seq: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
