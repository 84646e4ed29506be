"""The Historique's exports: every event that passes the filters, as a CSV (accesslog/csvrows.py: the format the
copy of the dossier holds too) or a page to print with the log's signed state."""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass

from litestar import Request, Response, get
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import journal, pages, queries
from ..accesslog.csvrows import CSV_COLUMNS, UNCHAINED_COLUMNS, csv_row
from ..accesslog.journal import Viewer
from ..accesslog.queries import KINDS, PERIODS, LogFilters
from ..caregivers.confidential import KeptFrom, kept_from
from ..caregivers.dossiers import band_of
from ..export.names import download_name
from ..guards import logged_in
from ..i18n import _
from ..models import AccessEvent, Dossier, Patient, utcnow
from ..templating import PARIS
from ..tlog.store import latest_checkpoint
from .log import Kind, filters_from, log_url, managed, reader_named



@dataclass(frozen=True)
class WholeLog:
    """Every event that passes the filters, not a page of them: what the exports hold."""

    dossier: Dossier
    viewer: Viewer
    patient: Patient
    events: list[AccessEvent]
    kept: KeptFrom  # and whether the reader sees the chain (not a minor's representative: numbering.py)
    filters: LogFilters  # resolved: with the professional or the person the URL's token names
    manages: bool  # whether the reader may manage the dossier (its band's menu offers "Accès")


async def whole_log(request: Request, db: AsyncSession, dossier_id: str, filters: LogFilters) -> WholeLog:
    dossier, viewer, patient, manages = await managed(request, db, dossier_id)
    kept = await kept_from(db, dossier_id=dossier.id, account=request.user.account)
    filters = await filters.resolved(db, dossier_id=dossier.id, secret=request.app.state.settings.secret,
                                     hidden_rpps=kept.unnamed_rpps, visible=kept.events())
    events = await pages.log_events(db, dossier_id=dossier.id, filters=filters, now=utcnow(), visible=kept.events())
    return WholeLog(dossier, viewer, patient, events, kept, filters, manages)




@get("/dossiers/{dossier_id:str}/historique.csv", guards=[logged_in])
async def log_csv(request: Request, db: AsyncSession, dossier_id: str, professionnel: str | None = None,
                  kind: Kind = None, periode: str | None = None) -> Response:
    log = await whole_log(request, db, dossier_id, filters_from(professionnel, kind, periode))
    chain = not log.kept.representative
    out = io.StringIO()
    # A semicolon: what a French Excel expects; the BOM makes it read UTF-8 (accents).
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS if chain else UNCHAINED_COLUMNS)
    withdrawn = await queries.withdrawn_among(db, log.events)
    writer.writerows(csv_row(e, chain=chain, withdrawn=withdrawn) for e in log.events)
    name = download_name("carnet-historique", log.patient, utcnow().astimezone(PARIS).date().isoformat(), "csv")
    return Response("\ufeff" + out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@get("/dossiers/{dossier_id:str}/historique/imprimer", guards=[logged_in])
async def log_print(request: Request, db: AsyncSession, dossier_id: str, professionnel: str | None = None,
                    kind: Kind = None, periode: str | None = None) -> Template:
    log = await whole_log(request, db, dossier_id, filters_from(professionnel, kind, periode))
    dossier, kept, filters = log.dossier, log.kept, log.filters
    now = utcnow()
    today = now.astimezone(PARIS).date()
    withdrawn = await queries.withdrawn_among(db, log.events)
    sentences = [(e, journal.record_marked(journal.sentence(e, viewer=log.viewer, today=today, withdrawn=withdrawn),
                                           e, withdrawn)) for e in log.events]
    professionals = {p.key: p.label for p in await queries.professionals_in_log(
        db, dossier_id=dossier.id, secret=request.app.state.settings.secret, hidden_rpps=kept.unnamed_rpps)}
    people = {p.key: _("Vous") if p.you else p.name for p in await queries.people_in_log(
        db, dossier_id=dossier.id, secret=request.app.state.settings.secret, reader_id=request.user.account.id,
        visible=kept.events())} if filters.person_key else {}
    labels = [professionals.get(filters.professional_key, "") or people.get(filters.person_key, ""),
              _(KINDS[filters.kind]) if filters.kind else "",
              _(PERIODS[filters.period][0]) if filters.period else ""]
    chain = not kept.representative  # a minor's representative: no numbers, no chain (accesslog/numbering.py)
    patient_name = f"{log.patient.given_name} {log.patient.family_name}"
    context = {"dossier": dossier, "patient_name": patient_name,
               "reader": await reader_named(db, account=request.user.account, viewer=log.viewer, dossier_id=dossier.id,
                                            patient_name=patient_name), "printed_at": now,
               "sentences": sentences, "now": now, "filter_labels": [label for label in labels if label],
               "back_url": filters.url(log_url(dossier.id)),
               "chain": chain, "checkpoint": await printed_checkpoint(request, db) if chain else None,
               # Whether the CSV leaves a title out (csvrows.WITHHELD_TITLE), whose hash it then cannot recompute.
               "withheld": any(journal.withheld(e, withdrawn) for e in log.events),
               # On screen, the menu stays in the dossier printed (base.html): a relative's, not the reader's own.
               "band": await band_of(db, dossier=dossier, account=request.user.account, now=now, manages=log.manages)}
    return Template("log_print.html", context=context)


async def printed_checkpoint(request: Request, db: AsyncSession) -> dict | None:
    """The log's signed state when the page is printed, and its key: a third party holding the paper can later
    ask the log for a consistency proof from that state (the same check the patient's phone makes)."""
    latest = await latest_checkpoint(db)
    if latest is None:
        return None
    settings, signer = request.app.state.settings, request.app.state.journal_signer
    return {"size": latest.size, "root": base64.b64encode(latest.root).decode(), "origin": signer.name,
            "key": signer.verifier.key, "key_url": f"{settings.origin}/journal/cle",
            "consistency_url": f"{settings.origin}/journal/preuve/consistance?de={latest.size}"}


routes = [log_csv, log_print]
