"""What the Historique's page gives its reader's device to check each event shown (static/js/journal-verify.js,
issue 14): the event's hashed fields as the chain hashed them, and once it is in the transparency log, its leaf's
index and salt. An event whose document its author withdrew since (journal.withheld) comes without its title, and
with its stored hash instead: the device checks its place in the chain and in the log, not its content."""

from __future__ import annotations

import base64
from collections.abc import Container
from dataclasses import dataclass
from functools import cache

import msgspec
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from sqlalchemy import Row, Select, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AccessEvent
from ..tlog.store import TlogLeaf
from .audit import HASHED_FIELDS, timestamp
from .journal import withheld


def hashed_fields(event: AccessEvent) -> dict:
    """The event's fields exactly as `audit.event_hash` hashes them (its canonical JSON is the script's to make)."""
    values = event._asdict() if isinstance(event, Row) else {name: getattr(event, name) for name in HASHED_FIELDS}
    content = {name: values[name] for name in HASHED_FIELDS}  # (a row's names, at once: faster than one by one)
    content["at"] = timestamp(event.at)
    return content


def checked_fields(event: AccessEvent, withdrawn: Container[str]) -> dict:
    """What the device checks the event by: its hashed fields; for one withheld, all but the title, and the hash
    the chain stored, which it cannot recompute but finds in the log and named by the next event."""
    fields = hashed_fields(event)
    if not withheld(event, withdrawn):
        return {"fields": fields}
    del fields["document_title"]
    return {"hash": event.hash, "fields": fields}


@dataclass(frozen=True)
class JournalEntry:
    integrated: bool  # in the transparency log: its leaf can be recomputed (index, salt)
    json: Markup  # what journal-verify.js reads, safe in a single-quoted attribute
    withheld: bool  # its document withdrawn by its author since: checked by its place in the chain alone


async def journal_entries(db: AsyncSession, events: list[AccessEvent],
                          withdrawn: Container[str] = ()) -> dict[int, JournalEntry]:
    """For each event, its hashed fields (its place in the dossier's chain: seq, prev_hash) and, once it is in
    the transparency log, what recomputes its leaf: index and salt. `withdrawn`: queries.withdrawn_among's.

    Only the dossier's readers see this page, so the salts (which let a leaf be matched to its event)
    are theirs; events not yet integrated (within a second or two) have none, and are shown as such.
    """
    if events and hasattr(events[0], "leaf_index"):  # read with the page's events (pages.log_page's `leaves`)
        rows = [(event.id, event.leaf_index, event.salt) for event in events if event.leaf_index is not None]
    else:
        ids = [event.id for event in events]
        rows = (await db.exec(_leaves_of(), params={"ids": ids})).all() if ids else []
    leaves = {event_id: {"index": index, "salt": base64.b64encode(salt).decode()} for event_id, index, salt in rows}
    # Compact, as it is (Jinja's `tojson` sorts and spaces it, a fifth of the page's time for 20 events), by
    # msgspec (Litestar's JSON): the same text as json.dumps's, a ninth of its time.
    return {event.id: JournalEntry(event.id in leaves, htmlsafe_json_dumps(
        {"seq": event.seq, **leaves.get(event.id, {}), **checked_fields(event, withdrawn)}, dumps=_compact),
        withheld(event, withdrawn)) for event in events}


def _compact(value: object) -> str:
    return msgspec.json.encode(value).decode()


@cache
def _leaves_of() -> Select:
    """Built once: every Historique page asks it (listing says why)."""
    return select(TlogLeaf.event_id, TlogLeaf.leaf_index, TlogLeaf.salt).where(
        col(TlogLeaf.event_id).in_(bindparam("ids", expanding=True)))
