"""A Carnet copy read back into an empty dossier: for a patient whose dossier moves to another Carnet installation.

Everything is checked before anything is written: the archive is a Carnet copy (its IPS Bundle validates and
carries the copy's tag), of this patient (the same INS), the dossier is empty, every file is in the ZIP with
the SHA-256 its DocumentReference gives, every profile item passes the same checks as a typed one, and every
professional who wrote in the dossier is registered here (an item or a document keeps its author; none is
given to the patient by mistake). Then the documents go in one transaction, with their access events, and the
profile items through `add_item`, each checked and logged as any addition.

What the patient or a relative added keeps who did (authors.adders_of): the patient, whose account here, if any
or once made, is told "Vous"; a relative by the name the copy writes, attached to no account of this installation,
as none is known to be theirs (an account is known by nothing from one installation to another). A document its
author withdrew is a line without content, as here, and keeps the day he did, which the copy's log says; a version
a newer one replaced stays replaced. The care the patient hid stays hidden
(hidden_care.py), and her refusal of emergency access and her notifications come too (choices.py), in the
documents' transaction.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import IO

from fhir.resources.R4B.bundle import Bundle
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import KEPT_LINE
from ..dossiers import ALLOWED_MIME_TYPES, MAX_DOCUMENT_BYTES, add_document
from ..fhir.identity import UNQUALIFIED_INS_SYSTEM
from ..fhir.resources import INS_SYSTEM, number_read_as_date
from ..files.pages import Unrenderable, render_pdf
from ..files.store import Storage
from ..models import CATEGORIES, Document, Dossier, Patient, Professional, ProfileItem, utcnow
from ..professionals.versions import gave_back
from ..profile.ending import end_item
from ..profile.items import add_item, set_item_hidden
from ..reimbursements.history import kept_since
from ..reimbursements.layout import Line
from ..templating import date_fr
from ..text_input import clean, read_json, readable_length
from .archive import IPS_NAME
from .choices import Choices, choices_in, keep_choices
from .hidden_care import hide_again, hidden_in_copy
from .ips_copy import EXPORT_TAG, SEEN_TAG
from .logfiles import LOG_CSV_NAME
from .mapping import NotRestorable, PlannedDocument, instant, plan_document, plan_items, rpps_of

MAX_IPS_BYTES = 64 * 1024 * 1024
RENDER_BATCH = 4  # files read at once for their text: twice the renderer's slots (files/pages.py)
MAGIC = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
NOT_A_COPY = "Ce fichier n'est pas une copie de dossier Carnet"
TRANSFER = audit.Actor(None, "system", "Carnet (transfert de dossier)")  # who restores from the command line


@dataclass(frozen=True)
class Restored:
    documents: int
    items: int
    # Added by a relative, named as the copy writes it: attached to no account here (the command says so).
    relatives_documents: int
    relatives_items: int
    hidden_care: int  # lines of care the copy says the patient hid, hidden here
    care_from_copy: int  # of which filed from the copy, the Assurance Maladie's feed not having brought them yet
    undated_withdrawals: int  # documents withdrawn by their author whose copy's log does not say when: today


# --- reading the archive ------------------------------------------------------------------------


def open_archive(zip_bytes: bytes | IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(zip_bytes) if isinstance(zip_bytes, (bytes, bytearray)) else zip_bytes)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise NotRestorable(f"{NOT_A_COPY} : ce n'est pas une archive ZIP lisible.") from None


def read_bundle(archive: zipfile.ZipFile) -> dict:
    """The copy's IPS Bundle, validated by the R4B models; as plain JSON, which is what is read from here on."""
    try:
        info = archive.getinfo(IPS_NAME)
    except KeyError:
        raise NotRestorable(f"{NOT_A_COPY} : il n'y a pas de {IPS_NAME}.") from None
    if info.file_size > MAX_IPS_BYTES:
        raise NotRestorable(f"{NOT_A_COPY} : {IPS_NAME} est trop gros.")
    try:
        data = read_json(archive.read(info))  # NUL, a lone surrogate, a nesting past the stack: refused too
        if number_read_as_date(data, Bundle.model_validate(data)) is not None:  # read as seconds since 1970
            raise ValueError("a date written as a number")
    except Exception:  # not JSON, or not FHIR: pydantic's error says which element, in English
        raise NotRestorable(f"{NOT_A_COPY} : {IPS_NAME} n'est pas une synthèse FHIR valide.") from None
    tags = data.get("meta", {}).get("tag", [])
    if any(t.get("system") == SEEN_TAG["system"] and t.get("code") == SEEN_TAG["code"] for t in tags):
        raise NotRestorable("Cette copie est celle d'un représentant légal : elle ne contient peut-être pas tout le "
                            "dossier. Importez une copie faite par le patient.")
    if data.get("type") != "document" or not any(
            t.get("system") == EXPORT_TAG["system"] and t.get("code") == EXPORT_TAG["code"] for t in tags):
        raise NotRestorable(f"{NOT_A_COPY} : sa synthèse FHIR n'en porte pas la marque.")
    return data


