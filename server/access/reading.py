"""Reading a dossier through the rule: every view asks here, and here asks `rule.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import NoReturn

from litestar.exceptions import NotFoundException
from sqlalchemy import Row, Select, bindparam, exists
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..db import SIGNED_IN_PROFESSIONAL
from .rule import (
    DossierFacts, Right, Standing, Visibility, document_right, dossier_right, may_manage, visibility,
)
from .standing import facts_of, parents_standing, professional_standing, standing_of
from ..facts import caregiver_facts, document_facts, dossier_facts
from ..models import (
    AccessEvent, Account, ChainHead, Delegation, Document, Dossier, EmergencyAccess, Patient, Professional, utcnow,
)
from ..notifications import notify


HOLDERS = (Right.PATIENT, Right.CAREGIVER)  # those the dossier belongs to, or who help with it
PROFESSIONAL_RIGHTS = {Right.AUTHOR, Right.MEDECIN_TRAITANT, Right.GRANT, Right.EMERGENCY}
RECENT_READ = timedelta(minutes=10)


async def professional_actor(session: AsyncSession, account: Account) -> audit.Actor:
    professional = session.info.get(SIGNED_IN_PROFESSIONAL)  # loaded with the web session: no question more
    if professional is None or professional.id != account.professional_id:
        professional = await session.get(Professional, account.professional_id)
    assert professional is not None
    return audit.Actor.professional(account, professional)


async def _refuse(session: AsyncSession) -> NoReturn:
    await session.rollback()  # releases the chain lock taken for a professional's read
    raise NotFoundException()


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
    """Built once (listing.py says why): every page of a dossier asks it. Whether an emergency access waits for
    review comes with it: rarely, so the timeline asks for them only then."""
    to_review = exists().where(EmergencyAccess.dossier_id == Dossier.id,  # type: ignore[arg-type]
                               EmergencyAccess.reviewed_at.is_(None))  # type: ignore[union-attr]
    return (select(Dossier, Patient, to_review.label("to_review"))
            .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
            .where(Dossier.id == bindparam("dossier_id")).execution_options(populate_existing=True))


async def _log_read(session: AsyncSession, *, account: Account, dossier: Dossier, right: Right, action: str,
                    document: Document | None = None, detail: str = "", once_within: timedelta | None = None) -> None:
    """A professional's read is in the log, committed, before any content leaves the server."""
    if once_within is not None and document is not None:
        recent = await session.exec(_recent_read(), params={  # type: ignore[call-overload]
            "dossier_id": dossier.id, "account_id": account.id, "document_id": document.id,
            "since": utcnow() - once_within})
        if recent.first() is not None:
            await session.commit()
            return
    actor = await professional_actor(session, account)
    event = await audit.append(session, dossier_id=dossier.id, action=action, actor=actor, right=right.value,
                               document=document, detail=detail)
    await notify.record(session, dossier=dossier, event=event)
    await audit.commit_chained(session)


async def log_add_form(session: AsyncSession, *, account: Account, dossier: Dossier, right: Right) -> None:
    """A professional's form to add to a dossier shows its patient's identity, to check it is the right patient:
    an opening of the dossier, logged and committed before the form is sent."""
    await _log_read(session, account=account, dossier=dossier, right=right, action="open_to_add")


async def log_author_list(session: AsyncSession, *, account: Account, dossier: Dossier) -> None:
    """A professional's list of the documents they added to a dossier no longer open to them (own_documents.py):
    a read of the dossier like any other, logged and committed before the list is sent."""
    await _log_read(session, account=account, dossier=dossier, right=Right.AUTHOR, action="read_own_documents")


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
    """Built once (listing.py says why): the professional's read of this document within RECENT_READ, if any."""
    events, heads = AccessEvent.__table__.c, ChainHead.__table__.c  # type: ignore[attr-defined]
    head = select(heads.seq).where(heads.dossier_id == bindparam("dossier_id")).scalar_subquery()
    return select(events.id).where(
        events.dossier_id == bindparam("dossier_id"), events.seq > head - RECENT_EVENTS,
        events.actor_account_id == bindparam("account_id"), events.document_id == bindparam("document_id"),
        events.at > bindparam("since"),
    ).order_by(events.seq.desc()).limit(1)


