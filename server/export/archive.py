"""A dossier's complete copy, as one ZIP: every document the exporter sees, the International Patient Summary,
the whole access log (CSV and FHIR AuditEvents: logfiles.py), the reimbursed care the exporter sees on the Soins
page (CSV and FHIR ExplanationOfBenefits: carefiles.py), a PDF summary and a LISEZMOI; `restore.py` reads it back,
all but the care, which comes to a dossier from the Assurance Maladie's feed, by INS (of the care, only what the
patient hid: hidden_care.py).
A minor's legal representative is given the log without the dossier's numbering and chain (`chained`).

The ZIP is written into a file the caller gives (a SpooledTemporaryFile for a response): one document's bytes
at a time are in memory, and the log and the care are read a batch at a time. Everything FHIR is validated by the
R4B models before it is written. The IPS is `summary_bundle`'s, with what a copy needs to be read back exactly
(ips_copy.py).
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import IO

import anyio
from sqlalchemy import ColumnElement, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import i18n
from ..accesslog import audit, visits
from ..accesslog.csvrows import WITHHELD_TITLE
from ..access.rule import Visibility
from ..authors import adders_of, labelled
from ..dossiers import professionals_by_id
from ..fhir.ips import Compiler
from ..files.store import IntegrityError, Storage, StorageUnavailable
from ..listing import all_documents, selection
from ..models import AccessEvent, ChainHead, Document, Dossier, Patient, utcnow
from ..profile.items import declarers_of, profile_of
from ..reimbursements.seen import count_seen
from ..templating import date_fr, datetime_fr, de
from .carefiles import CARE_CSV_NAME, CARE_FHIR_NAME, care_since, write_care_claims, write_care_csv
from .choices import choices_of
from .ips_copy import ips_bundle, zip_path
from .logfiles import LOG_CSV_NAME, LOG_FHIR_NAME, entry_info, write_audit_events, write_log_csv

log = logging.getLogger("carnet.export")

PATIENT_VIEW = Visibility(general=True, hidden_too=True)  # the patient's own copy: hidden documents included
IPS_NAME = "synthese-ips.json"
PDF_NAME = "synthese.pdf"
README_NAME = "LISEZMOI.txt"


# --- what the page says before the download ---------------------------------------------------


@dataclass(frozen=True)
class Outline:
    documents: int
    document_bytes: int
    items: int
    events: int
    care: int = 0
    replaced: int = 0  # of `documents`, versions a correction replaced: the timeline lists the latest alone

    @property
    def approximate_bytes(self) -> int:
        # Documents are mostly compressed already (PDF, JPEG, PNG); the summaries, the log and the care add a little.
        return self.document_bytes + 60_000 + 400 * self.events + 1_500 * self.items + 300 * self.care


async def outline(session: AsyncSession, *, dossier_id: str, visible: Visibility,
                  log_visible: ColumnElement[bool] | None = None) -> Outline:
    """How much the copy will hold, counted by the database (nothing read)."""
    count, size, replaced = (await session.exec(select(func.count(), func.coalesce(func.sum(Document.size), 0),
                                                       func.count(Document.superseded_at))
                                                .where(*selection(dossier_id, visible, "")))).one()
    profile = await profile_of(session, dossier_id=dossier_id, visible=visible)
    if log_visible is None:  # the whole log: its events are numbered from 1, the head holds the last number
        events = (await session.exec(select(ChainHead.seq).where(ChainHead.dossier_id == dossier_id))).first() or 0
    else:  # a parent's: what is kept from them left out, counted
        events = (await session.exec(select(func.count()).select_from(AccessEvent).where(
            AccessEvent.dossier_id == dossier_id, log_visible))).one()
    care = await count_seen(session, dossier_id=dossier_id, visible=visible, since=care_since(utcnow()))
    return Outline(documents=count, document_bytes=int(size), items=profile.count(), events=events, care=care,
                   replaced=replaced)


# --- the export, itself an access event ----------------------------------------------------------


async def record_export(session: AsyncSession, *, dossier: Dossier, actor: audit.Actor) -> None:
    """The export in the access log, committed before the copy leaves the server."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    await audit.append(session, dossier_id=dossier.id, action="export", actor=actor)
    await audit.commit_chained(session)


def copy_document(archive: zipfile.ZipFile, storage: Storage, document: Document, now: datetime) -> bool:
    """One document's bytes into the ZIP (run in a thread: reading and deflating 20 MB takes a while)."""
    try:
        data = storage.get(document.storage_key, sha256=document.sha256)
    except (FileNotFoundError, IntegrityError, StorageUnavailable) as problem:
        log.error("export: document %s unreadable (%s)", document.id, type(problem).__name__)
        return False
    archive.writestr(entry_info(zip_path(document), now), data)
    return True


