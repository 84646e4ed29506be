"""What is new in a dossier's log for one reader: the chain's head, how far they have seen it, how many events
since (the Historique's badge), and marking a visit, which marks the banner's notifications seen too."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import unless_busy
from ..models import AccessEvent, Account, BannerSeen, ChainHead, Dossier, LogVisit, utcnow


async def head_seq(session: AsyncSession, *, dossier_id: str) -> int:
    return (await session.exec(_head_seq(), params={"dossier_id": dossier_id})).first() or 0


async def seen_seq(session: AsyncSession, *, account_id: str, dossier_id: str) -> int:
    return (await session.exec(_seen_seq(), params={"account_id": account_id, "dossier_id": dossier_id})).first() or 0


async def head_and_seen(session: AsyncSession, *, account_id: str, dossier_id: str) -> tuple[int, int]:
    """`head_seq` and `seen_seq` in one question: what a Historique page asks first."""
    params = {"account_id": account_id, "dossier_id": dossier_id}
    head, seen = (await session.exec(_head_and_seen(), params=params)).one()
    return head or 0, seen or 0


# Two numbers each Historique page asks: a column each, built once (a model's fresh `get` cost SQLAlchemy
# twice as much, for one number).
@cache
def _head_seq() -> Select:
    return select(ChainHead.seq).where(ChainHead.dossier_id == bindparam("dossier_id"))


@cache
def _seen_seq() -> Select:
    return select(LogVisit.seen_seq).where(LogVisit.account_id == bindparam("account_id"),
                                           LogVisit.dossier_id == bindparam("dossier_id"))


@cache
def _head_and_seen() -> Select:
    return select(_head_seq().scalar_subquery(), _seen_seq().scalar_subquery())


async def seen_up_to(session: AsyncSession, *, account_id: str, dossier_id: str, seq: int) -> None:
    """This account has seen the dossier's log up to `seq` (never moving back), in the caller's transaction. Also
    for someone who starts helping with a dossier, up to the event that says so: what happened before is not news
    to them ("99+ nouveaux événements" on their first visit)."""
    await _mark(session, LogVisit, account_id=account_id, dossier_id=dossier_id, field="seen_seq", value=seq)


async def banner_seen_up_to(session: AsyncSession, *, account_id: str, dossier_id: str, event_id: int) -> None:
    """This reader has seen the dossier's notifications up to the event `event_id` (the banner's "Vu", a visit to the
    Historique); it never moves back, and it is theirs alone (a caregiver's leaves the patient's banner as it was).
    In the caller's transaction. Also for someone who starts helping with a dossier, up to its newest notification:
    what the patient was told before is not news to them."""
    await _mark(session, BannerSeen, account_id=account_id, dossier_id=dossier_id, field="event_id", value=event_id)


async def _mark(session: AsyncSession, model: type[LogVisit] | type[BannerSeen], *, account_id: str, dossier_id: str,
                field: str, value: int) -> None:
    """One reader's mark on a dossier moved up to `value`, never back, in the caller's transaction."""
    mark = await session.get(model, (account_id, dossier_id), populate_existing=True)
    if mark is None:
        session.add(model(account_id=account_id, dossier_id=dossier_id, **{field: value}))
    elif value > getattr(mark, field):
        setattr(mark, field, value)
        mark.seen_at = utcnow()
        session.add(mark)


async def record_visit(session: AsyncSession, *, account_id: str, dossier_id: str, seq: int,
                       seen: int | None = None) -> None:
    """This account has now seen the log up to `seq`; it never moves back. `seen`: what it had seen, if known."""
    # Most visits change nothing: asking first keeps them out of the write lock (SQLite's is the database's).
    if (seen if seen is not None else await seen_seq(session, account_id=account_id, dossier_id=dossier_id)) >= seq:
        return
    # Written by a session of its own, so that its rollback never expires what the page shows; the page's reads
    # are over, and its connection goes back to the pool first: a request holds one connection at a time.
    await session.commit()
    async with type(session)(session.bind, expire_on_commit=False) as own:
        async def mark() -> None:
            await seen_up_to(own, account_id=account_id, dossier_id=dossier_id, seq=seq)
            # The Historique shows every event the banner tells of (notifications.banners): seen there, they are
            # not news on the timeline either, or its two counts would disagree.
            event_id = (await own.exec(select(AccessEvent.id).where(  # type: ignore[call-overload]
                AccessEvent.dossier_id == dossier_id, AccessEvent.seq == seq))).first()
            if event_id is not None:
                await banner_seen_up_to(own, account_id=account_id, dossier_id=dossier_id, event_id=event_id)

        try:
            await unless_busy(own, mark)  # busy: what the page showed as new is new once more at the next visit
        except IntegrityError:  # the same first visit from another tab, a moment ago (PostgreSQL)
            await own.rollback()

NEW_CAP = 99  # "99+": a count that costs what the badge shows, not what the log weighs


def new_events_statement(own_dossier: bool, visible: ColumnElement[bool] | None) -> Select:
    """How many events came since this account's last visit to the dossier's Historique, its own actions left out,
    up to NEW_CAP + 1 (the badge says "99+"): asked with a whole Historique page's head (`head_seen_and_new`) and
    with the timeline's banner (notifications/banners.py)."""
    # The table's columns, not the model's attributes: a statement of them alone skips the ORM (listing).
    events, visits = AccessEvent.__table__.c, LogVisit.__table__.c  # type: ignore[attr-defined]
    seen = select(func.coalesce(func.max(visits.seen_seq), 0)).where(  # one query, not two
        visits.account_id == bindparam("account_id"), visits.dossier_id == bindparam("dossier_id")).scalar_subquery()
    query = select(events.id).where(
        events.dossier_id == bindparam("dossier_id"), visible if visible is not None else true(),
        events.seq > seen,
        or_(events.actor_account_id.is_(None), events.actor_account_id != bindparam("account_id")),
    )
    if own_dossier:
        query = query.where(events.actor_kind != "patient")
    capped = query.order_by(events.seq.desc()).limit(NEW_CAP + 1).subquery()
    return select(func.count()).select_from(capped)


async def head_seen_and_new(session: AsyncSession, *, account: Account, dossier: Dossier,
                            visible: ColumnElement[bool] | None = None) -> tuple[int, int, int]:
    """`head_and_seen` and the count of new events (`new_events_statement`) in one question: what a whole Historique
    page asks first."""
    own = account.patient_id is not None and account.patient_id == dossier.patient_id
    params = {"account_id": account.id, "dossier_id": dossier.id}
    statement = (_head_seen_and_new_for_all(own) if visible is None or visible is true()
                 else _head_seen_and_new(own, visible))
    head, seen, new = (await session.exec(statement, params=params)).one()
    return head or 0, seen or 0, new


@cache
def _head_seen_and_new_for_all(own_dossier: bool) -> Select:
    return _head_seen_and_new(own_dossier, None)


def _head_seen_and_new(own_dossier: bool, visible: ColumnElement[bool] | None) -> Select:
    return select(_head_seq().scalar_subquery(), _seen_seq().scalar_subquery(),
                  new_events_statement(own_dossier, visible).scalar_subquery())
