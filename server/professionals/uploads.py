"""A document a professional adds to a dossier: its file checked for what it really is (files/kinds.py; or a note
typed on the web, filed as its text), their right to write checked under the dossier's lock, stored and logged; one
at a time or a batch from their software, a corrected version replacing the one before (its withdrawal by its
author: withdrawal.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from litestar.exceptions import NotFoundException
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import KEPT_LINE, NEW_VERSION
from ..access.rule import Right, access_ended, dossier_right
from ..dossiers import InvalidInput, add_document
from ..caregivers.confidential import keeps_from_parents
from ..caregivers.dossiers import is_minor
from ..models import Account, Document, Dossier, Patient, Professional, utcnow
from ..notifications import notify
from ..facts import dossier_facts
from ..access.reading import PHANTOM, AccessEnded
from ..access.standing import professional_standing
from ..files.copies import refuse_recent_copy
from ..files.store import Storage
from .checks import Upload, check_upload
from .professions import AUXILIARIES
from .keeping import keep_earlier_from_parents
from .versions import replaced_versions
from ..files.kinds import clean_filename
from ..export.names import dated_name

WRITE_RIGHTS = {Right.MEDECIN_TRAITANT, Right.GRANT, Right.EMERGENCY}


# LOINC's report of the care given, 11506-3 "Progress note" (in the CI-SIS's types of class 10, "Compte rendu"): what a
# note a nurse or a kinésithérapeute types as a compte rendu is. A doctor's keeps its category's, 11488-4 "Consult
# note" (fhir/categories.py).
CARE_REPORT_TYPE = ("http://loinc.org", "11506-3", "Progress note")


def typed_note(*, title: str, text: str, event_date: date | None, **details) -> Upload:
    """A note typed instead of a file, as an Upload: its text the bytes, named after its date and title (without a
    date, no name: check_upload refuses it before it is filed)."""
    filename = dated_name(event_date, title, "txt") if event_date else ""
    return Upload(title=title, event_date=event_date, filename=filename, data=text.encode(), typed=True, **details)


def stored_type(upload: Upload, author: Professional) -> tuple[str, str, str]:
    """The type a document is stored with (system, code, display): as its software coded it; a report an auxiliaire
    médical typed in the web form, CARE_REPORT_TYPE; else none, its category's (0029)."""
    if upload.typed and upload.category == "compte_rendu" and author.profession in AUXILIARIES:
        return CARE_REPORT_TYPE
    return upload.type_system, upload.type_code, upload.type_display


class IdentifierReused(InvalidInput):
    """A document's identifier (`master_identifier`) the dossier already holds for other bytes: what became of the
    document it names, read before the refusal rolls back (which expires every row)."""

    def __init__(self, document: Document) -> None:
        super().__init__("masterIdentifier")
        self.document_id = document.id
        self.deleted, self.withdrawn = document.deleted_at is not None, document.withdrawn_at is not None


async def write_right(session: AsyncSession, *, account: Account, dossier_id: str) -> tuple[Dossier, Right]:
    """The dossier and the right by which this professional may add to it now; otherwise 404 (AccessEnded to one who
    held it: the form she filled while it ended says so).

    Inside a chained transaction, this sees any revoke or block committed just before.
    """
    dossier = await session.get(Dossier, dossier_id, populate_existing=True)
    right, ended = None, False
    if account.professional_id is not None:
        # A missing dossier asks the same questions as a foreign one (reading.PHANTOM): a refusal takes as long.
        now = utcnow()
        standing = await professional_standing(session, professional_id=account.professional_id,
                                               dossier=dossier or PHANTOM, now=now)
        facts = dossier_facts(dossier or PHANTOM)
        right, ended = dossier_right(standing, facts, now), access_ended(standing, facts, now)
    if dossier is None or right not in WRITE_RIGHTS:
        await session.rollback()
        raise AccessEnded(dossier_id) if dossier is not None and ended else NotFoundException()
    return dossier, right