async def write_export(session: AsyncSession, storage: Storage, out: IO[bytes], *, dossier: Dossier, patient: Patient,
                       now: datetime, visible: Visibility = PATIENT_VIEW,
                       log_visible: ColumnElement[bool] | None = None, chained: bool = True,
                       by_patient: bool = True, compiler: Compiler | None = None) -> None:
    """Write the copy into `out`: what `visible` admits (the exporter's view, of the care too) and the events
    `log_visible` keeps (a minor's parents see no trace of what was kept from them); `chained`: the log with the
    dossier's own numbers and hashes (for anyone but a legal representative: caregivers/confidential.py);
    `by_patient`: the patient makes it, not a caregiver (the LISEZMOI speaks to whoever does), `compiler` (the summary's
    author, fhir/ips.py)."""
    with i18n.speaking(i18n.SOURCE):  # the copy is a French document, whatever the page's language
        profile = await profile_of(session, dossier_id=dossier.id, visible=visible)
        declarers = await declarers_of(session, profile=profile, patient=patient)
        documents = await all_documents(session, dossier_id=dossier.id, visible=visible)
        professionals = await professionals_by_id(session, {d.author_professional_id for d in documents
                                                            if d.author_professional_id})
        adders = await adders_of(session, documents)
        item_adders = await adders_of(session, [item for kind in profile.by_kind.values() for item in kind])
        bundle = ips_bundle(patient=patient, profile=profile, documents=documents, now=now,
                            document_authors=professionals, document_adders=adders, item_adders=item_adders,
                            choices=choices_of(dossier) if chained else [], whole=chained, compiler=compiler)
        filed = [d for d in documents if d.withdrawn_at is None]  # a withdrawn one's content is erased: a line
        through = await visits.head_seq(session, dossier_id=dossier.id)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            missing = set()
            for document in filed:
                if not await anyio.to_thread.run_sync(copy_document, archive, storage, document, now):
                    missing.add(document.id)
            archive.writestr(entry_info(IPS_NAME, now), bundle.model_dump_json(exclude_none=True, indent=1))
            events = await write_log_csv(session, archive, dossier_id=dossier.id, through=through, now=now,
                                         visible=log_visible, chained=chained)
            await write_audit_events(session, archive, patient=patient, dossier_id=dossier.id, through=through, now=now,
                                     visible=log_visible, chained=chained)
            since = care_since(now)
            care = await write_care_csv(session, archive, dossier_id=dossier.id, visible=visible, since=since, now=now,
                                        insurer_ids=chained)
            await write_care_claims(session, archive, patient=patient, dossier_id=dossier.id, visible=visible,
                                    since=since, now=now, insurer_ids=chained)
            authors = labelled(documents, professionals, adders)  # as anyone reads them: no "Vous" on a copy
            pdf = await anyio.to_thread.run_sync(partial(  # a table of a thousand documents takes a moment to lay out
                _summary_pdf, patient=patient, profile=profile, documents=documents, authors=authors, now=now,
                missing=frozenset(missing), declarers=declarers, whole=chained, care=care, care_from=since))
            archive.writestr(entry_info(PDF_NAME, now), pdf)
            archive.writestr(entry_info(README_NAME, now), readme(
                patient=patient, now=now, documents=len(filed), items=profile.count(), events=events,
                care=care, care_from=since, missing=[d for d in documents if d.id in missing], by_patient=by_patient,
                chained=chained))


def _summary_pdf(**kwargs) -> bytes:
    # Imported here, in the worker thread, not with the module: fpdf2 and the fontTools it brings take ~30 MB and
    # 0.4 s, which a server process would hold for every request, and most never ask for a copy
    # (bench/RESULTS.md); nor does the first copy's import hold up the event loop.
    from .pdf import summary_pdf

    return summary_pdf(**kwargs)


async def build_export(session: AsyncSession, storage: Storage, *, dossier: Dossier, patient: Patient, now: datetime,
                       visible: Visibility = PATIENT_VIEW, log_visible: ColumnElement[bool] | None = None,
                       chained: bool = True, by_patient: bool = True) -> bytes:
    """The copy as bytes (the web page streams `write_export`'s file instead)."""
    out = io.BytesIO()
    await write_export(session, storage, out, dossier=dossier, patient=patient, now=now, visible=visible,
                       log_visible=log_visible, chained=chained, by_patient=by_patient)
    return out.getvalue()