def member_bytes(archive: zipfile.ZipFile, planned: PlannedDocument) -> bytes:
    """A document's file, read within the size limit and checked against its SHA-256."""
    try:
        info = archive.getinfo(planned.path)
    except KeyError:
        raise NotRestorable(f"Le fichier de «\u00a0{planned.title}\u00a0» manque dans l'archive.") from None
    if info.file_size > MAX_DOCUMENT_BYTES:
        raise NotRestorable(f"Le fichier de «\u00a0{planned.title}\u00a0» dépasse 20 Mo.")
    try:
        with archive.open(info) as member:
            data = member.read(MAX_DOCUMENT_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError):  # a damaged member fails its CRC
        raise NotRestorable(f"Le fichier de «\u00a0{planned.title}\u00a0» est abîmé dans l'archive.") from None
    if len(data) > MAX_DOCUMENT_BYTES or hashlib.sha256(data).hexdigest() != planned.sha256:
        raise NotRestorable(f"Le fichier de «\u00a0{planned.title}\u00a0» a été modifié : son empreinte SHA-256 ne correspond "
                            "pas à celle de la copie.")
    if not data.startswith(MAGIC.get(planned.mime_type, b"")):
        raise NotRestorable(f"Le fichier de «\u00a0{planned.title}\u00a0» n'est pas du type annoncé ({planned.mime_type}).")
    return data


def withdrawals(archive: zipfile.ZipFile) -> dict[str, datetime]:
    """When each document of the copy was withdrawn by its author, by its id in the copy: its DocumentReference
    says only that it was, the copy's log when (read a row at a time; the last withdrawal of each)."""
    try:
        info = archive.getinfo(LOG_CSV_NAME)
    except KeyError:
        return {}
    found: dict[str, datetime] = {}
    try:
        with archive.open(info) as raw:
            for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), delimiter=";"):
                at = instant(row.get("horodatage")) if row.get("code action") == "withdraw_document" else None
                if at is not None and at.tzinfo is not None:
                    found[row.get("id document") or ""] = at
    except (ValueError, csv.Error, zipfile.BadZipFile, OSError, EOFError):  # UnicodeDecodeError is a ValueError
        raise NotRestorable(f"{NOT_A_COPY} complète : son historique ({LOG_CSV_NAME}) est illisible.") from None
    return found


# --- checks that read the database ---------------------------------------------------------------


async def registered_authors(session: AsyncSession, entries: dict[str, dict]) -> dict[str, Professional]:
    """The professionals of the copy, found here by RPPS; refused if one is not registered in this installation."""
    wanted = {rpps: r for r in entries.values() if r["resourceType"] == "Practitioner"
              for rpps in [rpps_of(r.get("identifier", []))] if rpps}
    found = {p.rpps: p for p in (await session.exec(
        select(Professional).where(col(Professional.rpps).in_(wanted)))).all()} if wanted else {}
    unknown = [f"{' '.join(wanted[r]['name'][0].get('given', []))} {wanted[r]['name'][0].get('family', '')} "
               f"(RPPS {r})" for r in sorted(set(wanted) - set(found))]
    if unknown:
        raise NotRestorable("Ces professionnels ont écrit dans le dossier et ne sont pas enregistrés ici : "
                            + ", ".join(unknown) + ". Enregistrez-les d'abord (carnet professional add).")
    return found


def check_patient(entries: dict[str, dict], patient: Patient) -> str:
    """The fullUrl of the copy's one Patient, who must be this one (by INS)."""
    people = {url: r for url, r in entries.items() if r["resourceType"] == "Patient"}
    # Under Carnet's own system (fhir/identity.py); a copy made before 2026-12-06 wrote it under the INS OID.
    ins = [i.get("value") for p in people.values() for i in p.get("identifier", [])
           if i.get("system") in (UNQUALIFIED_INS_SYSTEM, INS_SYSTEM)]
    if len(people) != 1 or ins != [patient.ins]:
        raise NotRestorable("Cette copie est celle du dossier d'un autre patient : son INS n'est pas celui de ce "
                            "dossier.")
    return next(iter(people))


