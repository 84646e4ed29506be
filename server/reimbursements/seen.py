"""A line of reimbursed care under the one rule: for `access/rule.py`, a document of the `remboursement` category
that no professional wrote, hidden or not (facts.care_line_facts); and, for a minor's parents, never the care of a
professional who kept care from them (caregivers/confidential.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, true
from sqlalchemy import select as sql_select  # a row of columns, even of one (sqlmodel's gives a scalar then)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import Visibility
from ..caregivers.confidential import NOTHING, KeptFrom, confidential_in
from ..facts import CARE_CATEGORY
from ..models import ReimbursementLine


def visible_lines_clause(visible: Visibility) -> ColumnElement[bool]:
    """`Visibility.admits(care_line_facts(line))`, in SQL (tests/test_care_hidden.py checks that they agree): the
    category's condition, and hidden lines only for a reader who sees hidden things (the patient, a caregiver, the
    médecin traitant). No line has an author, so none is seen as its author's."""
    if not visible.sees_category(CARE_CATEGORY):
        return false()
    return true() if visible.hidden_too else col(ReimbursementLine.hidden).is_(False)


async def kept_care(session: AsyncSession, *, dossier_id: str, visible: Visibility) -> KeptFrom:
    """What of the care this reader must not see a trace of: a minor's parents, and a professional whose grant for
    the category a parent gave (rule.Visibility.kept_categories), never the care of a professional who kept care
    from the parents; NOTHING for anyone else."""
    parents_only = visible.kept_categories is not None and CARE_CATEGORY not in visible.kept_categories
    if visible.not_kept_from_parents or parents_only:
        return await confidential_in(session, dossier_id=dossier_id)
    return NOTHING


def kept(line: ReimbursementLine, kept_from: KeptFrom) -> bool:
    return kept_from.covers_care(line.performer_rpps, line.prescriber, line.performer)


async def seen_line(session: AsyncSession, *, dossier_id: str, line_id: str,
                    visible: Visibility) -> ReimbursementLine | None:
    """One line of the dossier this reader sees, or None: asked by its id and its dossier together, so that another
    dossier's line and a missing one are the same question and the same answer."""
    found = (await session.exec(select(ReimbursementLine).where(
        ReimbursementLine.id == line_id, ReimbursementLine.dossier_id == dossier_id, visible_lines_clause(visible))
        .execution_options(populate_existing=True))).first()
    if found is None or kept(found, await kept_care(session, dossier_id=dossier_id, visible=visible)):
        return None
    return found


async def hidden_lines(session: AsyncSession, *, dossier_id: str, visible: Visibility, since: date,
                       limit: int) -> list[ReimbursementLine]:
    """The lines of care since `since` hidden from professionals that this reader sees, newest first ("Masqués"):
    older ones are shown to no one (history.kept_since), hidden or not."""
    rows = (await session.exec(select(ReimbursementLine).where(
        ReimbursementLine.dossier_id == dossier_id, col(ReimbursementLine.care_date) >= since,
        col(ReimbursementLine.hidden).is_(True), visible_lines_clause(visible))
        .order_by(col(ReimbursementLine.care_date).desc(), col(ReimbursementLine.line_ref)).limit(limit))).all()
    kept_from = await kept_care(session, dossier_id=dossier_id, visible=visible)
    return [line for line in rows if not kept(line, kept_from)]


async def seen_batches(session: AsyncSession, *, dossier_id: str, visible: Visibility, since: date, size: int,
                       until: date | None = None, codes: Collection[str] = ()) -> AsyncIterator[list[ReimbursementLine]]:
    """The lines of care since `since` (to `until`, of the nomenclatures `codes` if given) this reader sees, newest
    first as the Soins page orders them, a batch at a time (the copy of the dossier, export/carefiles.py; the page's
    CSV, views/care.py, which the page's MAX_LINES does not cut): under the rule, and none kept from this reader."""
    kept_from = await kept_care(session, dossier_id=dossier_id, visible=visible)
    query = select(ReimbursementLine).where(ReimbursementLine.dossier_id == dossier_id,
                                            col(ReimbursementLine.care_date) >= since, visible_lines_clause(visible))
    if until is not None:
        query = query.where(col(ReimbursementLine.care_date) <= until)
    if codes:
        query = query.where(col(ReimbursementLine.code_system).in_(codes))
    after: tuple[date, str] | None = None
    while True:
        page = query if after is None else query.where(or_(  # after the last line read, in the same order
            col(ReimbursementLine.care_date) < after[0],
            and_(col(ReimbursementLine.care_date) == after[0], col(ReimbursementLine.line_ref) > after[1])))
        rows = (await session.exec(page.order_by(col(ReimbursementLine.care_date).desc(),
                                                 col(ReimbursementLine.line_ref)).limit(size))).all()
        if not rows:
            return
        after = (rows[-1].care_date, rows[-1].line_ref)
        yield [line for line in rows if not kept(line, kept_from)]


async def count_seen(session: AsyncSession, *, dossier_id: str, visible: Visibility, since: date) -> int:
    """How many lines `seen_batches` gives: counted by the database, unless something is kept from this reader (a
    minor's dossier: a few hundred lines at most, whose names are read to leave those out)."""
    where = (ReimbursementLine.dossier_id == dossier_id, col(ReimbursementLine.care_date) >= since,
             visible_lines_clause(visible))
    kept_from = await kept_care(session, dossier_id=dossier_id, visible=visible)
    if not kept_from:
        return (await session.exec(select(func.count()).select_from(ReimbursementLine).where(*where))).one()
    rows = (await session.exec(select(ReimbursementLine.performer_rpps, ReimbursementLine.prescriber,
                                      ReimbursementLine.performer).where(*where))).all()
    return sum(not kept_from.covers_care(rpps, prescriber, performer) for rpps, prescriber, performer in rows)


async def seen_years(session: AsyncSession, *, dossier_id: str, visible: Visibility, kept_from: KeptFrom, since: date,
                     today: date) -> list[int]:
    """The calendar years from `since` to `today` this reader sees a line of care in, newest first (the Soins page's
    choice of a year). At most three, each one EXISTS of the (dossier, date) index in a single question; read from
    the lines' names when something is kept from this reader (`count_seen`), whose year would tell it is there."""
    where = (ReimbursementLine.dossier_id == dossier_id, col(ReimbursementLine.care_date) >= since,
             visible_lines_clause(visible))
    if kept_from:
        rows = (await session.exec(select(ReimbursementLine.care_date, ReimbursementLine.performer_rpps,
                                          ReimbursementLine.prescriber, ReimbursementLine.performer)
                                   .where(*where))).all()
        return sorted({day.year for day, rpps, prescriber, performer in rows
                       if not kept_from.covers_care(rpps, prescriber, performer)}, reverse=True)
    years = range(today.year, since.year - 1, -1)
    found = (await session.exec(sql_select(*(exists().where(*where, col(ReimbursementLine.care_date).between(
        date(year, 1, 1), date(year, 12, 31))) for year in years)))).one()
    return [year for year, seen in zip(years, found, strict=True) if seen]
