"""The professional's side: "Mes patients", finding a patient for an emergency, adding a
document to a dossier, opening a dossier for a patient who is there in person."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

from anyio import to_thread
from litestar.exceptions import NotFoundException
from PIL import Image
from sqlalchemy import or_, union_all
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from . import notify

from .accesslog import audit
from .access.rule import Right, dossier_right
from .accounts import IN_PERSON_DAYS, issue_activation_code
from .dossiers import MAX_DOCUMENT_BYTES, InvalidInput, add_document, create_patient
from .caregivers.dossiers import is_minor
from .i18n import N_, _
from .identifiers import is_valid_ins, normalize_ins
from .models import (
    CATEGORIES, Account, ActivationCode, Block, Document, Dossier, EmergencyAccess, Grant, Patient, Professional, utcnow,
)
from .facts import dossier_facts
from .access.reading import professional_standing, standing_from_rows
from .search import fold
from .files.pages import Rendered, Unrenderable, render_pdf
from .files.store import Storage
from .templating import PARIS
from .text_input import readable_length

# What a professional files: not the patient's own notes, not the Assurance Maladie's feed.
PRO_CATEGORIES = {code: label for code, label in CATEGORIES.items() if code not in {"note_patient", "remboursement"}}
WRITE_RIGHTS = {Right.MEDECIN_TRAITANT, Right.GRANT, Right.EMERGENCY}
# The real type of a file is read from its first bytes, never taken from the browser's claim.
MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}
OLDEST_DATE = date(1900, 1, 1)


def paris_today() -> date:
    """Today where the patients are (a document "not in the future" means by a French calendar)."""
    return utcnow().astimezone(PARIS).date()


# --- "Mes patients" ---------------------------------------------------------------------


@dataclass
class PatientLine:
    """One dossier this professional may open now, and every reason why."""

    dossier: Dossier
    patient: Patient
    medecin_traitant: bool = False
    grants: list[Grant] = field(default_factory=list)
    emergency_until: datetime | None = None


async def my_patients(session: AsyncSession, *, professional_id: str, now: datetime | None = None) -> list[PatientLine]:
    """The dossiers this professional may open now, asked of the one rule; nothing about the others."""
    now = now or utcnow()
    pro = professional_id
    # Each reason through its own index (one union: an OR of them read every dossier of the installation).
    theirs = union_all(
        select(Dossier.id).where(Dossier.medecin_traitant_id == pro),
        select(Grant.dossier_id).where(Grant.professional_id == pro, Grant.revoked_at.is_(None),  # type: ignore[union-attr]
                                       or_(Grant.ends_at.is_(None), Grant.ends_at > now)),  # type: ignore[union-attr, operator]
        select(EmergencyAccess.dossier_id).where(EmergencyAccess.professional_id == pro, EmergencyAccess.ends_at > now),
    )
    rows = (await session.exec(
        select(Dossier, Patient).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Dossier.state == "open", Dossier.id.in_(theirs))  # type: ignore[attr-defined]
        .order_by(Patient.family_name, Patient.given_name)
    )).all()
    ids = [dossier.id for dossier, _ in rows]
    blocks, grants, emergencies = [
        await _by_dossier(session, model, pro, ids) for model in (Block, Grant, EmergencyAccess)
    ]
    lines = []
    for dossier, patient in rows:
        standing = standing_from_rows(professional_id=pro, dossier=dossier, blocks=blocks[dossier.id],
                                      grants=grants[dossier.id], emergencies=emergencies[dossier.id], now=now)
        if dossier_right(standing, dossier_facts(dossier), now) is None:
            continue  # blocked, or every grant over, or an emergency the patient has since opted out of
        # standing.grants holds the rule's facts of the same rows, in the same order.
        active = [g for g, facts in zip(grants[dossier.id], standing.grants, strict=True) if facts.active(now)]
        until = standing.emergency_until
        lines.append(PatientLine(
            dossier=dossier, patient=patient, medecin_traitant=standing.is_medecin_traitant,
            grants=sorted(active, key=lambda g: (g.ends_at is None, g.ends_at or now)),
            emergency_until=until if until and now < until and not dossier.emergency_opt_out else None,
        ))
    return lines


async def _by_dossier(session: AsyncSession, model, professional_id: str, dossier_ids: list[str]) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    if dossier_ids:
        rows = await session.exec(select(model).where(model.professional_id == professional_id,
                                                      model.dossier_id.in_(dossier_ids)))
        for row in rows.all():
            grouped[row.dossier_id].append(row)
    return grouped


# --- emergency: who is this patient? ---------------------------------------------------------


async def dossier_for_identity(session: AsyncSession, *, ins: str, birth_date: date) -> Dossier | None:
    """The dossier of the patient with this INS *and* this birth date; None tells nothing more."""
    result = await session.exec(
        select(Dossier).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Patient.ins == normalize_ins(ins), Patient.birth_date == birth_date)
    )
    return result.first()


# --- adding a document ------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    title: str
    category: str
    event_date: date | None
    filename: str
    data: bytes
    # For a minor: kept from their legal representatives, at the minor's request (CSP L1111-5).
    hidden_from_representatives: bool = False
    # Sent by software: the document's own identifier ("system|value"); the same one is stored once per dossier.
    master_identifier: str | None = None
    declared_type: str = ""  # the MIME type the sender says: it must be what the bytes are


def sniff_type(data: bytes) -> str | None:
    return next((mime for magic, mime in MAGIC.items() if data.startswith(magic)), None)


MAX_IMAGE_PIXELS = 40_000_000  # a phone decodes every pixel of an image it shows: 40 MP is ~160 MB already


def check_image(mime: str, data: bytes) -> None:
    """The image opens as what its first bytes say, and a phone can decode it (no decompression bomb)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            size, real = image.size, Image.MIME.get(image.format or "")
            image.verify()  # reads the structure, does not decode the pixels
    except Exception:  # noqa: BLE001 - Pillow raises many kinds (and warns of bombs); all mean "not readable"
        raise InvalidInput(_("Ce fichier est endommagé ou illisible.")) from None
    if real != mime:
        raise InvalidInput(_("Ce fichier est endommagé ou illisible."))
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise InvalidInput(_("Cette image est trop grande pour être affichée (plus de 40 millions de pixels) : "
                              "réduisez-la et réessayez."))