def readme(*, patient: Patient, now: datetime, documents: int, items: int, events: int, care: int, care_from: date,
           missing: list[Document], by_patient: bool = True, chained: bool = True) -> str:
    """The LISEZMOI, in French, to whoever made the copy: the patient ("votre"), or a caregiver. Without the chain
    (a legal representative), it claims neither a complete log nor a chain: the same words for every one of them."""
    name = f"{patient.given_name} {patient.family_name}"
    whose = "votre identité, votre profil médical" if by_patient else f"l'identité {de(name)}, son profil médical"
    # Out of the f-strings, so that the catalogue's extractor finds them. None is "aucun": French plurals put 0 with
    # 1 ("0 soin"), which no one says. Never no event: the copy's own export is logged before it is written.
    document_count = (i18n.ngettext("%(num)d document", "%(num)d documents", documents) if documents
                      else i18n._("aucun document"))
    item_count = (i18n.ngettext("%(num)d information", "%(num)d informations", items) if items
                  else i18n._("aucune information"))
    event_count = i18n.ngettext("%(num)d événement", "%(num)d événements", events)
    care_count = i18n.ngettext("%(num)d soin", "%(num)d soins", care) if care else i18n._("aucun soin")
    # The log, and what can be said of it: its chain, or (a representative's) only what it holds.
    log_file, log_note = (
        f"{LOG_CSV_NAME}  L'historique complet des accès ({event_count}) : qui a consulté ou modifié "
        "le dossier, quand, et à quel titre. Il s'ouvre dans un tableur (séparateur point-virgule).",
        "Chaque événement de l'historique porte l'empreinte (hash) du précédent : une modification se verrait. "
        f"Chacun peut recalculer l'empreinte d'un événement avec {LOG_CSV_NAME} seul : c'est le SHA-256, écrit en "
        "hexadécimal, de l'objet JSON de ses champs dossier_id (colonne « dossier »), seq (« numéro », un nombre "
        "entier), at (« horodatage »), action (« code action »), actor_account_id (« compte »), actor_kind (« type "
        "d'acteur »), actor_name (« qui »), actor_profession (« profession »), actor_rpps (« RPPS »), on_behalf_of "
        "(« pour le compte de »), right (« code droit »), document_id (« id document »), document_title "
        "(« document »), detail (« détail ») et prev_hash (« hash précédent ») ; écrit clés triées, sans espace "
        "(séparateurs « , » et « : »), les caractères non ASCII tels quels, en UTF-8. Une case vide de « compte » ou "
        "de « id document » vaut null ; une case de texte qui commence par une apostrophe en a reçu une pour le "
        "tableur : l'enlever. Le hash précédent du premier événement est fait de 64 zéros ; celui de chaque autre "
        "est le hash de l'événement du numéro d'avant. Un événement dont la case « document » vaut "
        f"« {WITHHELD_TITLE} » concerne un document que son auteur a retiré du dossier, où il n'aurait pas dû être : "
        "son titre n'est plus donné, son empreinte ne peut donc pas être recalculée, et seule sa place dans la "
        "chaîne se vérifie (son hash est le hash précédent de l'événement qui le suit).",
    ) if chained else (
        f"{LOG_CSV_NAME}  L'historique des accès ({event_count}) : qui a consulté ou modifié le dossier, "
        "quand, et à quel titre. Il s'ouvre dans un tableur (séparateur point-virgule).",
        "L'historique contient les événements du dossier que vous pouvez voir, du plus récent au plus ancien.",
    )
    lines = [
        f"{'Copie complète' if chained else 'Copie'} du dossier Carnet {de(name)}",
        f"Faite le {datetime_fr(now)}.",
        "",
        "Ce fichier contient des données de santé : gardez-le en lieu sûr et ne le confiez qu'à qui vous voulez.",
        "",
        "Ce que contient cette archive :",
        "",
        f"documents/  Les documents du dossier ({document_count}), chacun dans un dossier à sa date et à son "
        "titre (suivis de son numéro), tels qu'ils ont été déposés (PDF, images, textes), y compris ceux qui sont masqués aux professionnels.",
        "",
        f"{PDF_NAME}  Une synthèse lisible à l'écran ou sur papier : {whose} ({item_count} : allergies, "
        "traitements, antécédents, vaccinations, mesures…) et la liste des documents avec leur date et leur auteur.",
        "",
        f"{IPS_NAME}  La même synthèse au format international des logiciels de santé (FHIR R4B, résumé patient "
        "international « IPS ») : un autre Carnet ou un logiciel médical peut la relire. Elle sert aussi à "
        "recréer le dossier dans une autre installation de Carnet.",
        "",
        log_file,
        "",
        f"{LOG_FHIR_NAME}  Le même historique au format FHIR (un « AuditEvent » par événement), pour un logiciel.",
        "",
        f"{CARE_CSV_NAME}  Les soins remboursés par l'Assurance Maladie depuis le {date_fr(care_from)} "
        f"({care_count}), tels que vous les voyez sur la page « Soins » : date des soins, acte ou produit (code "
        "CCAM, NGAP, CIP13, LPP ou NABM) et libellé, qui l'a fait et qui l'a prescrit, montants payé, de base et "
        "remboursé (en euros), reste à charge après l'Assurance Maladie (une complémentaire santé a pu en "
        "rembourser une partie), et s'il est masqué aux professionnels. Il s'ouvre dans un tableur (séparateur "
        "point-virgule).",
        "",
        f"{CARE_FHIR_NAME}  Les mêmes soins au format FHIR (un « ExplanationOfBenefit » par soin), pour "
        "un logiciel.",
        "",
        f"{README_NAME}  Ce fichier.",
        "",
        log_note,
    ]
    if missing:
        lines += ["", "Attention : le fichier des documents suivants n'a pas pu être lu ; il manque dans cette "
                  "archive (signalez-le à votre Carnet) :"]
        lines += [f"- « {d.title} » ({d.event_date:%d/%m/%Y})" for d in missing]
    return "\r\n".join(lines) + "\r\n"

