"""A relative who manages a dossier logs out every device of its patient's account: a parent's phone lost while logged
in, when he has no other device and no recovery code at hand.

Only the sessions and the pushes go, never a passkey: each asks the device's lock (user verification) at every login,
so whoever finds the phone cannot log in again with it, and the patient's means of access stay his alone to change
("Mes clés d'accès", "J'ai perdu ma clé d'accès", a new activation code)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions
from ..accesslog import audit
from ..models import Account, Dossier, Notification, Patient
from ..notifications import devices
from . import notices


async def patient_account(session: AsyncSession, *, patient: Patient) -> Account | None:
    """The patient's own account, if they made one (a young child's dossier often has none)."""
    return (await session.exec(select(Account).where(Account.patient_id == patient.id))).first()


async def log_out_every_device(session: AsyncSession, *, dossier: Dossier, account: Account,
                               actor: audit.Actor) -> None:
    """Every session of the patient's account ends and every device it subscribed is pushed nothing more, as a
    recovery does; the dossier's log says who did it, in the same transaction. Each press is logged, whether a device
    was logged in or not: it was done to his account by someone else, and what she is shown never says whether he
    was.

    He is told at his next login, wherever it was to lead: on "Mes dossiers" first (notices.py; views/auth.py
    `told_first`), with the way on to that page; and in the banner above his documents, as the dossier's other
    readers are. Not pushed: his devices are the ones logged out, and another relative's lock screen would read that
    "your" devices were."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    await sessions.end_sessions(session, account_id=account.id)
    await devices.forget(session, account_id=account.id, every=True)
    event = await audit.append(session, dossier_id=dossier.id, action="patient_devices_logged_out", actor=actor)
    session.add(Notification(dossier_id=dossier.id, event_id=event.id, created_at=event.at))
    await notices.tell(session, account_id=account.id, dossier_id=dossier.id, kind="devices_logged_out_by_caregiver",
                       actor=actor.name)
    await audit.commit_chained(session)