async def add_professional_document(
    session: AsyncSession, storage: Storage, *, account: Account, dossier_id: str, upload: Upload, today: date,
    second_copy: bool = True,
) -> Document:
    """File a document in a dossier as its author; the document and its access event commit together.
    `second_copy` False (the form did not ask for one): AlreadyAdded for the bytes this account added here within
    the hour (files/copies.py)."""
    [(document, _)] = await add_professional_documents(session, storage, account=account, dossier_id=dossier_id,
                                                       uploads=[upload], today=today, second_copy=second_copy)
    return document


async def add_professional_documents(
    session: AsyncSession, storage: Storage, *, account: Account, dossier_id: str, uploads: list[Upload], today: date,
    via: str = "", second_copy: bool = True, kept_for_minors_only: bool = False,
) -> list[tuple[Document, bool]]:
    """File documents in a dossier as their author, all or none: each with its access event (and the
    patient's notification), in one transaction. Returns each document and whether it is new: one whose
    `master_identifier` the dossier already holds for the same bytes is not stored again, and that one is
    returned; for other bytes, IdentifierReused.

    Everything is checked before a file is stored, so a refusal leaves neither a file nor a row.
    The right is checked first too: no one makes the server render a PDF for a dossier they cannot write to.
    `via` names the software that sent them, in the log ("via le logiciel « … »"). `second_copy`: as
    add_professional_document's (software, which sends none, is not asked: `master_identifier` says what it sent).
    A refusal of one upload says which (`InvalidInput.upload`). `kept_for_minors_only` (software): an upload asked
    kept from the parents of a patient who is not a minor is refused (KeptFromAnAdult), not filed for every reader;
    the web form offers that choice for a minor alone.
    """
    dossier, _right = await write_right(session, account=account, dossier_id=dossier_id)
    born = (await session.get(Patient, dossier.patient_id)).birth_date
    await session.commit()
    checked = []
    for index, upload in enumerate(uploads):
        with _refusing(index):
            checked.append(await check_upload(upload, today=today, born=born))
    await audit.begin_chained(session)
    # Locked before the right is read again: a revoke, or the same document sent twice at once, is seen.
    await audit.lock_chain(session, dossier_id=dossier_id)
    dossier, right = await write_right(session, account=account, dossier_id=dossier_id)
    professional = await session.get(Professional, account.professional_id)
    actor = audit.Actor.professional(account, professional)
    minor = is_minor(await session.get(Patient, dossier.patient_id), utcnow())
    # Unsaid by the sender (no label from software), a minor's document is kept from her parents where the web form
    # would start so for this professional (views/pro_documents.kept_at_first): any document of theirs the parents
    # saw would be the one trace of them they were shown. The software is told (fhir/documents.provide).
    kept_unsaid = minor and not all(upload.confidentiality_said for upload in uploads) and await keeps_from_parents(
        session, dossier_id=dossier.id, professional_id=professional.id)
    filed: list[tuple[Document, bool]] = []
    try:
        # Every identifier is looked up before anything is filed: a refusal leaves no document of the batch.
        known = []
        for index, upload in enumerate(uploads):
            with _refusing(index):
                if kept_for_minors_only and upload.hidden_from_representatives and not minor:
                    raise KeptFromAnAdult()
                known.append(await _already_received(session, dossier_id=dossier.id, author=professional,
                                                     upload=upload))
        replaced = await replaced_versions(session, dossier_id=dossier.id, author=professional, uploads=uploads,
                                           known=known)
        if not second_copy:
            for upload in uploads:
                await refuse_recent_copy(session, dossier_id=dossier.id, account=account, data=upload.data,
                                         field="note" if upload.typed else "file")
        for upload, (mime, rendered), received in zip(uploads, checked, known, strict=True):
            if received is not None:
                filed.append((received, False))
                continue
            document = await add_document(
                session, storage, dossier=dossier, title=upload.title, category=upload.category,
                event_date=upload.event_date, filename=clean_filename(upload.filename, mime), mime_type=mime,
                data=upload.data, pages=rendered.pages if rendered else None, text=rendered.text if rendered else "",
                author=professional, added_by=account, commit=False,
            )
            document.master_identifier = upload.master_identifier
            document.type_system, document.type_code, document.type_display = stored_type(upload, professional)
            # A correction unsaid takes its earlier version's keeping (below), never this default: an N report's
            # correction kept the report itself from the parents, who may have read it (a probe's find).
            document.hidden_from_representatives = minor and (upload.hidden_from_representatives or (
                kept_unsaid and not upload.confidentiality_said and not upload.replaces))
            earlier = replaced.get(upload.replaces or "")
            if earlier is not None:
                # The corrected version is read by whoever read the one it replaces, and by no one else: what the
                # patient hid, or a professional kept from a minor's parents, stays so (same category: versions.py).
                document.replaces_id = earlier.id
                document.hidden = earlier.hidden
                document.hidden_from_representatives |= earlier.hidden_from_representatives
                earlier.superseded_at = utcnow()
                session.add(earlier)
                if document.hidden_from_representatives:
                    await keep_earlier_from_parents(session, earlier, actor=actor, right=right.value)
            # One line each: a new version (said first, journal.sentence), the software, the parents kept out.
            detail = "\n".join(line for line in (NEW_VERSION if earlier is not None else "", via,
                                                 KEPT_LINE if document.hidden_from_representatives else "") if line)
            event = await audit.append(session, dossier_id=dossier.id, action="add_document", actor=actor,
                                       right=right.value, document=document, detail=detail)
            if upload.hidden and not document.hidden:
                # Hidden as it is filed, in the same transaction; the log says who hid it, as for the patient's hiding.
                document.hidden = True
                await audit.append(session, dossier_id=dossier.id, action="hide", actor=actor, right=right.value,
                                   document=document)
            await notify.record(session, dossier=dossier, event=event)
            filed.append((document, True))
    except BaseException:
        await session.rollback()
        raise
    await audit.commit_chained(session)
    return filed