@dataclass
class DossierView:
    dossier: Dossier
    standing: Standing
    right: Right | None  # None only in "voir comme" (`seen_as`): `open_dossier` refuses such a reader
    visible: Visibility  # which documents: listing.py asks the database for a page of them
    can_manage: bool = False  # the patient, or a caregiver who acts
    # Held for the request: the session's identity map keeps rows only while something refers to them,
    # and the page's band asks for the patient again.
    patient: Patient | None = None
    to_review: bool = True  # an emergency access waits for the patient's review (asked with the dossier)


async def open_dossier(session: AsyncSession, *, account: Account, dossier_id: str, action: str | None = "read_timeline",
                       detail: str = "", category: str | None = None) -> DossierView:
    """The dossier and the documents this account may see; 404 if it may see nothing
    (with `category`: nothing of that category, as for the reimbursed care).

    A professional's read takes the dossier's chain lock first, so a revoke committed
    just before is seen, and the read is logged before its content is sent.
    """
    if account.professional_id is not None:
        await audit.begin_chained(session)
    now = utcnow()
    found = await _dossier_row(session, dossier_id)
    if found is None:
        await _refuse_as_if_found(session, account=account, now=now)
    dossier, patient, to_review = found
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    view = dossier_view(standing, dossier_facts(dossier, patient), dossier=dossier, patient=patient, now=now,
                        to_review=to_review)
    if view.right is None or (category is not None and not view.visible.sees_category(category)):
        await _refuse(session)
    if view.right in PROFESSIONAL_RIGHTS and action:
        await _log_read(session, account=account, dossier=dossier, right=view.right, action=action, detail=detail)
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


async def document_and_dossier(session: AsyncSession, *, account: Account, document_id: str,
                               action: str = "read_document", once: bool = False,
                               detail: str = "") -> tuple[Document, Dossier, Right, bool]:
    """`open_document`, and whether its dossier opens to this reader too (where its page leads back): its author's
    right is asked first, and says nothing of the dossier (they may hold a grant as well)."""
    if account.professional_id is not None:
        await audit.begin_chained(session)
    now = utcnow()
    found = (await session.exec(_document_dossier_and_patient(), params={"document_id": document_id})).first()
    if found is None:
        await _refuse_as_if_found(session, account=account, now=now)
    document, dossier, patient = found
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    right = document_right(standing, dossier_facts(dossier, patient), document_facts(document), now)
    if right is None:
        await _refuse(session)
    if right in PROFESSIONAL_RIGHTS and action:  # no action: the caller appends its own event, in this transaction
        await _log_read(session, account=account, dossier=dossier, right=right, action=action, document=document,
                        detail=detail, once_within=RECENT_READ if once else None)
    facts = dossier_facts(dossier, patient)
    return document, dossier, right, right is not Right.AUTHOR or dossier_right(standing, facts, now) is not None


# --- the patient's side: managing a dossier, and seeing it as a professional does ------------


def manager_actor(account: Account, patient: Patient, standing: Standing, *, manages: bool) -> audit.Actor:
    """The patient acts in their own name; a caregiver who manages, in theirs, for the patient ("pour le compte
    de"). A caregiver who only reads does nothing for the patient: what they do (download a copy) is theirs alone."""
    name = f"{patient.given_name} {patient.family_name}"
    if standing.is_patient:
        return audit.Actor(account.id, "patient", name)
    return audit.Actor(account.id, "caregiver", account.display_name, on_behalf_of=name if manages else "")


@dataclass
class Managed:
    dossier: Dossier
    patient: Patient
    standing: Standing
    facts: DossierFacts
    actor: audit.Actor
    can_manage: bool


