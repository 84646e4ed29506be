"""The in-app banner: what a reader of the dossier (its patient, a caregiver) has not seen yet of what they were
told, and marking it seen, each reader for themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import journal, phrases, queries, visits
from ..db import begin_write
from ..models import AccessEvent, Account, BannerSeen, Dossier, Notification
from ..templating import PARIS

BANNER_LINES = 3
MORE_CAP = 99  # "Et 99 autres" at most: counting further would cost what the log weighs


@dataclass(frozen=True)
class Banner:
    dossier_id: str
    lines: list[str]  # the newest few, as the Historique says them
    more: int  # how many others are unseen
    up_to: int  # the newest one's event id: "Vu" clears up to there, not what came after
    # Whether all of them are professionals' reads: "nouveaux accès" says so; a new document, a relative who left or
    # a blocked link is not an access ("nouveautés").
    accesses_only: bool = True

    def __bool__(self) -> bool:
        return bool(self.lines)


async def unseen(session: AsyncSession, *, dossier: Dossier, viewer: journal.Viewer, now: datetime,
                 visible: ColumnElement[bool] | None = None) -> Banner:
    """Notifications this reader has not marked seen yet, newest first.

    Emergencies are left to the review block above the timeline (issue 4), which already
    shows each one with its reason and asks the patient to keep it or block the professional.
    """
    # The newest few, and how many more up to a bound: the banner costs what it shows.
    params = {"dossier_id": dossier.id, "viewer": viewer.account_id or ""}
    statement = (_unseen_for_all() if visible is None or visible is true()  # all but a minor's parents: built once
                 else _unseen_statement(visible))
    return await _banner(session, dossier=dossier, viewer=viewer, now=now,
                         events=list((await session.exec(statement, params=params)).all()))


async def unseen_count(session: AsyncSession, *, dossier: Dossier, viewer: journal.Viewer,
                       visible: ColumnElement[bool] | None = None) -> int:
    """How many notifications of the dossier this reader has not marked seen (BANNER_LINES + MORE_CAP + 1 at most):
    "Mes dossiers" says it of each dossier, where news of one not open was seen nowhere (an outside probe's find)."""
    params = {"dossier_id": dossier.id, "viewer": viewer.account_id or ""}
    statement = _unseen_for_all() if visible is None or visible is true() else _unseen_statement(visible)
    return len((await session.exec(statement, params=params)).all())


async def unseen_and_new(session: AsyncSession, *, dossier: Dossier, account: Account, viewer: journal.Viewer,
                         now: datetime, visible: ColumnElement[bool] | None = None) -> tuple[Banner, int]:
    """`unseen`, and in the same question the Historique's count of new events (visits.new_events_statement): what the
    timeline of a dossier's holder shows above its documents."""
    own = account.patient_id is not None and account.patient_id == dossier.patient_id
    params = {"dossier_id": dossier.id, "viewer": viewer.account_id or "", "account_id": account.id}
    statement = (_unseen_and_new_for_all(own) if visible is None or visible is true()
                 else _unseen_and_new(own, visible))
    rows = (await session.exec(statement, params=params)).all()
    # No notification: one row, the count's alone. Newest first, as `unseen`'s: SQL keeps no order through a join,
    # so the rows (a hundred at most) are put in it here, not by a sort in the database.
    events = sorted((row for row in rows if row.id is not None), key=lambda row: row.id, reverse=True)
    return await _banner(session, dossier=dossier, viewer=viewer, now=now, events=events), rows[0].new_events


async def _banner(session: AsyncSession, *, dossier: Dossier, viewer: journal.Viewer, now: datetime,
                  events: list) -> Banner:
    shown = events[:BANNER_LINES]
    today = now.astimezone(PARIS).date()
    withdrawn = await queries.withdrawn_among(session, shown)
    lines = [journal.sentence(e, viewer=viewer, today=today, withdrawn=withdrawn) for e in shown]
    return Banner(dossier.id, lines, len(events) - len(shown), shown[0].id if shown else 0,
                  all(e.action in phrases.READS for e in events))


@cache
def _unseen_and_new_for_all(own_dossier: bool) -> Select:
    return _unseen_and_new(own_dossier, None)


def _unseen_and_new(own_dossier: bool, visible: ColumnElement[bool] | None) -> Select:
    """The count on a row of its own, the banner's events joined to it (none: the count alone, the rest NULL)."""
    count = select(visits.new_events_statement(own_dossier, visible).scalar_subquery().label("new_events")).subquery()
    banner = _unseen_statement(visible).subquery()
    return select(count.c.new_events, *banner.c).select_from(count).outerjoin(banner, true())


@cache
def _unseen_for_all() -> Select:
    return _unseen_statement(None)


def _unseen_statement(visible: ColumnElement[bool] | None) -> Select:
    # The table's columns: the banner's events are only shown (as the Historique's, views/log.py).
    seen = select(func.coalesce(func.max(BannerSeen.event_id), 0)).where(  # one statement, not two
        BannerSeen.account_id == bindparam("viewer"), BannerSeen.dossier_id == bindparam("dossier_id"),
    ).scalar_subquery()
    return (
        select(*AccessEvent.__table__.c)  # type: ignore[attr-defined]
        .join(Notification, Notification.event_id == AccessEvent.id)  # type: ignore[arg-type]
        .where(Notification.dossier_id == bindparam("dossier_id"), Notification.event_id > seen,
               AccessEvent.action != "emergency", visible if visible is not None else true(),
               # Never one's own doing (a caregiver who accepted an invitation is not told of it).
               or_(AccessEvent.actor_account_id.is_(None), AccessEvent.actor_account_id != bindparam("viewer")))  # type: ignore[union-attr]
        # Newest first by the notification's own index (migration 0023): a dossier's events take their ids in
        # the order of their numbers (appended one at a time, under the chain's lock), so no sort is needed.
        .order_by(Notification.event_id.desc())  # type: ignore[attr-defined]
        .limit(BANNER_LINES + MORE_CAP + 1)
    )


async def mark_seen(session: AsyncSession, *, account_id: str, dossier: Dossier, up_to: int) -> None:
    """This reader has seen the dossier's notifications up to the event `up_to`; it never moves back, and it is
    theirs alone (a caregiver's "Vu" leaves the patient's banner as it was)."""
    await begin_write(session)  # this session has read already (db.begin_write says why that matters)
    await visits.banner_seen_up_to(session, account_id=account_id, dossier_id=dossier.id, event_id=up_to)
    await session.commit()


async def newest(session: AsyncSession, *, dossier_id: str) -> int:
    """The event id of the dossier's newest notification, or 0."""
    statement = select(func.coalesce(func.max(Notification.event_id), 0)).where(Notification.dossier_id == dossier_id)
    return (await session.exec(statement)).one()
