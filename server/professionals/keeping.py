"""A professional keeps from a minor's parents a document she filed without asking it (CSP L1111-5): the minor asked
afterwards, or the box was left unticked. From then on they see neither the document nor any trace of it
(caregivers/confidential.py); what they were shown before cannot be taken back, which her page says."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..access.hiding import MAX_VERSIONS, versions
from ..access.reading import open_document
from ..access.rule import Right, adult_from
from ..models import Account, Document, Patient, Professional, utcnow
from .versions import gave_back


class NotKeepable(Exception):
    """Not a document this professional may keep from the parents: not its author, withdrawn, replaced by a later
    version (kept with it), or not a minor's."""


async def keep_from_parents(session: AsyncSession, *, account: Account, document_id: str) -> Document:
    """Mark the document kept from the patient's legal representatives, with its event, under the dossier's chain lock.
    Kept already, nothing changes. NotFoundException for whoever may not read it, exactly as for a missing one."""
    # A professional's open_document starts the chained transaction the change is appended in.
    document, dossier, right = await open_document(session, account=account, document_id=document_id[:64], action="")
    patient = await session.get(Patient, dossier.patient_id)
    if right is not Right.AUTHOR or document.withdrawn_at is not None or document.superseded_at is not None \
            or adult_from(patient.birth_date) <= utcnow():
        await session.rollback()
        raise NotKeepable()
    professional = await session.get(Professional, account.professional_id)
    # With the versions it corrects, as a hiding (access/hiding.py): the first one says what the latest says.
    for version in await versions(session, document):
        if version.deleted_at is None and not version.hidden_from_representatives:
            version.hidden_from_representatives = True
            session.add(version)
            await audit.append(session, dossier_id=dossier.id, action="keep_from_parents",
                               actor=audit.Actor.professional(account, professional), right=right.value,
                               document=version)
    await audit.commit_chained(session)
    return document


async def keep_earlier_from_parents(session: AsyncSession, earlier: Document, *, actor: audit.Actor, right: str) -> None:
    """A correction filed kept from a minor's parents (CSP L1111-5, uploads.py) keeps the versions it corrects from
    them, as keeping it after it is filed does (`keep_from_parents`): the first one says what the latest says, and its
    page, which they could still open, told them a newer version was added that day; the correction withdrawn, it
    gave it back to them. Followed in this transaction's rows, as `versions` (access/hiding.py) follows them."""
    version: Document | None = earlier
    for _hop in range(MAX_VERSIONS):
        if version is None or version.dossier_id != earlier.dossier_id:
            return
        if version.deleted_at is None and not version.hidden_from_representatives:
            version.hidden_from_representatives = True
            session.add(version)
            await audit.append(session, dossier_id=version.dossier_id, action="keep_from_parents", actor=actor,
                               right=right, document=version)
        if not version.replaces_id or gave_back(version):
            return
        version = await session.get(Document, version.replaces_id)
