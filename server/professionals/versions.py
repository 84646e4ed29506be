"""A corrected version a professional's software sends (FHIR relatesTo "replaces", as IHE MHD's Document Recipient
applies it): the version it replaces, checked, becomes "superseded", still readable and left out of the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..models import CATEGORIES, Document, Professional

if TYPE_CHECKING:
    from .checks import Upload


class NotReplaceable(InvalidInput):
    """A version to replace (relatesTo) that this sender may not replace, said in the API's French."""


# One answer for a document that is not there, is another author's or another dossier's, or was deleted: a sender
# learns nothing of what it did not send (as uploads._already_received looks among its own documents alone).
NOT_YOURS = ("La version à remplacer (relatesTo, code «\u00a0replaces\u00a0») n'est pas un document que vous avez "
             "envoyé dans ce dossier, ou il n'y est plus : rien n'a été enregistré. Désignez-la par "
             "DocumentReference/<id>, l'adresse que Carnet a donnée à sa réception.")


async def replaced_versions(session: AsyncSession, *, dossier_id: str, author: Professional, uploads: list[Upload],
                            known: list[Document | None]) -> dict[str, Document]:
    """The versions these uploads replace, by id, each checked under the dossier's lock: one its sender filed here
    (else NOT_YOURS, whatever the reason), not withdrawn, not already replaced, of the same category (the category
    decides who reads it: a correction read by others than the version it corrects would hide it from some and show
    the new one to others). A document sent again (`known`) replaces nothing anew. A refusal says which upload
    (`InvalidInput.upload`), as the others of a batch do."""
    found: dict[str, Document] = {}
    for index, (upload, received) in enumerate(zip(uploads, known, strict=True)):
        if upload.replaces is None or received is not None:
            continue
        try:
            found[upload.replaces] = await _replaceable(session, dossier_id=dossier_id, author=author, upload=upload,
                                                        found=found)
        except NotReplaceable as refused:
            refused.upload = index
            raise
    return found


async def _replaceable(session: AsyncSession, *, dossier_id: str, author: Professional, upload: Upload,
                       found: dict[str, Document]) -> Document:
    """The version `upload` replaces, checked (replaced_versions); `found`: those the batch's earlier uploads replace."""
    if upload.replaces in found:
        raise NotReplaceable("Deux documents de l'envoi remplacent la même version (relatesTo) : une version "
                             "n'est remplacée que par un document.")
    earlier = await session.get(Document, upload.replaces, populate_existing=True)
    if (earlier is None or earlier.dossier_id != dossier_id or earlier.author_professional_id != author.id
            or earlier.deleted_at is not None):
        raise NotReplaceable(NOT_YOURS)
    if earlier.withdrawn_at is not None:
        raise NotReplaceable(f"La version à remplacer (DocumentReference/{earlier.id}) est retirée "
                             "(entered-in-error) : il n'y a plus rien à remplacer. Envoyez le document sans "
                             "relatesTo.")
    if earlier.superseded_at is not None:
        later = (await session.exec(select(Document.id).where(replacing(earlier.id)))).first()
        raise NotReplaceable(f"La version DocumentReference/{earlier.id} est déjà remplacée (superseded) par "
                             f"DocumentReference/{later} : remplacez la plus récente.")
    if earlier.category != upload.category:
        raise NotReplaceable(f"La version à remplacer est de la catégorie «\u00a0{CATEGORIES[earlier.category]}"
                             f"\u00a0», le document envoyé de la catégorie «\u00a0{CATEGORIES[upload.category]}"
                             "\u00a0» : une nouvelle version garde la catégorie de la précédente, qui décide qui "
                             "la lit. Envoyez-le sans relatesTo, et retirez l'ancien si besoin.")
    return earlier


def gave_back(document: Document) -> bool:
    """Whether this document is a withdrawn correction that gave back the version it names (withdrawal.give_back):
    withdrawn while the latest. Replacing a withdrawn version is refused, so one withdrawn and not superseded was."""
    return document.withdrawn_at is not None and document.superseded_at is None


def replacing(earlier_id: str) -> ColumnElement[bool]:
    """The documents that replace `earlier_id` now: its one later version, not a withdrawn correction that gave it
    back."""
    return and_(col(Document.replaces_id) == earlier_id,
                or_(col(Document.withdrawn_at).is_(None), col(Document.superseded_at).is_not(None)))


@dataclass(frozen=True)
class GivenBack:
    """A version given back by corrections withdrawn while the latest: how many times, and when last."""
    times: int
    last: datetime


async def given_back(session: AsyncSession, documents: list[Document]) -> dict[str, GivenBack]:
    """Each of these documents that a withdrawn correction gave back, by id: two changes of its status each time
    (replaced, then current again), which its FHIR version counts."""
    ids = [d.id for d in documents]
    if not ids:
        return {}
    rows = await session.exec(
        select(Document.replaces_id, func.count(), func.max(Document.withdrawn_at))
        .where(col(Document.replaces_id).in_(ids), col(Document.withdrawn_at).is_not(None),
               col(Document.superseded_at).is_(None))
        .group_by(Document.replaces_id))
    return {earlier: GivenBack(times, last) for earlier, times, last in rows.all()}
