"""A document the patient, or a relative who manages the dossier, adds to it: a file (the photo of a paper
prescription, the PDF a lab sent) or a note typed there, checked as a professional's upload is
(professionals/uploads.py) and filed with its access event in one transaction. No professional is its author: the
dossier says who added it (authors.py), and it is read under the one rule, by its category, as any document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from .access.managing import manage_dossier
from .accesslog import audit
from .dossiers import add_document
from .files.copies import refuse_recent_copy
from .files.pages import Rendered
from .files.store import Storage
from .i18n import _
from .models import CATEGORIES, Account, Document, Patient
from .notifications import notify
from .export.names import dated_name
from .files.kinds import clean_filename
from .professionals.checks import (
    Problem, Upload, check_file, detail_problems, file_problem, note_problem, refuse,
)
from .text_input import readable_length

# Every category but the Assurance Maladie's statements, which come from its feed alone.
PATIENT_CATEGORIES = {code: label for code, label in CATEGORIES.items() if code != "remboursement"}


@dataclass(frozen=True)
class Addition:
    """What the form sent: the document's title, category and date, and either its file (`upload.data`, its name)
    or a `note` typed instead."""

    upload: Upload
    note: str = ""


@dataclass(frozen=True)
class Checked:
    mime_type: str
    data: bytes
    filename: str
    rendered: Rendered | None = None  # a PDF's page images and text, an image's copy sized for a screen


async def check_addition(addition: Addition, *, today: date, born: date) -> Checked:
    """Every refusal an addition can earn, before anything is written: the details a professional's upload is
    refused for, and exactly one of a file (checked by its bytes, as theirs) or a note."""
    upload = addition.upload
    has_file, has_note = bool(upload.data or upload.filename), readable_length(addition.note) > 0
    if has_file == has_note:
        content: Problem | None = (_("Joignez un fichier ou écrivez une note, pas les deux.") if has_file
                                   else _("Joignez un fichier ou écrivez une note."), "file", "note")
    else:
        content = file_problem(upload) if has_file else note_problem(addition.note)
    refuse([*detail_problems(upload, today=today, born=born, categories=PATIENT_CATEGORIES), content])
    if has_file:
        mime, rendered = await check_file(upload)
        return Checked(mime, upload.data, clean_filename(upload.filename, mime), rendered)
    return Checked("text/plain", addition.note.encode(), dated_name(upload.event_date, upload.title, "txt"))


async def add_own_document(session: AsyncSession, storage: Storage, *, account: Account, dossier_id: str,
                           addition: Addition, today: date, second_copy: bool = True) -> Document:
    """File a document in a dossier this account manages (the patient, a managing relative, a minor's parent), in
    its name, with its access event (and the patient's notification, when a relative added it), all or nothing.

    The manage rule is asked first, so that anyone else gets the same 404 as for a missing dossier, learns nothing
    of the patient's birth date by trying dates, and makes the server render no PDF; then everything is checked,
    outside any transaction (a PDF's rendering takes a while); then the rule is asked again under the dossier's
    chain lock (a relative removed meanwhile adds nothing), and the document and its event commit together.
    A refusal leaves neither a file nor a row. `second_copy` False (the form did not ask for one): AlreadyAdded for
    the bytes this account added here within the hour (files/copies.py), looked for under the same lock."""
    dossier, _actor = await manage_dossier(session, account=account, dossier_id=dossier_id)
    born = (await session.get(Patient, dossier.patient_id)).birth_date
    await session.commit()
    checked = await check_addition(addition, today=today, born=born)
    upload = addition.upload
    await audit.begin_chained(session, dossier_id=dossier_id)
    try:
        dossier, actor = await manage_dossier(session, account=account, dossier_id=dossier_id)
        if not second_copy:
            await refuse_recent_copy(session, dossier_id=dossier.id, account=account, data=checked.data,
                                     field="file" if upload.data else "note")
        document = await add_document(
            session, storage, dossier=dossier, title=upload.title, category=upload.category,
            event_date=upload.event_date, filename=checked.filename, mime_type=checked.mime_type, data=checked.data,
            pages=checked.rendered.pages if checked.rendered else None,
            text=checked.rendered.text if checked.rendered else "", added_by=account, commit=False,
        )
        event = await audit.append(session, dossier_id=dossier.id, action="add_document", actor=actor,
                                   document=document)
        await notify.record(session, dossier=dossier, event=event)
    except BaseException:
        await session.rollback()
        raise
    await audit.commit_chained(session)
    return document
