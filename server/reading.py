"""Reading a dossier through the rule: every view asks here, and here asks `access.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar.exceptions import NotFoundException
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .access import DocumentFacts, DossierFacts, GrantFacts, Right, Standing, document_right, dossier_right
from .dossiers import dossier_documents, professional_title, professionals_by_id
from .models import Account, Block, Delegation, Document, Dossier, EmergencyAccess, Grant, utcnow


async def standing_of(session: AsyncSession, *, account: Account, dossier: Dossier, now: datetime) -> Standing:
    """Everything the rule needs to know about this account and this dossier."""
    is_caregiver = False
    if account.patient_id != dossier.patient_id:
        delegations = await session.exec(
            select(Delegation).where(
                Delegation.dossier_id == dossier.id,
                Delegation.caregiver_account_id == account.id,
                Delegation.revoked_at.is_(None),  # type: ignore[union-attr]
            )
        )
        is_caregiver = any(d.starts_at <= now and (d.ends_at is None or now < d.ends_at) for d in delegations.all())
    pro = account.professional_id
    if pro is None:
        return Standing(is_patient=account.patient_id == dossier.patient_id, is_caregiver=is_caregiver)
    blocks = await session.exec(
        select(Block).where(Block.dossier_id == dossier.id, Block.professional_id == pro, Block.lifted_at.is_(None))  # type: ignore[union-attr]
    )
    grants = await session.exec(select(Grant).where(Grant.dossier_id == dossier.id, Grant.professional_id == pro))
    emergencies = await session.exec(
        select(EmergencyAccess).where(EmergencyAccess.dossier_id == dossier.id, EmergencyAccess.professional_id == pro)
    )
    return Standing(
        professional_id=pro,
        is_patient=account.patient_id == dossier.patient_id,
        is_caregiver=is_caregiver,
        is_medecin_traitant=dossier.medecin_traitant_id == pro,
        blocked=blocks.first() is not None,
        grants=tuple(
            GrantFacts(
                categories=frozenset(c for c in g.categories.split(",") if c),
                starts_at=g.starts_at,
                ends_at=g.ends_at,
                revoked=g.revoked_at is not None,
            )
            for g in grants.all()
        ),
        emergency_until=max((e.ends_at for e in emergencies.all() if e.starts_at <= now), default=None),
    )


def dossier_facts(dossier: Dossier) -> DossierFacts:
    return DossierFacts(closed=dossier.state == "closed", emergency_opt_out=dossier.emergency_opt_out)


def document_facts(document: Document) -> DocumentFacts:
    return DocumentFacts(
        category=document.category,
        hidden=document.hidden,
        deleted=document.deleted_at is not None,
        author_professional_id=document.author_professional_id,
    )


@dataclass
class DossierView:
    dossier: Dossier
    standing: Standing
    right: Right
    documents: list[Document]


async def open_dossier(session: AsyncSession, *, account: Account, dossier_id: str) -> DossierView:
    """The dossier and the documents this account may see; 404 if it may see nothing."""
    now = utcnow()
    dossier = await session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFoundException()
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    right = dossier_right(standing, dossier_facts(dossier), now)
    if right is None:
        raise NotFoundException()
    facts = dossier_facts(dossier)
    documents = [
        d for d in await dossier_documents(session, dossier_id=dossier.id)
        if document_right(standing, facts, document_facts(d), now) is not None
    ]
    return DossierView(dossier=dossier, standing=standing, right=right, documents=documents)


async def open_document(session: AsyncSession, *, account: Account, document_id: str) -> tuple[Document, Dossier, Right]:
    """A document this account may read now; otherwise 404, exactly as for a missing one."""
    now = utcnow()
    document = await session.get(Document, document_id)
    dossier = await session.get(Dossier, document.dossier_id) if document else None
    if document is None or dossier is None:
        raise NotFoundException()
    standing = await standing_of(session, account=account, dossier=dossier, now=now)
    right = document_right(standing, dossier_facts(dossier), document_facts(document), now)
    if right is None:
        raise NotFoundException()
    return document, dossier, right


async def author_labels(session: AsyncSession, documents: list[Document]) -> dict[str, str]:
    """Who each document comes from, as the timeline shows it."""
    authors = await professionals_by_id(session, {d.author_professional_id for d in documents if d.author_professional_id})
    return {
        d.id: professional_title(authors[d.author_professional_id]) if d.author_professional_id in authors else d.source
        for d in documents
    }
