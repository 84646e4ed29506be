"""Reading a dossier through the rule: every view asks here, and here asks `rule.py` (managing one, and "voir
comme": managing.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NoReturn

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, Row, Select, bindparam, exists
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..db import SIGNED_IN_PROFESSIONAL
from .rule import (
    PROFESSIONAL_RIGHTS, DossierFacts, Right, Standing, Visibility, access_ended, document_right, dossier_right,
    may_manage, once_opened_to, visibility,
)
from .standing import standing_of
from ..facts import document_facts, dossier_facts
from ..models import (
    AccessEvent, Account, ChainHead, Document, Dossier, EmergencyAccess, Patient, Professional, utcnow,
)
from ..notifications import notify
from ..professionals import visits
from ..professionals.versions import replacing


HOLDERS = (Right.PATIENT, Right.CAREGIVER)  # those the dossier belongs to, or who help with it
RECENT_READ = timedelta(minutes=10)
# Logged once within RECENT_READ, as a document's file shown in its page: a form to add (documents, profile) opened
# again after a refusal, or twice in a few minutes, is the opening the log already says (an outside probe counted
# thirteen identical lines in a parent's Historique for one document added).
OPENED_ONCE = frozenset({"open_to_add"})


async def professional_actor(session: AsyncSession, account: Account) -> audit.Actor:
    professional = session.info.get(SIGNED_IN_PROFESSIONAL)  # loaded with the web session: no question more
    if professional is None or professional.id != account.professional_id:
        professional = await session.get(Professional, account.professional_id)
    assert professional is not None
    return audit.Actor.professional(account, professional)


class AccessEnded(NotFoundException):
    """A dossier's refusal to a professional whose access to it ended (`rule.access_ended`): errors.py tells them so,
    on a page whose address names this dossier, or (`document_id`) one of its documents, which she had the link to;
    anything else answers it as a missing id's 404. `about`: the path parameter, and its value, that must name it."""

    def __init__(self, dossier_id: str, *, document_id: str | None = None) -> None:
        super().__init__()
        self.dossier_id = dossier_id
        self.about = ("document_id", document_id) if document_id is not None else ("dossier_id", dossier_id)


async def _refuse(session: AsyncSession, refusal: NotFoundException | None = None) -> NoReturn:
    await session.rollback()  # releases the chain lock taken for a professional's read
    raise refusal or NotFoundException()


# A dossier that exists nowhere: a refusal for a missing id asks the same questions about it as a
# refusal for somebody else's dossier asks about that one, so the time an answer takes does not
# tell "missing" from "not yours" (measured: 3.3 ms vs 5.1 ms before, in 79 of 80 pairs).
PHANTOM = Dossier(id="0" * 32, patient_id="0" * 32)


async def _refuse_as_if_found(session: AsyncSession, *, account: Account, now: datetime) -> NoReturn:
    """The rest of a refusal's questions, asked about PHANTOM (the patient was asked with the dossier)."""
    await standing_of(session, account=account, dossier=PHANTOM, now=now)
    await _refuse(session)


async def dossier_and_patient(session: AsyncSession, dossier_id: str) -> tuple[Dossier, Patient] | tuple[None, None]:
    """The dossier and its patient, fresh, in one question: the rule needs both before anything is shown."""
    found = await _dossier_row(session, dossier_id)
    return (found[0], found[1]) if found is not None else (None, None)


async def _dossier_row(session: AsyncSession, dossier_id: str) -> Row | None:
    """The dossier, its patient, and whether an emergency access waits for their review."""
    return (await session.exec(_dossier_and_patient(), params={"dossier_id": dossier_id})).first()


@cache
def _document_dossier_and_patient() -> Select:
    """Built once: the document, its dossier and their patient, fresh, in one question (every read of a document)."""
    return (select(Document, Dossier, Patient).join(Dossier, Dossier.id == Document.dossier_id)  # type: ignore[arg-type]
            .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
            .where(Document.id == bindparam("document_id")).execution_options(populate_existing=True))