@contextmanager
def _refusing(index: int) -> Iterator[None]:
    """A refusal raised within is of the batch's upload at `index` (`InvalidInput.upload`)."""
    try:
        yield
    except InvalidInput as refused:
        refused.upload = index
        raise


class KeptFromAnAdult(InvalidInput):
    """A document asked kept from the parents (CSP L1111-5) of a patient who is not a minor; said to software alone,
    in the API's French."""

    def __init__(self) -> None:
        super().__init__("Ce document porte l'étiquette de confidentialité V, que Carnet lit comme «\u00a0Ne pas "
                         "montrer aux parents\u00a0» : le secret qu'un patient mineur demande envers ses parents ou "
                         "son tuteur (article L1111-5 du code de la santé publique). Ce patient est majeur : ce que "
                         "voient ses proches, et les documents qu'il masque aux professionnels, c'est lui qui les "
                         "choisit, dans Carnet. Envoyez ce document sans étiquette, ou avec N.")


async def _already_received(session: AsyncSession, *, dossier_id: str, author: Professional,
                            upload: Upload) -> Document | None:
    """The document this upload sends again (same identifier, same bytes), or None for a new one.

    IHE XDS's rule for a document's unique id: sent again with the same hash, it is the same document
    (received once); with another hash, an error (XDSNonIdenticalHash), even once the first is withdrawn.
    Among this author's own documents alone: what they sent, they know. Asked of the whole dossier, the answer
    (a 200 with an id, a 409) told software whether the patient held a document it may not read, hidden,
    out of its grant or deleted (migration 0026). One the patient deleted stays received: sent again, it is
    not filed again (a software sending a patient's documents anew would bring back what she deleted), and the
    answer says it is no longer in the dossier (fhir/documents.py).
    """
    if upload.master_identifier is None:
        return None
    rows = await session.exec(select(Document).where(Document.dossier_id == dossier_id,
                                                     Document.author_professional_id == author.id,
                                                     Document.master_identifier == upload.master_identifier))
    document = rows.first()
    if document is not None and document.sha256 != hashlib.sha256(upload.data).hexdigest():
        raise IdentifierReused(document)
    return document
