"""The access log's queries: filters, who appears in it (what is new: visits.py), and which documents it names were
withdrawn since."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, literal, or_, true, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..i18n import N_
from ..models import AccessEvent, Account, Delegation, Document, Dossier, LogProfessional, LogSubject
from ..professionals.professions import profession_label
from .phrases import READS, RIGHTS_CHANGES


# --- filters --------------------------------------------------------------------------------


KINDS = {  # translated where shown
    "consultations": N_("Consultations"),
    "ajouts": N_("Ajouts de documents"),
    "urgences": N_("Accès d'urgence"),
    "droits": N_("Changements de droits"),
}
PERIODS = {"7j": (N_("7 derniers jours"), 7), "30j": (N_("30 derniers jours"), 30),
           "12m": (N_("12 derniers mois"), 365)}
PROFESSIONAL_TOKEN = re.compile(r"[0-9a-f]{32}")  # professional_token's and person_token's: else no filter


def professional_token(*, secret: str, dossier_id: str, key: str) -> str:
    """How the filter names a professional of this dossier's log in a URL: not their RPPS (a public number that
    says who they are, and so which specialist read the dossier), a keyed hash of it, one per dossier."""
    return _keyed(secret, f"carnet-log-professional/{dossier_id}/{key}")


def person_token(*, secret: str, dossier_id: str, account_id: str) -> str:
    """How the filter names the patient or a relative in a URL: never their name, a keyed hash of their account,
    one per dossier, that a professional's token cannot be."""
    return _keyed(secret, f"carnet-log-person/{dossier_id}/{account_id}")


