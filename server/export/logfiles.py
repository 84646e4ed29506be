"""The access log in a dossier's copy (archive.py): the Historique's CSV and a Bundle of FHIR AuditEvents, each
read a batch at a time and written as it is read, so that a log of a million events never sits whole in memory."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import ColumnElement, func, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import pages
from ..accesslog.queries import LogFilters, withdrawn_among
from ..fhir.resources import fhir_instant
from ..models import AccessEvent, Patient
from ..templating import PARIS
from ..accesslog.csvrows import CHAIN_COLUMNS, CSV_COLUMNS, csv_row
from .auditevents import audit_event

LOG_CSV_NAME = "journal-acces.csv"
LOG_FHIR_NAME = "journal-acces-auditevent.json"
LOG_BATCH = 1000
# An AuditEvent's fullUrl: Bundle.entry.fullUrl is an absolute URL, or a urn:uuid / urn:oid for a resource
# with none; each event gets a UUID of its own (version 5, of its dossier and number), the same in every copy.
EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:carnet:fhir:journal")


def entry_info(name: str, now: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=now.astimezone(PARIS).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


async def log_batches(session: AsyncSession, *, dossier_id: str, through: int, now: datetime,
                      visible: ColumnElement[bool] | None) -> AsyncIterator[list[AccessEvent]]:
    """The log up to event `through`, newest first (as the Historique's CSV), a batch at a time."""
    before = through + 1
    while True:
        events = await pages.log_events(session, dossier_id=dossier_id, filters=LogFilters(), now=now,
                                              before=before, limit=LOG_BATCH, visible=visible)
        if not events:
            return
        yield events
        before = events[-1].seq



async def write_log_csv(session: AsyncSession, archive: zipfile.ZipFile, *, dossier_id: str, through: int,
                        now: datetime, visible: ColumnElement[bool] | None, chained: bool = True) -> int:
    """The Historique's CSV (accesslog/csvrows.py: same columns, same cells, less the chain's unless `chained`), every
    event; returns how many."""
    count = 0
    # Picked by name, from the whole row: whatever order accesslog/csvrows.py gives its columns.
    kept = [i for i, name in enumerate(CSV_COLUMNS) if chained or name not in CHAIN_COLUMNS]
    with archive.open(entry_info(LOG_CSV_NAME, now), "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # the BOM: a French Excel reads accents
        writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow([CSV_COLUMNS[i] for i in kept])
        async for events in log_batches(session, dossier_id=dossier_id, through=through, now=now, visible=visible):
            withdrawn = await withdrawn_among(session, events)
            rows = (csv_row(e, withdrawn=withdrawn) for e in events)
            writer.writerows([row[i] for i in kept] for row in rows)
            count += len(events)
        text.flush()
        text.detach()
    return count


async def write_audit_events(session: AsyncSession, archive: zipfile.ZipFile, *, patient: Patient, dossier_id: str,
                             through: int, now: datetime, visible: ColumnElement[bool] | None,
                             chained: bool = True) -> None:
    """A Bundle of type collection, one AuditEvent per event, written as it is read: each entry is validated
    on its own, and the envelope once, so a log of a million events never sits whole in memory. Unless `chained`,
    an event is named by its place in what the reader sees, the oldest 1: no gap, whatever is left out."""
    envelope = Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "timestamp": fhir_instant(now)})
    head = envelope.model_dump_json(exclude_none=True)
    last = None if chained else await events_seen(session, dossier_id=dossier_id, through=through, visible=visible)
    with archive.open(entry_info(LOG_FHIR_NAME, now), "w") as out:
        out.write(head[:-1].encode() + b',"entry":[\n')
        written = 0
        async for events in log_batches(session, dossier_id=dossier_id, through=through, now=now, visible=visible):
            withdrawn = await withdrawn_among(session, events)
            for event in events:
                position = None if last is None else last - written  # newest first: the last number first
                resource = audit_event(event, patient=patient, position=position, withdrawn=withdrawn)
                entry = {"fullUrl": event_url(dossier_id, event, position),
                         "resource": resource.model_dump(mode="json", exclude_none=True)}
                out.write((b",\n" if written else b"") + json.dumps(entry, ensure_ascii=False).encode())
                written += 1
        out.write(b"\n]}\n")


async def events_seen(session: AsyncSession, *, dossier_id: str, through: int,
                      visible: ColumnElement[bool] | None) -> int:
    """How many of the log's events, up to `through`, the reader sees: what `log_batches` gives."""
    return (await session.exec(select(func.count()).select_from(AccessEvent).where(
        AccessEvent.dossier_id == dossier_id, AccessEvent.seq <= through,
        visible if visible is not None else true()))).one()


def event_url(dossier_id: str, event: AccessEvent, position: int | None = None) -> str:
    # A representative's: of their place, never of `seq`; and never a patient's copy's UUID for another event.
    name = f"{dossier_id}/{event.seq}" if position is None else f"{dossier_id}/vu/{position}"
    return f"urn:uuid:{uuid.uuid5(EVENT_NAMESPACE, name)}"
