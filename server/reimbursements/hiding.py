"""Hiding a line of reimbursed care from professionals, and showing it again: the patient's or a managing caregiver's
change, in the access log as a document's hide is (seen.py says who then sees the line)."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import CARE_LINE
from ..i18n.formats import date_fr
from ..models import ReimbursementLine


def logged_name(label: str, care_date: date) -> str:
    """How the log names a line, in French whatever the reader's language (the log keeps it as written):
    "le soin « Consultation psychiatre » du 23 septembre 2026"."""
    return CARE_LINE % {"label": label, "date": date_fr(care_date)}


async def set_line_hidden(session: AsyncSession, *, line: ReimbursementLine, hidden: bool, actor: audit.Actor) -> None:
    """Under the dossier's chain lock, read again: a change already made (another tab, a double click) logs nothing."""
    await audit.begin_chained(session, dossier_id=line.dossier_id)
    line = await session.get(ReimbursementLine, line.id, populate_existing=True)
    if line is not None and line.hidden != hidden:
        line.hidden = hidden
        session.add(line)
        await audit.append(session, dossier_id=line.dossier_id, action="care_hide" if hidden else "care_unhide",
                           actor=actor, detail=logged_name(line.label, line.care_date))
    await audit.commit_chained(session)


async def lines_shown(session: AsyncSession, *, dossier_id: str) -> bool:
    """Whether some line of the dossier's care is not hidden: what hiding a document leaves shown to a professional
    whose access covers the care (a psychiatric consultation, a medicine), since care is hidden line by line."""
    found = await session.exec(select(ReimbursementLine.id).where(ReimbursementLine.dossier_id == dossier_id,
                                                                  col(ReimbursementLine.hidden).is_(False)).limit(1))
    return found.first() is not None