async def dossier_is_empty(session: AsyncSession, *, dossier_id: str) -> bool:
    """No document and no profile item that is not deleted: what a copy may be read back into."""
    document = (await session.exec(select(Document.id).where(
        Document.dossier_id == dossier_id, col(Document.deleted_at).is_(None)).limit(1))).first()
    item = (await session.exec(select(ProfileItem.id).where(
        ProfileItem.dossier_id == dossier_id, col(ProfileItem.deleted_at).is_(None)).limit(1))).first()
    return document is None and item is None


# --- writing --------------------------------------------------------------------------------------


async def pdf_text(data: bytes, mime_type: str) -> str:
    """A PDF's text, what a search finds it by, extracted as an upload's is (in the bounded renderer)."""
    if mime_type != "application/pdf":
        return ""
    try:
        return (await render_pdf(data, draw=False)).text
    except Unrenderable:
        return ""


def fileable(planned: PlannedDocument) -> None:
    """What add_document would refuse, refused now, before anything is written."""
    title = clean(planned.title)
    if not readable_length(title) or len(title) > 200 or planned.event_date is None:
        raise NotRestorable(f"Le document «\u00a0{planned.title[:80]}\u00a0» n'a pas de titre ou de date valable dans la copie.")
    if planned.category not in CATEGORIES or planned.mime_type not in ALLOWED_MIME_TYPES:
        raise NotRestorable(f"Le document «\u00a0{title}\u00a0» n'a pas une catégorie ou un type de fichier que Carnet "
                            "accepte.")


async def read_every_file(archive: zipfile.ZipFile, documents: list[PlannedDocument]) -> None:
    """Check every file before anything is written (a tampered one is refused here), and take each PDF's text:
    a few at a time, so the renderer's slots stay busy and only a few files are in memory."""
    filed = [planned for planned in documents if not planned.withdrawn]  # a withdrawn one has no file: a line
    for start in range(0, len(filed), RENDER_BATCH):
        batch = filed[start:start + RENDER_BATCH]
        for planned in batch:
            fileable(planned)
        files = [member_bytes(archive, planned) for planned in batch]
        texts = await asyncio.gather(*(pdf_text(data, p.mime_type) for data, p in zip(files, batch, strict=True)))
        for planned, found in zip(batch, texts, strict=True):
            planned.text = found


def withdrawn_line(dossier: Dossier, planned: PlannedDocument) -> Document:
    """A document its author withdrew, as it is kept once withdrawn (dossiers.erase_document): a line without content,
    saying who added it, when, and when it was withdrawn (its file, if an older copy still holds it, is not read)."""
    return Document(dossier_id=dossier.id, title="", category=planned.category, event_date=planned.event_date,
                    author_professional_id=planned.author.id if planned.author else None, storage_key="",
                    filename="", mime_type=planned.mime_type, size=0, sha256="", page_count=0)


async def write_documents(session: AsyncSession, storage: Storage, archive: zipfile.ZipFile, *, dossier: Dossier,
                          documents: list[PlannedDocument], withdrawn: dict[str, datetime], hidden_care: list[Line],
                          choices: Choices, actor: audit.Actor, copy_of: str) -> tuple[dict[str, str], int]:
    """The patient's choices (choices.py), every document and the care she hid (hidden_care.py), with their events,
    in one transaction; the documents' new ids by fullUrl, and how many lines of care were filed from the copy."""
    made: dict[str, str] = {}
    await audit.begin_chained(session)
    try:
        await audit.lock_chain(session, dossier_id=dossier.id)
        if not await dossier_is_empty(session, dossier_id=dossier.id):  # again, under the lock
            raise NotRestorable("Ce dossier n'est plus vide : la copie n'a pas été relue.")
        await keep_choices(session, dossier=dossier, choices=choices, actor=actor)
        care_from_copy = await hide_again(session, dossier=dossier, lines=hidden_care, actor=actor)
        for planned in documents:
            document = withdrawn_line(dossier, planned) if planned.withdrawn else await add_document(
                session, storage, dossier=dossier, title=planned.title, category=planned.category,
                event_date=planned.event_date, filename=planned.filename, mime_type=planned.mime_type,
                data=member_bytes(archive, planned), text=planned.text, author=planned.author, source=planned.source,
                commit=False)
            document.hidden = planned.hidden
            document.hidden_from_representatives = planned.kept_from_representatives
            document.master_identifier = planned.master_identifier
            document.withdrawn_at = withdrawn.get(planned.copy_id, utcnow()) if planned.withdrawn else None
            document.created_at = planned.added_at or document.created_at
            document.added_by_patient, document.added_by_relative_name = planned.added_by_patient, planned.relative_name
            document.type_system, document.type_code = planned.type_system, planned.type_code
            document.type_display = planned.type_display
            session.add(document)
            states = [s for s, on in (("masqué aux professionnels", planned.hidden),
                                      (KEPT_LINE,
                                       planned.kept_from_representatives),
                                      ("retiré par son auteur", planned.withdrawn)) if on]
            await audit.append(session, dossier_id=dossier.id, action="add_document", actor=actor, document=document,
                               detail=", ".join([copy_of, *states]))
            made[planned.url] = document.id
        await session.flush()
        # A version the copy says a newer one replaced is replaced here too, unless that newer one is a correction
        # withdrawn while the latest, which gave it back. Whether it was the latest is known once its own later
        # versions are linked: rounds until none changes, each settling at least one version, whatever the copy's
        # order (by date of the act) and its instants (to the second: a chain filed in one second ties).
        linked = [[await session.get(Document, made[url]) for url in (planned.url, planned.replaces)]
                  for planned in documents if planned.replaces in made]
        for later, earlier in linked:
            later.replaces_id = earlier.id
            session.add_all([later, earlier])
        settled = False
        while not settled:
            settled = True
            for later, earlier in linked:
                if earlier.superseded_at is None and not gave_back(later):
                    earlier.superseded_at, settled = later.created_at, False
    except BaseException:
        await session.rollback()
        raise
    await audit.commit_chained(session)
    return made, care_from_copy