def clean_filename(name: str, mime: str) -> str:
    """The name's last part, printable, with an extension that tells the real type."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip(" .") or "document"
    if not base.lower().endswith(EXTENSIONS[mime]):
        base += EXTENSIONS[mime][0]
    return base[-200:]


async def check_upload(upload: Upload, *, today: date) -> tuple[str, Rendered | None]:
    """Every refusal an upload can earn, before anything is written; returns the real MIME type and,
    for a PDF, its page images and text (a PDF that cannot be shown within the renderer's limits is refused)."""
    if not readable_length(upload.title) or len(upload.title) > 200:
        raise InvalidInput(_("Donnez un titre au document (200 caractères au plus)."))
    if upload.category not in PRO_CATEGORIES:
        raise InvalidInput(_("Choisissez une catégorie."))
    if upload.event_date is None:
        raise InvalidInput(_("Indiquez la date du document (JJ/MM/AAAA)."))
    if upload.event_date > today:
        raise InvalidInput(_("La date du document ne peut pas être dans le futur."))
    if upload.event_date < OLDEST_DATE:
        raise InvalidInput(_("La date du document n'est pas plausible."))
    if not upload.data:
        raise InvalidInput(_("Choisissez un fichier PDF, PNG ou JPEG."))
    if len(upload.data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(_("Le fichier dépasse 20 Mo."))
    mime = sniff_type(upload.data)
    if mime is None:
        raise InvalidInput(_("Seuls les fichiers PDF, PNG et JPEG sont acceptés."))
    declared = upload.declared_type.partition(";")[0].strip().lower()
    if declared and declared != mime:  # only software declares a type: said in the API's French
        raise InvalidInput(f"Le type déclaré ({declared[:60]}) ne correspond pas au contenu du fichier ({mime}).")
    if mime != "application/pdf":
        await to_thread.run_sync(check_image, mime, upload.data)
        return mime, None
    try:
        return mime, await render_pdf(upload.data)
    except Unrenderable as refused:
        raise InvalidInput(str(refused)) from None


async def write_right(session: AsyncSession, *, account: Account, dossier_id: str) -> tuple[Dossier, Right]:
    """The dossier and the right by which this professional may add to it now; otherwise 404.

    Inside a chained transaction, this sees any revoke or block committed just before.
    """
    dossier = await session.get(Dossier, dossier_id, populate_existing=True)
    right = None
    if dossier is not None and account.professional_id is not None:
        now = utcnow()
        standing = await professional_standing(session, professional_id=account.professional_id, dossier=dossier, now=now)
        right = dossier_right(standing, dossier_facts(dossier), now)
    if dossier is None or right not in WRITE_RIGHTS:
        await session.rollback()
        raise NotFoundException()
    return dossier, right


async def add_professional_document(
    session: AsyncSession, storage: Storage, *, account: Account, dossier_id: str, upload: Upload, today: date
) -> Document:
    """File a document in a dossier as its author; the document and its access event commit together."""
    [(document, _)] = await add_professional_documents(session, storage, account=account, dossier_id=dossier_id,
                                                       uploads=[upload], today=today)
    return document


async def add_professional_documents(
    session: AsyncSession, storage: Storage, *, account: Account, dossier_id: str, uploads: list[Upload], today: date,
    via: str = "",
) -> list[tuple[Document, bool]]:
    """File documents in a dossier as their author, all or none: each with its access event (and the
    patient's notification), in one transaction. Returns each document and whether it is new: one whose
    `master_identifier` the dossier already holds is not stored again, and that one is returned.

    Everything is checked before a file is stored, so a refusal leaves neither a file nor a row.
    The right is checked first too: no one makes the server render a PDF for a dossier they cannot write to.
    `via` names the software that sent them, in the log ("via le logiciel « … »").
    """
    await write_right(session, account=account, dossier_id=dossier_id)
    await session.commit()
    checked = [await check_upload(upload, today=today) for upload in uploads]
    await audit.begin_chained(session)
    # Locked before the right is read again: a revoke, or the same document sent twice at once, is seen.
    await audit.lock_chain(session, dossier_id=dossier_id)
    dossier, right = await write_right(session, account=account, dossier_id=dossier_id)
    professional = await session.get(Professional, account.professional_id)
    actor = audit.Actor.professional(account, professional)
    minor = is_minor(await session.get(Patient, dossier.patient_id), utcnow())
    filed: list[tuple[Document, bool]] = []
    try:
        for upload, (mime, rendered) in zip(uploads, checked, strict=True):
            known = await _with_master_identifier(session, dossier_id=dossier.id, value=upload.master_identifier)
            if known is not None:
                filed.append((known, False))
                continue
            document = await add_document(
                session, storage, dossier=dossier, title=upload.title, category=upload.category,
                event_date=upload.event_date, filename=clean_filename(upload.filename, mime), mime_type=mime,
                data=upload.data, pages=rendered.pages if rendered else None, text=rendered.text if rendered else "",
                author=professional, added_by=account, commit=False,
            )
            document.master_identifier = upload.master_identifier
            document.hidden_from_representatives = upload.hidden_from_representatives and minor
            detail = "réservé au patient, sans ses représentants légaux" if document.hidden_from_representatives else via
            event = await audit.append(session, dossier_id=dossier.id, action="add_document", actor=actor,
                                       right=right.value, document=document, detail=detail)
            await notify.record(session, dossier=dossier, event=event)
            filed.append((document, True))
    except BaseException:
        await session.rollback()
        raise
    await audit.commit_chained(session)
    return filed


async def _with_master_identifier(session: AsyncSession, *, dossier_id: str, value: str | None) -> Document | None:
    if value is None:
        return None
    rows = await session.exec(select(Document).where(Document.dossier_id == dossier_id,
                                                     Document.master_identifier == value))
    return rows.first()


# --- opening a dossier in person ----------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    ins: str
    given_name: str
    family_name: str
    birth_date: date | None
    sex: str
    consent: bool


def check_identity(identity: Identity, *, today: date) -> None:
    """What the professional typed, checked against itself: the INS carries the sex, year and month of birth."""
    ins = normalize_ins(identity.ins)
    if not is_valid_ins(ins):
        raise InvalidInput(_("Ce matricule INS n'est pas valide : vérifiez les 15 caractères sur la carte Vitale."))
    if not readable_length(identity.given_name) or not readable_length(identity.family_name):
        raise InvalidInput(_("Saisissez le prénom et le nom du patient."))
    if len(identity.given_name) > 100 or len(identity.family_name) > 100:
        raise InvalidInput(_("Le prénom et le nom font 100 caractères au plus."))
    if identity.birth_date is None or not OLDEST_DATE <= identity.birth_date <= today:
        raise InvalidInput(_("Saisissez une date de naissance valide (JJ/MM/AAAA)."))
    if identity.sex not in ("F", "M"):
        raise InvalidInput(_("Indiquez le sexe du patient."))
    month = int(ins[3:5])
    if (ins[0] != ("1" if identity.sex == "M" else "2") or ins[1:3] != f"{identity.birth_date.year % 100:02d}"
            or (1 <= month <= 12 and month != identity.birth_date.month)):
        raise InvalidInput(_("Le matricule INS ne correspond pas au sexe ou à la date de naissance saisis."))
    if not identity.consent:
        raise InvalidInput(_("Le patient doit consentir à l'ouverture de son dossier : cochez la case avec lui."))


@dataclass(frozen=True)
class OpenedDossier:
    patient: Patient
    dossier: Dossier
    code: str
    expires_at: datetime
    issued_by: str


class AlreadyOpen(InvalidInput):
    """The INS has a dossier: said in the same words whatever the rest of the identity, and counted."""


ALREADY_OPEN = N_("Impossible d'ouvrir un dossier avec ces informations. Si le patient a déjà un dossier Carnet, "
                   "il s'y connecte avec sa clé d'accès, ou demande un nouveau code à sa caisse d'assurance maladie.")


async def open_dossier_in_person(
    session: AsyncSession, *, account: Account, identity: Identity, today: date
) -> OpenedDossier:
    """Create the patient's dossier, its first access event and an activation code, in one transaction.

    An INS that already has a dossier is refused with the same words whether the typed identity
    matches it or not, and the attempt goes into that dossier's log: its patient sees who tried.
    The code is valid IN_PERSON_DAYS only: the professional saw it (accounts.finish_activation
    says what happens to a passkey they might have made with it).
    """
    check_identity(identity, today=today)
    professional = await session.get(Professional, account.professional_id)
    actor = audit.Actor.professional(account, professional)
    issued_by = f"{professional.given_name} {professional.family_name}, {professional.profession}"
    await audit.begin_chained(session)
    existing = (await session.exec(select(Patient).where(Patient.ins == normalize_ins(identity.ins)))).first()
    if existing is not None:
        same = (existing.birth_date == identity.birth_date and fold(existing.family_name) == fold(identity.family_name)
                and fold(existing.given_name) == fold(identity.given_name))
        dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == existing.id))).first()
        await audit.append(session, dossier_id=dossier.id, action="dossier_open_refused", actor=actor,
                           detail="identité saisie identique à la vôtre" if same else "identité saisie différente")
        await audit.commit_chained(session)
        raise AlreadyOpen(_(ALREADY_OPEN))
    try:
        # create_patient continues the write transaction (BEGIN IMMEDIATE on SQLite) and refuses a known INS.
        patient, dossier = await create_patient(
            session, ins=identity.ins, given_name=" ".join(identity.given_name.split()),
            family_name=" ".join(identity.family_name.split()), birth_date=identity.birth_date, sex=identity.sex,
            commit=False,
        )
        await audit.append(session, dossier_id=dossier.id, action="dossier_opened", actor=actor,
                           detail="en présence du patient, avec son consentement")
        code = await issue_activation_code(session, patient=patient, issued_by=issued_by, valid_days=IN_PERSON_DAYS,
                                           commit=False)
        await audit.commit_chained(session)
    except (IntegrityError, InvalidInput):  # the same INS, created at this very moment by someone else
        await session.rollback()
        raise AlreadyOpen(_(ALREADY_OPEN)) from None
    except BaseException:
        await session.rollback()
        raise
    activation = (await session.exec(select(ActivationCode).where(ActivationCode.patient_id == patient.id))).first()
    return OpenedDossier(patient=patient, dossier=dossier, code=code, expires_at=activation.expires_at, issued_by=issued_by)
