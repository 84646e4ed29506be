"""A document hidden from professionals (or shown again), or deleted for everyone: each with the earlier versions it
corrected, one access event a version."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..dossiers import erase_document
from ..files import blobs
from ..files.store import Storage
from ..models import Document, utcnow
from ..professionals.versions import gave_back

MAX_VERSIONS = 50  # a document's versions followed back at most: a chain longer than that is no correction's


async def set_hidden(session: AsyncSession, *, document: Document, hidden: bool, actor: audit.Actor) -> None:
    """Hidden, or shown again, with its earlier versions: what a professional may not read of the document she sees,
    they may not read of the version it corrected either."""
    await audit.begin_chained(session, dossier_id=document.dossier_id)
    for version in await versions(session, document):
        if version.deleted_at is None and version.hidden != hidden:
            version.hidden = hidden
            session.add(version)
            await audit.append(session, dossier_id=version.dossier_id, action="hide" if hidden else "unhide",
                               actor=actor, document=version)
    await audit.commit_chained(session)


async def versions(session: AsyncSession, document: Document) -> list[Document]:
    """The document read again (in the caller's chained transaction) and each version it replaces, newest first. A
    correction withdrawn while the latest gave back the version it replaced, which is no longer its (gave_back)."""
    found = [await session.get(Document, document.id, populate_existing=True)]
    while found[-1].replaces_id and not gave_back(found[-1]) and len(found) < MAX_VERSIONS:
        earlier = await session.get(Document, found[-1].replaces_id, populate_existing=True)
        if earlier is None or earlier.dossier_id != document.dossier_id:
            break
        found.append(earlier)
    return found


async def delete_document(
    session: AsyncSession, *, document: Document, actor: audit.Actor, storage: Storage | None = None
) -> None:
    """Gone for everyone, with its earlier versions (the timeline shows the latest alone: the patient deletes the
    document she sees): each row is marked deleted and emptied (the log keeps that it existed, and its title) and,
    once that has committed, its file and page images are erased unless another live document holds them
    (files/blobs.py: under the keys' locks, so an upload of the same bytes cannot lose its file)."""
    await audit.begin_chained(session, dossier_id=document.dossier_id)
    keys: set[str] = set()
    for version in await versions(session, document):
        if version.deleted_at is None:
            version.deleted_at = utcnow()
            await audit.append(session, dossier_id=version.dossier_id, action="delete", actor=actor, document=version)
            keys |= await erase_document(session, version)
    await audit.commit_chained(session)
    if storage is not None and keys:
        await blobs.release(session, storage, keys)
