"""A professional's correction of a document they added, from the web (a typo in its title, a wrong date, a file
sent unfinished): a new version that replaces it, filed by the path their software's replacement takes
(uploads.add_professional_documents with relatesTo "replaces", checked under the dossier's lock by versions.py),
not declared erroneous as a withdrawal is (withdrawal.py)."""

from __future__ import annotations

import hashlib
from datetime import date

from litestar.exceptions import NotFoundException
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import AccessEnded, document_and_dossier
from ..access.rule import Right, access_ended
from ..access.standing import facts_of, standing_of
from ..dossiers import InvalidInput
from ..files.store import IntegrityError, Storage
from ..i18n import _
from ..models import Account, Document, utcnow
from ..text_input import clean
from .checks import Upload
from .uploads import add_professional_document, typed_note


class AlreadyChanged(Exception):
    """Its author's version was withdrawn or replaced meanwhile: nothing left to correct; its page says what became of
    it (and leads to the latest version)."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.document_id = document_id


def may_correct(document: Document, right: Right | None, writes: bool) -> bool:
    """Whether the rule lets this reader correct this document now: its author (`Right.AUTHOR`) to whom the dossier
    still opens (`writes`, `reading.document_and_dossier`'s answer: for a professional, a right to write to it), the
    version current (neither withdrawn nor replaced already). The replacement checks it again under the lock."""
    return (right is Right.AUTHOR and writes and document.withdrawn_at is None
            and document.superseded_at is None)


async def to_correct(session: AsyncSession, *, account: Account, document_id: str) -> Document:
    """The document this account may correct now, read and let go, nothing logged (the caller logs what it shows);
    for anyone else, NotFoundException exactly as for a missing document; AlreadyChanged for its author's version
    withdrawn or replaced since; AccessEnded for its author whose access to the dossier ended."""
    document, dossier, right, writes = await document_and_dossier(session, account=account,
                                                                   document_id=document_id[:64], action="")
    if not may_correct(document, right, writes):
        if right is Right.AUTHOR and writes:
            await session.rollback()
            raise AlreadyChanged(document_id)
        # Its author, to whom the dossier no longer opens: told so, as its pages and her document's links tell her.
        now = utcnow()
        ended = right is Right.AUTHOR and access_ended(
            await standing_of(session, account=account, dossier=dossier, now=now), await facts_of(session, dossier),
            now)
        refusal = AccessEnded(dossier.id, document_id=document.id) if ended else NotFoundException()
        await session.rollback()
        raise refusal
    await session.commit()  # nothing written: the chain's lock let go, the row kept as read
    return document


def is_typed_note(document: Document) -> bool:
    """A professional's text document is a note typed in the web form (software sends PDF, PNG or JPEG alone)."""
    return document.mime_type == "text/plain"


async def correct_document(session: AsyncSession, storage: Storage, *, account: Account, earlier: Document,
                           title: str, event_date: date | None, event_date_text: str = "", note: str = "",
                           data: bytes = b"", filename: str = "", today: date) -> Document:
    """File the corrected version of `earlier` (its author's, `to_correct`) and return it: its title and date as
    corrected; a typed note's text, or a file (none sent: the one it corrects, as it is); the category of the version
    it replaces, which decides who reads it (versions.py), and the type its software coded. Everything else is the
    replacement's, as from the FHIR API: the checks of an upload, the earlier version superseded and its hiding
    carried, the "add_document" event and the patient's notification, in one transaction; AccessEnded if the right
    to write ended meanwhile, NotReplaceable if the version changed meanwhile; InvalidInput, nothing written, for a
    correction that says what `earlier` says (`unchanged`)."""
    typed = is_typed_note(earlier)
    if unchanged(earlier, title=title, event_date=event_date,
                 data=note.encode() if typed else data if data or filename else None):
        raise InvalidInput(_("Rien n'a changé : modifiez le titre, la date des soins ou le texte de la note.") if typed
                           else _("Rien n'a changé : modifiez le titre, la date ou le fichier."))
    details = {"title": title, "category": earlier.category, "event_date": event_date,
               "event_date_text": event_date_text, "replaces": earlier.id,
               "type_system": earlier.type_system, "type_code": earlier.type_code,
               "type_display": earlier.type_display}
    if typed:
        upload = typed_note(text=note, **details)
    else:
        if not data and not filename:  # no new file: the version keeps the one it corrects
            data, filename = _kept_file(storage, earlier), earlier.filename
        upload = Upload(filename=filename, data=data, **details)
    return await add_professional_document(session, storage, account=account, dossier_id=earlier.dossier_id,
                                           upload=upload, today=today)


def unchanged(earlier: Document, *, title: str, event_date: date | None, data: bytes | None) -> bool:
    """Whether a correction says what the version it corrects says, in every field its form lets its author change:
    the title as it would be stored, the date, and the bytes (a file chosen again, or a note's text; None: the file
    kept). The category is the earlier version's whatever is sent. Filed, it would be a new version the patient is told
    of, the earlier one marked replaced, for nothing (an outside tester's find)."""
    return (clean(title) == earlier.title and event_date == earlier.event_date
            and (data is None or hashlib.sha256(data).hexdigest() == earlier.sha256))


def _kept_file(storage: Storage, document: Document) -> bytes:
    """The bytes of the version corrected, checked against their hash: a damaged or missing file is not filed again."""
    try:
        return storage.get(document.storage_key, sha256=document.sha256)
    except (IntegrityError, FileNotFoundError, KeyError):
        raise InvalidInput(_("Le fichier de ce document n'a pas pu être relu : joignez-le à nouveau."),
                           "file") from None
