"""The store against the database: missing files, damaged files, files nothing holds, leftovers.

`carnet files check` reports; `--repair` removes what is safe to remove: files no live row holds
(through `blobs.release`, under the keys' locks, so a file an upload is writing right now is kept)
and temporary files older than an hour (a write interrupted by a crash or a full disk). Missing or
damaged files are reported for a person to restore from a backup: nothing here can recreate them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import Document, DocumentPage
from . import blobs
from .store import TEMP_PREFIX, DiskStorage, StoredFile

TEMP_GRACE_SECONDS = 3600  # a temporary file younger than this may be a write under way


@dataclass
class StoreReport:
    files: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)  # (what holds it, key): live rows without bytes
    damaged: list[str] = field(default_factory=list)  # keys whose bytes no longer match their SHA-256
    unreferenced: list[str] = field(default_factory=list)  # keys no live row holds
    temporary: list[StoredFile] = field(default_factory=list)  # interrupted writes, older than the grace period
    strays: list[StoredFile] = field(default_factory=list)  # anything else under the root
    removed: int = 0

    @property
    def healthy(self) -> bool:
        """Nothing a person must restore (what --repair removes is not a fault)."""
        return not self.missing and not self.damaged


async def live_rows(session: AsyncSession) -> dict[str, str]:
    """Every key a live document or page image holds, and a label saying which (ids only, no titles)."""
    held: dict[str, str] = {}
    for document_id, key in (await session.exec(
            select(Document.id, Document.storage_key).where(Document.deleted_at.is_(None),  # type: ignore[union-attr]
                                                            Document.storage_key != ""))).all():  # "": withdrawn
        held.setdefault(key, f"document {document_id}")
    for document_id, number, key in (await session.exec(
            select(DocumentPage.document_id, DocumentPage.number, DocumentPage.storage_key)
            .join(Document, Document.id == DocumentPage.document_id)  # type: ignore[arg-type]
            .where(Document.deleted_at.is_(None)))).all():  # type: ignore[union-attr]
        held.setdefault(key, f"page {number} du document {document_id}")
    return held


async def check_store(session: AsyncSession, storage: DiskStorage, *, now: float | None = None) -> StoreReport:
    now = time.time() if now is None else now
    held = await live_rows(session)
    await session.commit()
    report = StoreReport()
    present: set[str] = set()
    for stored in storage.files():
        report.files += 1
        if stored.key:
            present.add(stored.key)
            if hashlib.sha256(stored.path.read_bytes()).hexdigest() != stored.key:
                report.damaged.append(stored.key)
            elif stored.key not in held:
                report.unreferenced.append(stored.key)
        elif stored.path.name.startswith(TEMP_PREFIX):
            if now - stored.mtime > TEMP_GRACE_SECONDS:
                report.temporary.append(stored)
        else:
            report.strays.append(stored)
    report.missing = sorted((label, key) for key, label in held.items() if key not in present)
    return report


async def repair_store(session: AsyncSession, storage: DiskStorage, report: StoreReport) -> int:
    """Remove unreferenced files (re-checked under their locks) and old temporary files; return how many."""
    removed = len(await blobs.release(session, storage, report.unreferenced))
    for leftover in report.temporary:
        storage.remove_path(leftover.path)
        removed += 1
    report.removed = removed
    return removed