@cache
def _dossier_and_patient() -> Select:
    """Built once (listing says why): every page of a dossier asks it. Whether an emergency access waits for
    review comes with it: rarely, so the timeline asks for them only then."""
    to_review = exists().where(EmergencyAccess.dossier_id == Dossier.id,  # type: ignore[arg-type]
                               EmergencyAccess.reviewed_at.is_(None))  # type: ignore[union-attr]
    return (select(Dossier, Patient, to_review.label("to_review"))
            .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
            .where(Dossier.id == bindparam("dossier_id")).execution_options(populate_existing=True))


async def _log_read(session: AsyncSession, *, account: Account, dossier: Dossier, right: Right, action: str,
                    document: Document | None = None, detail: str = "", once_within: timedelta | None = None,
                    visit: bool = False) -> datetime | None:
    """A professional's read is in the log, committed, before any content leaves the server. With `visit`, an
    opening of the dossier's documents, kept with it: returns what this visit counts as new from (visits.py)."""
    if action in OPENED_ONCE:
        once_within = RECENT_READ
    if once_within is not None:
        params = {"dossier_id": dossier.id, "account_id": account.id, "since": utcnow() - once_within}
        recent = await session.exec(  # type: ignore[call-overload]
            _recent_read() if document is not None else _recent_opening(),
            params=params | ({"document_id": document.id} if document is not None else {"action": action}))
        if recent.first() is not None:
            await session.commit()
            return None
    actor = await professional_actor(session, account)
    event = await audit.append(session, dossier_id=dossier.id, action=action, actor=actor, right=right.value,
                               document=document, detail=detail)
    await notify.record(session, dossier=dossier, event=event)
    new_since = await visits.mark_opening(session, professional_id=account.professional_id, dossier_id=dossier.id,
                                          at=event.at) if visit else None
    await audit.commit_chained(session)
    return new_since


async def log_add_form(session: AsyncSession, *, account: Account, dossier: Dossier, right: Right) -> None:
    """A professional's form to add to a dossier shows its patient's identity, to check it is the right patient:
    an opening of the dossier, logged and committed before the form is sent (once within RECENT_READ: _log_read)."""
    await _log_read(session, account=account, dossier=dossier, right=right, action="open_to_add")


async def log_profile_read(session: AsyncSession, *, account: Account, dossier: Dossier, right: Right) -> None:
    """A professional's page that shows the patient's identity and a line of the profile (their own line's
    withdrawal form, views/profile_changes.py): a read of the profile, logged and committed before it is sent."""
    await _log_read(session, account=account, dossier=dossier, right=right, action="read_profile")


async def log_author_list(session: AsyncSession, *, account: Account, dossier: Dossier, detail: str = "",
                          documents: bool = True, items: bool = False) -> None:
    """A professional's list of what they added to a dossier no longer open to them (own_documents.py), its
    `documents` and the lines of the profile they declared (`items`): a read of each, as their author, logged and
    committed together before the list is sent."""
    # The lines' read is said as any read of the profile by its author: "grâce à son accès aux informations du profil
    # ajoutées par ses soins" (accesslog/right_words.py).
    if items and documents:
        await audit.append(session, dossier_id=dossier.id, action="read_profile",
                           actor=await professional_actor(session, account), right=Right.AUTHOR.value)
    await _log_read(session, account=account, dossier=dossier, right=Right.AUTHOR,
                    action="read_own_documents" if documents else "read_profile", detail=detail)


async def log_document_read(session: AsyncSession, *, account: Account, dossier: Dossier, right: Right, action: str,
                            document: Document, once: bool = False, detail: str = "") -> None:
    """The event of a read `open_document(action="")` let through, for a caller that knew what the read is only
    once it had the document (a download, or the file shown in its page); nothing for the dossier's holders."""
    if right in PROFESSIONAL_RIGHTS:
        await _log_read(session, account=account, dossier=dossier, right=right, action=action, document=document,
                        detail=detail, once_within=RECENT_READ if once else None)


