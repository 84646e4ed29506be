"""The patient's side of the rule: managing a dossier (the patient, or a caregiver who acts), and seeing it as a
professional does ("voir comme"). Every page a patient or caregiver acts from asks here, and here asks `rule.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..caregivers.dossiers import Band, band_of
from ..facts import caregiver_facts, document_facts, dossier_facts
from ..models import Account, Delegation, Document, Dossier, Patient, Professional, utcnow
from .reading import HOLDERS, PHANTOM, DossierView, dossier_and_patient, dossier_view
from .rule import DossierFacts, Standing, Visibility, document_right, dossier_right, may_manage, visibility
from .standing import facts_of, parents_standing, professional_standing, standing_of

if TYPE_CHECKING:
    from ..errors import Unsent


def manager_actor(account: Account, patient: Patient, standing: Standing, *, manages: bool) -> audit.Actor:
    """The patient acts in their own name; a caregiver who manages, in theirs, for the patient ("pour le compte
    de"). A caregiver who only reads does nothing for the patient: what they do (download a copy) is theirs alone."""
    name = f"{patient.given_name} {patient.family_name}"
    if standing.is_patient:
        return audit.Actor(account.id, "patient", name)
    return audit.Actor(account.id, "caregiver", account.display_name, on_behalf_of=name if manages else "")


class NotActing(NotFoundException):
    """A refusal to act on a dossier, or to open a page only its managers open, a missing one's 404 to anyone else,
    with what the account is to the dossier now: `band` if it reads it (a relative who only reads, or whom the
    patient made a reader while her page was open: errors.py tells her so, on a form or a page alike); `held` if it
    held it once and no longer opens it (removed, stepped down, her rights ended at 18), and saw the document the
    refusal is about then. `about`: the path parameter, and its value, that named what the refusal is about (the
    dossier, or a document). errors.py says more than a missing id's answer only to a request that named it so:
    one that reached the dossier through something else (a share code, an invitation) would learn that this thing
    exists. `unsent`: what the refused form said, which that answer gives back (errors.giving_back)."""

    def __init__(self, *, about: tuple[str, str], band: Band | None = None, held: bool = False) -> None:
        super().__init__()
        self.about, self.band, self.held = about, band, held
        self.unsent: Unsent | None = None


async def _not_acting(session: AsyncSession, *, account: Account, dossier: Dossier | None, standing: Standing,
                      facts: DossierFacts, reads: bool, about: tuple[str, str], document: Document | None,
                      now: datetime) -> NotActing:
    if reads and dossier is not None:
        return NotActing(about=about, band=await band_of(session, dossier=dossier, account=account, now=now,
                                                         manages=False))
    return NotActing(about=about, held=dossier is not None and bool(standing.caregivers) and (
        document is None or _saw(standing, facts, document, now)))


def _saw(standing: Standing, facts: DossierFacts, document: Document, now: datetime) -> bool:
    """Whether a relative whose delegations have all ended would see this document were they on: the rule asked as
    it was, so that a parent never learns that a document kept from them exists, not even from a refusal."""
    on = replace(standing, caregivers=tuple(replace(c, ended=False, ends_at=None, after_majority=c.after_majority
                                                    or "lecture") for c in standing.caregivers))
    return document_right(on, facts, document_facts(document), now) is not None


@dataclass
class Managed:
    dossier: Dossier
    patient: Patient
    standing: Standing
    facts: DossierFacts
    actor: audit.Actor
    can_manage: bool


async def _managed(session: AsyncSession, *, account: Account, dossier_id: str, readers: bool, now: datetime,
                   document: Document | None = None) -> Managed:
    """`document`: what the request named instead of the dossier (manage_document), which a refusal is about."""
    dossier, patient = await dossier_and_patient(session, dossier_id)
    # A missing dossier asks the same questions as a foreign one (see PHANTOM).
    standing = await standing_of(session, account=account, dossier=dossier or PHANTOM, now=now)
    facts = dossier_facts(dossier or PHANTOM, patient)
    can_manage = may_manage(standing, facts, now)
    reads = patient is not None and dossier_right(standing, facts, now) in HOLDERS
    if dossier is None or patient is None or not (can_manage or (readers and reads)):
        about = ("document_id", document.id) if document else ("dossier_id", dossier_id)
        raise await _not_acting(session, account=account, dossier=dossier, standing=standing, facts=facts,
                                reads=reads, about=about, document=document, now=now)
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
    (a parent never reaches a document kept from them, even by its id). One that a relative who no longer manages
    the dossier reads, or read, is refused as such (NotActing)."""
    now = utcnow()
    document = await session.get(Document, document_id, populate_existing=True)
    live = document is not None and document.deleted_at is None
    managed = await _managed(session, account=account, dossier_id=document.dossier_id if live else PHANTOM.id,
                             readers=True, now=now, document=document if live else None)
    if document_right(managed.standing, managed.facts, document_facts(document), now) is None:
        raise NotActing(about=("document_id", document_id))
    if not managed.can_manage:
        raise await _not_acting(session, account=account, dossier=managed.dossier, standing=managed.standing,
                                facts=managed.facts, reads=True, about=("document_id", document_id),
                                document=document, now=now)
    return document, managed.dossier, managed.actor


@dataclass
class SeenAs:
    professional: Professional
    # The dossier as their own request opens it (`right` None: its timeline does not open to them), its documents
    # asked of the database as for their timeline (listing), its first screen as on theirs (profile/card.py).
    view: DossierView
    # Shown to a minor's parent by the parents' own decisions alone (`kept_author`): nothing the minor gave them.
    by_parents: bool = False


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
    return SeenAs(professional=professional, view=view, by_parents=kept_author)


async def seen_as_caregiver(session: AsyncSession, *, dossier: Dossier, delegation: Delegation, now: datetime) -> Visibility:
    """Which documents one caregiver sees now (a young person's preview of what a parent sees): the same rule."""
    standing = Standing(caregivers=(caregiver_facts(delegation),))
    return visibility(standing, await facts_of(session, dossier), now)