async def _managed(session: AsyncSession, *, account: Account, dossier_id: str, readers: bool, now: datetime) -> Managed:
    dossier, patient = await dossier_and_patient(session, dossier_id)
    # A missing dossier asks the same questions as a foreign one (see PHANTOM).
    standing = await standing_of(session, account=account, dossier=dossier or PHANTOM, now=now)
    facts = dossier_facts(dossier or PHANTOM, patient)
    can_manage = may_manage(standing, facts, now)
    reads = readers and dossier_right(standing, facts, now) in HOLDERS
    if dossier is None or patient is None or not (can_manage or reads):
        raise NotFoundException()
    return Managed(dossier, patient, standing, facts, manager_actor(account, patient, standing, manages=can_manage),
                   can_manage)


async def may_act_on(session: AsyncSession, *, account: Account, dossier: Dossier, patient: Patient,
                    now: datetime) -> bool:
    """Whether this account may act on the dossier now, as `manage_dossier` lets it: asked again later of what it made
    while it could, and which lasts only as long as that (a health link: shlinks/links.py, `maker_may_share`)."""
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    return may_manage(standing, dossier_facts(dossier, patient), now)


async def manage_dossier(session: AsyncSession, *, account: Account, dossier_id: str,
                         readers: bool = False) -> tuple[Dossier, audit.Actor]:
    """A dossier this account may act on (its patient, or a managing caregiver) and who acts; 404 otherwise.

    With `readers`, a reading caregiver passes too: for what reads and changes nothing in the
    dossier (its Historique, the banner they dismiss for themselves).
    """
    managed = await _managed(session, account=account, dossier_id=dossier_id, readers=readers, now=utcnow())
    return managed.dossier, managed.actor


async def managed_dossier(session: AsyncSession, *, account: Account, dossier_id: str, readers: bool = False) -> Managed:
    """Like `manage_dossier`, with what the pages of a caregiver's dossier also show."""
    return await _managed(session, account=account, dossier_id=dossier_id, readers=readers, now=utcnow())


async def manage_document(session: AsyncSession, *, account: Account, document_id: str) -> tuple[Document, Dossier, audit.Actor]:
    """A document this account may act on; 404 for a deleted, missing, foreign or unseen one alike
    (a parent never reaches a document kept from them, even by its id)."""
    now = utcnow()
    document = await session.get(Document, document_id, populate_existing=True)
    live = document is not None and document.deleted_at is None
    managed = await _managed(session, account=account, dossier_id=document.dossier_id if live else PHANTOM.id,
                             readers=False, now=now)
    if document_right(managed.standing, managed.facts, document_facts(document), now) is None:
        raise NotFoundException()
    return document, managed.dossier, managed.actor


@dataclass
class SeenAs:
    professional: Professional
    # The dossier as their own request opens it (`right` None: its timeline does not open to them), its documents
    # asked of the database as for their timeline (listing.py), its first screen as on theirs (profile/card.py).
    view: DossierView


async def seen_as(session: AsyncSession, *, dossier: Dossier, professional: Professional, viewer: Managed,
                  now: datetime, kept_author: bool = False) -> SeenAs:
    """The dossier exactly as this professional sees it now ("voir comme"): the same standing, the same rule;
    never more than the viewer sees (a minor's parent, what a professional kept from them: no title, no count).
    The author of what was kept from the viewer (`kept_author`) is shown by the parents' own decisions alone: a
    parent learns nothing of the grant or the role the minor gave them (caregivers/confidential.py). Nothing is
    logged: the professional reads nothing."""
    standing = await (parents_standing if kept_author else professional_standing)(
        session, professional_id=professional.id, dossier=dossier, now=now)
    view = dossier_view(standing, viewer.facts, dossier=dossier, patient=viewer.patient, now=now)
    if visibility(viewer.standing, viewer.facts, now).not_kept_from_parents:
        view = replace(view, visible=replace(view.visible, not_kept_from_parents=True))
    return SeenAs(professional=professional, view=view)


async def seen_as_caregiver(session: AsyncSession, *, dossier: Dossier, delegation: Delegation, now: datetime) -> Visibility:
    """Which documents one caregiver sees now (a young person's preview of what a parent sees): the same rule."""
    standing = Standing(caregivers=(caregiver_facts(delegation),))
    return visibility(standing, await facts_of(session, dossier), now)