async def restore(session: AsyncSession, storage: Storage, *, zip_bytes: bytes | IO[bytes], dossier: Dossier,
                  actor: audit.Actor, today: date) -> Restored:
    """Read a Carnet copy (`zip_bytes`: its bytes, or the open file) into this empty dossier of the same patient.

    NotRestorable (French) for anything wrong, before anything is written.
    """
    with open_archive(zip_bytes) as archive:
        bundle = read_bundle(archive)
        entries = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
        patient = await session.get(Patient, dossier.patient_id)
        assert patient is not None
        patient_url = check_patient(entries, patient)
        if not await dossier_is_empty(session, dossier_id=dossier.id):
            raise NotRestorable("Ce dossier n'est pas vide : une copie ne peut être relue que dans un dossier sans "
                                "document ni information au profil médical.")
        try:
            professionals = await registered_authors(session, entries)
            documents = [plan_document(url, r, professionals, patient_url=patient_url) for url, r in entries.items()
                         if r["resourceType"] == "DocumentReference"]
            items = plan_items(entries, professionals, today=today)
            choices = choices_in(entries[patient_url])
        except (KeyError, IndexError, TypeError, AttributeError):
            raise NotRestorable(f"{NOT_A_COPY} complète : un élément attendu manque dans sa synthèse FHIR.") from None
        hidden_care = hidden_in_copy(archive, ins=patient.ins, since=kept_since(today))
        withdrawn = withdrawals(archive) if any(d.withdrawn for d in documents) else {}
        await read_every_file(archive, documents)
        copy_of = f"depuis la copie du dossier du {date_fr(instant(bundle.get('timestamp')) or utcnow())}"
        made, care_from_copy = await write_documents(
            session, storage, archive, dossier=dossier, documents=documents, withdrawn=withdrawn,
            hidden_care=hidden_care, choices=choices, actor=actor, copy_of=copy_of)
    for item in items:
        data = replace(item.data, document_id=made[item.document_url]) if item.document_url else item.data
        added = await add_item(session, dossier=dossier, data=data, actor=actor, author=item.author, today=today,
                               detail_suffix=f" ({copy_of})", declared_at=item.declared_at, from_copy=True,
                               added_by_patient=item.added_by_patient, added_by_relative_name=item.relative_name,
                               kept_from_parents=item.kept_from_representatives)
        if item.hidden:
            await set_item_hidden(session, item=added, hidden=True, actor=actor)
        if item.ended_on is not None:  # stopped, or over, in the copy: here too, on the same day
            await end_item(session, item=added, ended_on=item.ended_on, actor=actor, today=today, from_copy=True)
    return Restored(documents=len(documents), items=len(items),
                    relatives_documents=sum(1 for d in documents if d.relative_name),
                    relatives_items=sum(1 for i in items if i.relative_name), hidden_care=len(hidden_care),
                    care_from_copy=care_from_copy,
                    undated_withdrawals=sum(1 for d in documents if d.withdrawn and d.copy_id not in withdrawn))