def _keyed(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def kind_clause(kind: str) -> ColumnElement[bool]:
    if kind == "consultations":
        return AccessEvent.action.in_(READS)  # type: ignore[attr-defined]
    if kind == "ajouts":
        return AccessEvent.action == "add_document"
    if kind == "urgences":
        return or_(AccessEvent.action.in_(("emergency", "emergency_review", "emergency_end")),  # type: ignore[attr-defined]
                   AccessEvent.right == "emergency")
    # Changes of rights: every known one, and whatever the patient or a caregiver did.
    return or_(AccessEvent.action.in_(RIGHTS_CHANGES), AccessEvent.actor_kind.in_(("patient", "caregiver")))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LogFilters:
    """What the patient chose to see; only codes and opaque keys, so it can sit in a URL. `professional` is the
    URL's token of whom the list is about (a professional, the patient or a relative: "who"); `professional_key`
    the RPPS or account of the professional it names, or `person_key` the account of the person (`resolved`),
    which never leave the server."""

    professional: str = ""
    kind: str = ""
    period: str = ""
    professional_key: str = ""
    person_key: str = ""
    person_is_patient: bool = False  # the patient's: every event the log says she did, as journal.Viewer reads it

    @classmethod
    def parse(cls, *, professional: str | None, kind: str | None, period: str | None) -> LogFilters:
        professional = (professional or "").strip()
        return cls(
            professional=professional if PROFESSIONAL_TOKEN.fullmatch(professional) else "",
            kind=kind if kind in KINDS else "",
            period=period if period in PERIODS else "",
        )

    async def resolved(self, session: AsyncSession, *, dossier_id: str, secret: str,
                       hidden_rpps: frozenset[str] = frozenset(),
                       visible: ColumnElement[bool] | None = None) -> LogFilters:
        """With the professional, or the person (`people_in_log`: what this reader sees of them), the token names
        among the dossier's log's; a token that names none of them filters nothing (as an unknown filter)."""
        if not self.professional:
            return self
        for professional in await professionals_in_log(session, dossier_id=dossier_id, secret=secret,
                                                       hidden_rpps=hidden_rpps):
            if hmac.compare_digest(professional.token, self.professional):
                return replace(self, professional_key=professional.key)
        for person in await people_in_log(session, dossier_id=dossier_id, secret=secret, visible=visible):
            if hmac.compare_digest(person.token, self.professional):
                return replace(self, person_key=person.key, person_is_patient=person.patient)
        return replace(self, professional="")

    @property
    def active(self) -> bool:
        return bool(self.professional or self.kind or self.period)

    def params(self, **extra: str | int | None) -> dict[str, str]:
        values = {"professionnel": self.professional, "type": self.kind, "periode": self.period, **extra}
        return {k: str(v) for k, v in values.items() if v}

    def url(self, base: str, **extra: str | int | None) -> str:
        params = self.params(**extra)
        return base + (f"?{urlencode(params)}" if params else "")

    def clauses(self, *, now: datetime) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.professional_key:
            # What they did, and what was done about them (a grant to them, a block of them: subjects.py), this
            # event's own row of logsubject, by its primary key.
            about = exists().where(LogSubject.dossier_id == AccessEvent.dossier_id,
                                   LogSubject.key == self.professional_key, LogSubject.seq == AccessEvent.seq)
            clauses.append(or_(and_(AccessEvent.actor_kind == "professional",
                                    or_(AccessEvent.actor_rpps == self.professional_key,
                                        AccessEvent.actor_account_id == self.professional_key)),
                               about))
        if self.person_key:
            # What the sentences say they did (journal.Viewer.is_actor): their account's events, and the patient's.
            mine = AccessEvent.actor_account_id == self.person_key
            clauses.append(or_(mine, AccessEvent.actor_kind == "patient") if self.person_is_patient else mine)
        if self.kind:
            clauses.append(kind_clause(self.kind))
        if self.period:
            clauses.append(AccessEvent.at >= now - timedelta(days=PERIODS[self.period][1]))
        return clauses


# --- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedProfessional:
    key: str  # their RPPS as logged, or their account id
    label: str  # name and profession as last logged, the profession in the reader's language
    token: str  # how the filter names them in a URL (professional_token)


async def professionals_in_log(session: AsyncSession, *, dossier_id: str, secret: str,
                               hidden_rpps: frozenset[str] = frozenset()) -> list[LoggedProfessional]:
    """Every professional the dossier's log names, as last named there (audit.py keeps the list), by name: who
    acted, and whom a change of rights was about (subjects.py); a minor's parents do not see the ones who wrote
    what was kept from them."""
    rows = (await session.exec(_logged_professionals(), params={"dossier_id": dossier_id})).all()
    return sorted((LoggedProfessional(key, shown_label(label),
                                      professional_token(secret=secret, dossier_id=dossier_id, key=key))
                   for key, label in rows if key not in hidden_rpps),
                  key=lambda p: p.label.casefold())


@cache
def _logged_professionals() -> Select:
    """Built once (listing says why); the table's columns, not the model: the list is only shown."""
    professionals = LogProfessional.__table__.c  # type: ignore[attr-defined]
    return select(professionals.key, professionals.label).where(professionals.dossier_id == bindparam("dossier_id"))


@dataclass(frozen=True)
class LoggedPerson:
    key: str  # their account
    name: str  # as the log last named them
    token: str  # how the filter names them in a URL (person_token)
    patient: bool  # the dossier's patient, else a relative (a caregiver)
    you: bool  # the reader: the page says "Vous"


async def people_in_log(session: AsyncSession, *, dossier_id: str, secret: str, reader_id: str | None = None,
                        visible: ColumnElement[bool] | None = None) -> list[LoggedPerson]:
    """The patient and each relative (a caregiver, now or once) who acted in the dossier's log, as it last named
    them, among the events this reader sees (`visible`: a minor's parents see less); the reader first, then the
    patient. One question: each person's last name in the log is read on its index of an account's events."""
    dossier = await session.get(Dossier, dossier_id)  # already in the session's identity map: no query
    if dossier is None:
        return []
    question = _people_in_whole_log() if visible is None or visible is true() else _people(visible)
    rows = (await session.exec(question, params={"dossier_id": dossier_id, "patient_id": dossier.patient_id})).all()
    people: dict[str, LoggedPerson] = {}
    for account_id, patient, name in sorted(rows, key=lambda row: not row[1]):  # the patient's own account first
        if name is not None and account_id not in people:
            people[account_id] = LoggedPerson(account_id, name, person_token(secret=secret, dossier_id=dossier_id,
                                                                             account_id=account_id),
                                              patient=patient, you=account_id == reader_id)
    return sorted(people.values(), key=lambda p: (not p.you, not p.patient, p.name.casefold()))


@cache
def _people_in_whole_log() -> Select:
    """`_people` for a reader who sees the whole log, built once (listing says why)."""
    return _people(true())


def _people(visible: ColumnElement[bool]) -> Select:
    """The patient's account and every relative's, each with the name the log last gave them among the events that
    are `visible`."""
    accounts = union_all(
        select(col(Account.id).label("account_id"), literal(True).label("patient"))
        .where(Account.patient_id == bindparam("patient_id")),
        select(col(Delegation.caregiver_account_id).label("account_id"), literal(False).label("patient"))
        .where(Delegation.dossier_id == bindparam("dossier_id"))).subquery()
    last_name = (select(AccessEvent.actor_name)
                 .where(AccessEvent.actor_account_id == accounts.c.account_id,
                        AccessEvent.dossier_id == bindparam("dossier_id"), visible)
                 .order_by(col(AccessEvent.id).desc()).limit(1).scalar_subquery())
    return select(accounts.c.account_id, accounts.c.patient, last_name)


def shown_label(label: str) -> str:
    """"Léa Fontaine, physiotherapist": the label as audit.py keeps it ("name, profession", in French), its
    profession in the reader's language; the name, and a profession Carnet does not know, as they were logged."""
    name, comma, profession = label.rpartition(", ")
    return f"{name}, {profession_label(profession)}" if comma else label


# --- what the sentences do not quote --------------------------------------------------------


WITHDRAWN_BATCH = 500


async def withdrawn_among(session: AsyncSession, events: Iterable[AccessEvent]) -> frozenset[str]:
    """The documents these events name that their author withdrew: sentences name them as such (journal.sentence),
    without the title an event before stored. Looked up by primary key, a few hundred at a time (a printed log's are
    many)."""
    ids = sorted({event.document_id for event in events if event.document_id})
    found: set[str] = set()
    for start in range(0, len(ids), WITHDRAWN_BATCH):
        found.update((await session.exec(select(Document.id).where(
            col(Document.id).in_(ids[start:start + WITHDRAWN_BATCH]), col(Document.withdrawn_at).is_not(None)))).all())
    return frozenset(found)
