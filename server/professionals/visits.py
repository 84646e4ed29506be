"""What is new to a professional in a dossier: the documents added since their last visit, which "Mes patients"
counts and the timeline marks "Nouveau" and lists first. Each through the rule's `Visibility`, as the timeline asks
for its documents (listing): never one they may not read, nor a trace of it in a count."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnElement, Insert, Row, Select, bindparam, case, func, or_, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import Visibility
from ..db import upsert
from ..access.rule_sql import reader_params, shape_of, visible_clause
from ..listing import SHOWN
from ..models import Document, TimelineVisit

# Openings of a dossier closer together than this are one visit: back from a document, or a page further down, what
# was new when it began is still marked so.
VISIT_GAP = timedelta(minutes=30)
NEW_CAP = 99  # "Plus de 99": a count that costs what it shows, not what the dossier weighs

_DOCUMENTS = Document.__table__.c  # type: ignore[attr-defined]
_VISITS = TimelineVisit.__table__  # type: ignore[attr-defined]


async def mark_opening(session: AsyncSession, *, professional_id: str, dossier_id: str, at: datetime) -> datetime:
    """This professional opens the dossier's documents at `at`, in the caller's transaction: the read's, under the
    chain's lock, so a document filed meanwhile is either shown now or new to them later. Returns what this visit
    counts as new from: their last opening before it (their first visit: its first opening, what came after it)."""
    statement = _mark(session.get_bind().dialect.name)
    params = {"professional_id": professional_id, "dossier_id": dossier_id, "opened_at": at, "new_since": at,
              "visit_start": at - VISIT_GAP}
    return (await session.exec(statement, params=params)).scalar_one()  # type: ignore[call-overload]


@cache
def _mark(dialect: str) -> Insert:
    """One statement, in the chain's lock: their latest opening moved to now and, if it was a visit ago, it becomes
    what this visit counts from."""
    last = _VISITS.c.opened_at
    visit_ended = last <= bindparam("visit_start", type_=last.type)
    return upsert(dialect, _VISITS, ("professional_id", "dossier_id"), updated=(
        ("new_since", case((visit_ended, last), else_=_VISITS.c.new_since)),
    )).returning(_VISITS.c.new_since)


def _added_since(since: ColumnElement, professional_id: ColumnElement | str) -> list[ColumnElement[bool]]:
    """Added after `since`, as the timeline shows it (the latest version), by anyone but this professional."""
    return [_DOCUMENTS.created_at > since, _DOCUMENTS.superseded_at.is_(None),
            or_(_DOCUMENTS.author_professional_id.is_(None), _DOCUMENTS.author_professional_id != professional_id)]


async def count_new(session: AsyncSession, *, dossier_id: str, visible: Visibility, professional_id: str,
                    since: datetime) -> int:
    """How many documents this reader sees were added since `since`, up to NEW_CAP + 1."""
    params = reader_params(dossier_id, visible, "") | {"since": since, "professional_id": professional_id}
    return (await session.exec(_count_statement(shape_of(visible)), params=params)).one()  # type: ignore[call-overload]


async def new_documents(session: AsyncSession, *, dossier_id: str, visible: Visibility, professional_id: str,
                        since: datetime) -> list[Row]:
    """The documents this reader sees that were added since `since`, the latest added first, up to NEW_CAP + 1:
    rows to show, as the timeline's."""
    params = reader_params(dossier_id, visible, "") | {"since": since, "professional_id": professional_id}
    rows = await session.exec(_page_statement(shape_of(visible)), params=params)  # type: ignore[call-overload]
    return list(rows.all())


def _new(shape: Visibility) -> Select:
    """Built once for each shape of reader (listing says why), through ix_document_added."""
    return select(*SHOWN).where(
        _DOCUMENTS.dossier_id == bindparam("dossier_id"), _DOCUMENTS.deleted_at.is_(None),
        visible_clause(shape, bound=False),
        *_added_since(bindparam("since", type_=_DOCUMENTS.created_at.type), bindparam("professional_id")),
    ).order_by(_DOCUMENTS.created_at.desc(), _DOCUMENTS.id.desc()).limit(NEW_CAP + 1)


@cache
def _page_statement(shape: Visibility) -> Select:
    return _new(shape)


@cache
def _count_statement(shape: Visibility) -> Select:
    return select(func.count()).select_from(_new(shape).with_only_columns(_DOCUMENTS.id).subquery())


async def new_counts(session: AsyncSession, *, professional_id: str,
                     visible: dict[str, Visibility]) -> dict[str, int]:
    """For each dossier (its id, and what this professional sees of it), how many documents were added since their
    last opening of it, up to NEW_CAP + 1; none for a dossier they never opened. One statement for them all: a part
    for each kind of reader they are (a médecin traitant's dossiers alike, a grant's of each set of categories)."""
    alike: dict[Visibility, list[str]] = defaultdict(list)
    for dossier_id, seen in visible.items():
        alike[seen].append(dossier_id)
    if not alike:
        return {}
    visits = _VISITS.c
    parts = []
    for seen, dossier_ids in alike.items():
        added = (select(_DOCUMENTS.id).where(
            _DOCUMENTS.dossier_id == visits.dossier_id, _DOCUMENTS.deleted_at.is_(None), visible_clause(seen),
            *_added_since(visits.opened_at, professional_id),
        ).limit(NEW_CAP + 1).correlate(_VISITS).subquery())
        count = select(func.count()).select_from(added).scalar_subquery()
        parts.append(select(visits.dossier_id, count.label("new")).where(
            visits.professional_id == professional_id, visits.dossier_id.in_(dossier_ids)))
    rows = (await session.exec(union_all(*parts) if len(parts) > 1 else parts[0])).all()  # type: ignore[call-overload]
    return {dossier_id: new for dossier_id, new in rows}