# How far back in the dossier's log a read of the same document is looked for (RECENT_READ): its latest events,
# newest first. Unbounded, the question walked the whole log when there was none, inside the chain's lock (a
# professional's document shows each page image through it). More events than this in RECENT_READ: one read
# more is logged, never one less.
RECENT_EVENTS = 1000


@cache
def _recent_read() -> Select:
    """Built once (listing says why): the professional's read of this document within RECENT_READ, if any."""
    events = AccessEvent.__table__.c  # type: ignore[attr-defined]
    return _recent(events.document_id == bindparam("document_id"))


@cache
def _recent_opening() -> Select:
    """Built once: the professional's event of this action on the dossier, about no document, within RECENT_READ."""
    events = AccessEvent.__table__.c  # type: ignore[attr-defined]
    return _recent(events.action == bindparam("action"), events.document_id.is_(None))


def _recent(*matching: ColumnElement[bool]) -> Select:
    """The professional's latest event of the dossier matching these, among its RECENT_EVENTS latest, since `since`."""
    events, heads = AccessEvent.__table__.c, ChainHead.__table__.c  # type: ignore[attr-defined]
    head = select(heads.seq).where(heads.dossier_id == bindparam("dossier_id")).scalar_subquery()
    return select(events.id).where(
        events.dossier_id == bindparam("dossier_id"), events.seq > head - RECENT_EVENTS,
        events.actor_account_id == bindparam("account_id"), *matching, events.at > bindparam("since"),
    ).order_by(events.seq.desc()).limit(1)


@dataclass
class DossierView:
    dossier: Dossier
    standing: Standing
    right: Right | None  # None only in "voir comme" (`seen_as`): `open_dossier` refuses such a reader
    visible: Visibility  # which documents: listing asks the database for a page of them
    can_manage: bool = False  # the patient, or a caregiver who acts
    # Held for the request: the session's identity map keeps rows only while something refers to them,
    # and the page's band asks for the patient again.
    patient: Patient | None = None
    to_review: bool = True  # an emergency access waits for the patient's review (asked with the dossier)
    # A professional's visit (`open_dossier(visit=True)`): what was added after this is new to them (visits.py).
    new_since: datetime | None = None


async def open_dossier(session: AsyncSession, *, account: Account, dossier_id: str, action: str | None = "read_timeline",
                       detail: str = "", category: str | None = None, visit: bool = False,
                       once: bool = False) -> DossierView:
    """The dossier and the documents this account may see; 404 if it may see nothing
    (with `category`: nothing of that category, as for the reimbursed care).

    A professional's read takes the dossier's chain lock first, so a revoke committed
    just before is seen, and the read is logged before its content is sent. With `visit`, the read is
    their visit to its documents (the timeline, not their software's through the API). With `once`, a read that
    goes on one the log already says within RECENT_READ (the next pages of one search) is not logged again.
    """
    if account.professional_id is not None:
        await audit.begin_chained(session, dossier_id=dossier_id)
    now = utcnow()
    found = await _dossier_row(session, dossier_id)
    if found is None:
        await _refuse_as_if_found(session, account=account, now=now)
    dossier, patient, to_review = found
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    facts = dossier_facts(dossier, patient)
    view = dossier_view(standing, facts, dossier=dossier, patient=patient, now=now, to_review=to_review)
    if access_ended(standing, facts, now):
        await _refuse(session, AccessEnded(dossier.id))
    if view.right is None or (category is not None and not view.visible.sees_category(category)):
        await _refuse(session)
    if view.right in PROFESSIONAL_RIGHTS and action:
        view.new_since = await _log_read(session, account=account, dossier=dossier, right=view.right, action=action,
                                         detail=detail, visit=visit, once_within=RECENT_READ if once else None)
    return view


