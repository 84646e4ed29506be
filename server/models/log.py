"""The access log: its events, chained per dossier, and what readers saw of it (visits, notifications)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import new_id, utcnow


# --- the access log -------------------------------------------------------------


class AccessEvent(SQLModel, table=True):
    """One line of a dossier's access log: append-only, hash-chained per dossier."""

    # A professional's own events, newest first, across dossiers ("Mon activité": professionals/activity.py; 0062).
    __table_args__ = (UniqueConstraint("dossier_id", "seq"), Index("ix_accessevent_actor", "actor_account_id", "id"))

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
    """Each professional who appears in a dossier's log, as last named there, whether they acted or a change of
    rights was about them (LogSubject): the Historique's filter lists them without reading the whole log (kept
    by audit.append, in the event's transaction)."""

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    key: str = Field(max_length=32, primary_key=True)  # their RPPS as logged, or their account id
    label: str = Field(max_length=300)
    last_seq: int = 0
    # Their first opening of the dossier (accesslog/professionals.py, OPENINGS), if any: whether a read of theirs is their first (and
    # tells the patient) is one row, not a walk back through the log (migration 0019).
    first_opened_seq: int | None = None


class LogSubject(SQLModel, table=True):
    """Each event of a dossier's log about a professional who did not act in it (a grant to them, a block of them:
    its detail names them in words alone): the Historique's filter shows it among theirs (kept by audit.append,
    in the event's transaction; migration 0027). The event itself is never changed (append-only)."""

    # The dossiers a professional was a subject in, by their key ("Mes patients": a médecin traitant replaced or
    # removed lately, access/standing.medecin_traitant_declarations), never every row of the site (0050).
    __table_args__ = (Index("ix_logsubject_key", "key", "dossier_id", "seq"),)

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    key: str = Field(max_length=32, primary_key=True)  # their RPPS, as LogProfessional keys them
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # the event's number


class LogVisit(SQLModel, table=True):
    """How far in a dossier's log one account has read: what is newer stands out."""

    account_id: str = Field(foreign_key="account.id", primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    seen_seq: int = 0
    seen_at: datetime = Field(default_factory=utcnow)


class TimelineVisit(SQLModel, table=True):
    """One professional's visits to one dossier's documents (its timeline, on the web): what was added since their
    last visit is new to them ("Mes patients", the timeline's "Nouveau"; professionals/visits.py). Their software's
    reads through the API are no visit: they are not what she saw (migration 0058)."""

    professional_id: str = Field(foreign_key="professional.id", primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True)
    opened_at: datetime  # their latest opening of it
    # What the visit under way counts as new from: their last opening before it (their first: its first opening).
    new_since: datetime


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
    endpoint never takes a device away from the account that subscribed it.

    `passkey_id`: the passkey the subscribing session was opened with, so that the device goes with its key (a
    key removed, a recovery, a new activation, "Déconnecter les autres appareils": devices.forget). None for
    the rows made before migration 0039, and for a session that names no key."""

    __table_args__ = (UniqueConstraint("account_id", "endpoint"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    account_id: str = Field(foreign_key="account.id", index=True)
    passkey_id: str | None = Field(default=None, foreign_key="passkey.id", index=True)
    endpoint: str = Field(max_length=1000, index=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
