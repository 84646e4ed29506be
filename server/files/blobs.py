"""Storing and releasing files so that no live row ever points to a missing file.

Files are shared by content: a document and a page image, or two documents with the same bytes,
hold the same key. The race to avoid: a deletion checks that no live row holds a key, while an
upload of the same bytes finds the file present, skips writing it, and commits its row; then the
deletion erases the file under the new row. So both sides take the key's lock inside their
write transaction, and do their file work while holding it:

- `store` locks the keys, then writes each file that is missing (or damaged), then the caller
  inserts its rows and commits: the lock is held until then.
- `release` locks the keys, reads which ones no live row holds any more, erases those files,
  then commits.

Whichever goes second sees the other's result: the release sees the new row and keeps the file,
or the store finds the file gone and writes it again. The lock is the database's: on SQLite the
write transaction itself (BEGIN IMMEDIATE: one writer at a time); on PostgreSQL a transaction-
scoped advisory lock per key, taken in sorted order so two transactions never wait on each other.
Never an in-process lock: several processes serve one site.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write, upsert
from ..models import Document, DocumentPage, FileRelease, utcnow
from .store import Storage, StorageUnavailable

log = logging.getLogger("carnet.files")


async def lock_keys(session: AsyncSession, keys: Iterable[str]) -> None:
    """Hold these keys until the caller's transaction ends: call inside a write transaction (db.begin_write)."""
    if session.bind.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the database's single write lock
    for key in sorted(set(keys)):
        # 60 bits of the SHA-256 name: a bigint; a collision only makes two keys share a lock.
        await session.exec(text("SELECT pg_advisory_xact_lock(:lock)").bindparams(lock=int(key[:15], 16)))  # type: ignore[call-overload]


async def store(session: AsyncSession, storage: Storage, blobs: list[bytes]) -> list[tuple[str, str]]:
    """Write these bytes (each once) under their keys' locks; return (key, sha256) for each, in order.

    Call inside the write transaction that will insert the rows holding them, before committing it.
    """
    keys = [hashlib.sha256(b).hexdigest() for b in blobs]
    await lock_keys(session, keys)
    new = {key for key in keys if not storage.exists(key)}
    try:
        return [storage.put(b) for b in blobs]
    except StorageUnavailable:
        # The second file failed: the first must not stay behind, held by no row ("nothing was saved").
        for key in new:
            try:
                storage.delete(key)
            except StorageUnavailable:
                pass  # `carnet files check --repair` will find it
        raise


async def live_keys(session: AsyncSession, keys: set[str]) -> set[str]:
    """Which of these keys a live document, or a page image of one, still holds."""
    if not keys:
        return set()
    documents = await session.exec(select(Document.storage_key).where(
        Document.storage_key.in_(keys), Document.deleted_at.is_(None)))  # type: ignore[attr-defined,union-attr]
    pages = await session.exec(
        select(DocumentPage.storage_key).join(Document, Document.id == DocumentPage.document_id)  # type: ignore[arg-type]
        .where(DocumentPage.storage_key.in_(keys), Document.deleted_at.is_(None)))  # type: ignore[attr-defined,union-attr]
    return set(documents.all()) | set(pages.all())


async def to_release(session: AsyncSession, keys: Iterable[str]) -> None:
    """In the transaction that marks their rows deleted: these keys are to be released once it has committed.
    Written down, so that a crash before `release` leaves them for housekeeping (`release_pending`), not on disk.

    One statement per key that writes it or, written down already (another dossier's copy of the same bytes, deleted
    at the same moment), renews it: read then written, two such deletions failed on PostgreSQL, whose transactions
    on two dossiers do not wait on each other (the second's insert on the first's key, or its update on the line
    the first's `release` had just erased)."""
    table = FileRelease.__table__  # type: ignore[attr-defined]
    statement = upsert(session.get_bind().dialect.name, table, ("storage_key",))
    now = utcnow()
    for key in sorted(set(keys)):
        await session.exec(statement, params={"storage_key": key, "since": now})  # type: ignore[call-overload]


async def release(session: AsyncSession, storage: Storage, keys: Iterable[str]) -> list[str]:
    """Erase the files of these keys that no live row holds any more; return the keys erased.

    Its own write transaction, after the one that marked the rows deleted (and wrote them down, `to_release`) has
    committed; what it could not erase (the store unavailable) stays written down for the next try.
    """
    keys = set(keys)
    await begin_write(session)
    await lock_keys(session, keys)
    # The lines written down as they are now, before the live rows are read: a deletion that writes one again after
    # this (another copy of the same bytes) committed nothing this reads as deleted, and its line is left to it.
    written = (await session.exec(select(FileRelease.storage_key, FileRelease.since).where(
        FileRelease.storage_key.in_(keys)))).all() if keys else []  # type: ignore[attr-defined]
    held = await live_keys(session, keys)
    unheld = sorted(keys - held)
    done = set(held)
    try:
        for key in unheld:
            storage.delete(key)
            done.add(key)
    except StorageUnavailable as exc:
        log.warning("could not erase a released file: %s", exc)
    finally:
        for key, since in written:
            if key in done:  # only the line as it was read: one renewed since is another deletion's to release
                await session.exec(delete(FileRelease).where(  # type: ignore[call-overload]
                    FileRelease.storage_key == key, FileRelease.since == since))
        await session.commit()
    return [key for key in unheld if key in done]


async def release_pending(session: AsyncSession, storage: Storage, *, older_than: timedelta = timedelta(minutes=1),
                          limit: int = 500) -> list[str]:
    """What a deletion wrote down to release and did not (a crash, the store unavailable): erased now. Left a minute
    first, for the deletion's own `release` that follows its commit."""
    keys = (await session.exec(select(FileRelease.storage_key).where(
        FileRelease.since < utcnow() - older_than).order_by(FileRelease.since).limit(limit))).all()
    await session.commit()
    return await release(session, storage, keys) if keys else []


async def document_keys(session: AsyncSession, document: Document) -> set[str]:
    """The document's file and its page images (none once erased: a withdrawn document deleted)."""
    pages = await session.exec(select(DocumentPage.storage_key).where(DocumentPage.document_id == document.id))
    return {key for key in (document.storage_key, *pages.all()) if key}
