"""Closing a dossier, and reopening it: closed, no professional reads it (rule.py) and the patient still reads and
exports it; a closing ends every emergency access (emergencies.end_every_emergency) and takes back the share codes still
waiting (share_codes.cancel_waiting_codes), a reopening gives back the grants."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..models import Dossier, utcnow
from ..notifications import notify
from .emergencies import end_every_emergency
from .share_codes import cancel_waiting_codes


async def set_closed(session: AsyncSession, *, dossier: Dossier, closed: bool, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if (dossier.state == "closed") != closed:
        dossier.state = "closed" if closed else "open"
        dossier.closed_at = utcnow() if closed else None
        session.add(dossier)
        event = await audit.append(session, dossier_id=dossier.id, action="close" if closed else "reopen", actor=actor)
        if closed:  # a reopening gives back the grants she gave, never the rest of an emergency's 24 hours
            await end_every_emergency(session, dossier_id=dossier.id, actor=actor)
            await cancel_waiting_codes(session, dossier_id=dossier.id, actor=actor)
        await notify.record(session, dossier=dossier, event=event)  # told when a relative did it (notify.py)
        # Here, not at the top: the notices name the patient with templating.de, and templating imports this module.
        from ..caregivers.notices import tell_opening
        await tell_opening(session, dossier=dossier, closed=closed, actor=actor, now=event.at)
    await audit.commit_chained(session)
