"""A professional's withdrawal of a document they added, from the web or their software: "entered-in-error", its
content erased for everyone, the patient told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..access.reading import log_document_read, open_document
from ..access.rule import Right
from ..dossiers import erase_document
from ..files import blobs
from ..files.store import Storage
from ..models import Account, Document, Dossier, Professional, utcnow
from ..notifications import notify
from .versions import gave_back


class NotAuthor(Exception):
    """A reader of the document who is not its author: only the author withdraws a document."""


async def withdraw_document(session: AsyncSession, *, account: Account, document_id: str, via: str = "",
                            answered: bool = False, storage: Storage | None = None,
                            expected: Callable[[Document], Awaitable[None]] | None = None) -> tuple[Document, Dossier]:
    """The author declares their document erroneous (FHIR's "entered-in-error", MHD's and the DMP's "should not be in
    this dossier": a report sent to a namesake): its content is erased as a deletion's (dossiers.erase_document:
    title, file, text, pages, words), so that no one reads it any more, whoever they are; its row stays, the line that
    tells the patient a document added by its author was withdrawn. The withdrawal is in the log, committed with it,
    before anyone is answered, and named by no title (the event is written once the row is emptied); the patient is
    told of it as of an arrival, whose news, which quoted the title, is taken back (notify.py). A correction withdrawn
    gives back the version it replaced (`give_back`). Its files are released
    after the commit, given `storage` (otherwise by housekeeping). Withdrawn already, nothing changes.
    NotFoundException for whoever may not read it, exactly as for a missing one; NotAuthor for a reader who did not
    write it. `via` names the software, in the log.

    `answered`: the caller sends the document's metadata back (the FHIR API's PATCH). The withdrawal's event
    names the document it answers with; withdrawn already, no event would, so the answer is then a read of it,
    logged in the same transaction as a GET of it is (`read_document`). The web's redirect needs none: the page
    it leads to logs its own read. `expected`: what the caller asks of the document as it is, under its dossier's
    lock, before anything is done (the API's If-Match, a JSON Patch's test): whatever it raises, nothing is."""
    # A professional's open_document starts the chained transaction the withdrawal is appended in.
    document, dossier, right = await open_document(session, account=account, document_id=document_id[:64], action="")
    if right is not Right.AUTHOR:
        await session.rollback()
        raise NotAuthor()
    if expected is not None:
        try:
            await expected(document)
        except BaseException:
            await session.rollback()
            raise
    keys: set[str] = set()
    if document.withdrawn_at is None:
        document.withdrawn_at = utcnow()
        keys = await erase_document(session, document)
        await give_back(session, document)
        await notify.take_back_arrival(session, dossier_id=dossier.id, document_id=document.id)
        professional = await session.get(Professional, account.professional_id)
        event = await audit.append(session, dossier_id=dossier.id, action="withdraw_document",
                                   actor=audit.Actor.professional(account, professional), right=right.value,
                                   document=document, detail=via)
        await notify.record(session, dossier=dossier, event=event)
    elif answered:  # appended and committed as a GET's read
        await log_document_read(session, account=account, dossier=dossier, right=right, action="read_document",
                                document=document, detail=via)
        return document, dossier
    await audit.commit_chained(session)
    if storage is not None and keys:
        await blobs.release(session, storage, keys)
    return document, dossier


async def give_back(session: AsyncSession, document: Document) -> None:
    """The version a withdrawn correction replaced is the latest again: "this version should not be in the dossier"
    leaves the one before it, which would otherwise stay superseded by an emptied line, out of the timeline and
    search, and which its author could correct no more (versions.py). It is current again, as it was before the
    correction, and may be corrected anew; the withdrawn line keeps its `replaces_id`, a link to it, no longer a
    version of it (versions.gave_back). A correction withdrawn once a newer one replaced it gives nothing back: the
    newest is the latest. A version given back that was withdrawn itself gives back the one before it, in turn."""
    while document.replaces_id and gave_back(document):
        earlier = await session.get(Document, document.replaces_id, populate_existing=True)
        if earlier is None or earlier.superseded_at is None or earlier.deleted_at is not None:
            return
        earlier.superseded_at = None
        session.add(earlier)
        document = earlier