def dossier_view(standing: Standing, facts: DossierFacts, *, dossier: Dossier, patient: Patient, now: datetime,
                 to_review: bool = True) -> DossierView:
    """What the rule opens of the dossier to a reader of this standing now: a reader's own request
    (`open_dossier`) and the patient's "voir comme" of a professional (`seen_as`) both ask here."""
    return DossierView(dossier=dossier, standing=standing, right=dossier_right(standing, facts, now),
                       visible=visibility(standing, facts, now), can_manage=may_manage(standing, facts, now),
                       patient=patient, to_review=to_review)


async def open_document(session: AsyncSession, *, account: Account, document_id: str, action: str = "read_document",
                        once: bool = False, detail: str = "") -> tuple[Document, Dossier, Right]:
    """A document this account may read now; otherwise 404, exactly as for a missing one."""
    return (await document_and_dossier(session, account=account, document_id=document_id, action=action, once=once,
                                       detail=detail))[:3]


async def _dossier_of(session: AsyncSession, document_id: str) -> str:
    """The dossier a document is in ("" for none): asked only on PostgreSQL, whose lock needs it first."""
    if session.get_bind().dialect.name != "postgresql":
        return ""
    return (await session.exec(select(Document.dossier_id).where(Document.id == document_id))).first() or ""


async def document_and_dossier(session: AsyncSession, *, account: Account, document_id: str,
                               action: str = "read_document", once: bool = False,
                               detail: str = "") -> tuple[Document, Dossier, Right, bool]:
    """`open_document`, and whether its dossier opens to this reader too (where its page leads back): its author's
    right is asked first, and says nothing of the dossier (they may hold a grant as well)."""
    if account.professional_id is not None:
        await audit.begin_chained(session)
        # Its dossier's chain lock before its rights are read (PostgreSQL: audit.begin_chained); a document never
        # changes dossier, so asking which one before the lock is safe.
        await audit.lock_chain(session, dossier_id=await _dossier_of(session, document_id))
    now = utcnow()
    found = (await session.exec(_document_dossier_and_patient(), params={"document_id": document_id})).first()
    if found is None:
        await _refuse_as_if_found(session, account=account, now=now)
    document, dossier, patient = found
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    facts = dossier_facts(dossier, patient)
    right = document_right(standing, facts, document_facts(document), now)
    if right is None:
        # A link followed from a page shown before her access ended (a timeline, a notification) says what its
        # dossier's pages say, of a document she could read then: it tells no more of it than they did.
        ended = access_ended(standing, facts, now) and once_opened_to(standing, document_facts(document),
                                                                       document.created_at)
        await _refuse(session, AccessEnded(dossier.id, document_id=document.id) if ended else None)
    if right in PROFESSIONAL_RIGHTS and action:  # no action: the caller appends its own event, in this transaction
        await _log_read(session, account=account, dossier=dossier, right=right, action=action, document=document,
                        detail=detail, once_within=RECENT_READ if once else None)
    return document, dossier, right, right is not Right.AUTHOR or dossier_right(standing, facts, now) is not None


async def readable_versions(session: AsyncSession, *, account: Account, dossier: Dossier,
                            document: Document) -> tuple[Document | None, Document | None]:
    """The version `document` replaces and the one that replaced it (FHIR relatesTo), each where this account may
    read it now, by the rule (asked as `open_document` asks it, and logged by none: a link, not a read)."""
    later_id = (await session.exec(select(Document.id).where(replacing(document.id)))).first() \
        if document.superseded_at is not None else None
    found = []
    for version_id in (document.replaces_id, later_id):
        version = await session.get(Document, version_id) if version_id else None
        if version is not None and (version.dossier_id != dossier.id or version.deleted_at is not None):
            version = None
        found.append(version)
    if not any(found):
        return None, None
    now = utcnow()
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    facts = dossier_facts(dossier, await session.get(Patient, dossier.patient_id))
    earlier, later = (v if v is not None and document_right(standing, facts, document_facts(v), now) else None
                      for v in found)
    return earlier, later
