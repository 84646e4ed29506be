"""What "Mes clés d'accès" changes: a passkey renamed, removed (one, or every one but this session's after a
recovery), the other devices logged out. Each removal ends the sessions opened with the key and forgets the devices
it subscribed, and is in the dossier's log (passkeys.log_passkey_change). The ceremonies are passkeys.py."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from . import sessions
from ..accesslog import audit
from ..db import begin_write
from ..i18n import _
from ..models import Account, Passkey
from ..notifications import devices
from .passkeys import PasskeyRefused, account_passkeys, clean_passkey_name, log_passkey_change


async def rename_passkey(session: AsyncSession, *, account: Account, passkey_id: str, name: str) -> bool:
    await begin_write(session)
    passkey = await session.get(Passkey, passkey_id)
    if passkey is None or passkey.account_id != account.id:
        return False
    passkey.name = clean_passkey_name(name)
    session.add(passkey)
    await session.commit()
    return True


async def remove_passkey(session: AsyncSession, *, account: Account, passkey_id: str) -> bool:
    """Remove one passkey, never the last one (the account would be locked out), and end the sessions opened
    with it."""
    await audit.begin_chained(session)
    passkeys = await account_passkeys(session, account=account)
    target = next((p for p in passkeys if p.id == passkey_id), None)
    if target is None:
        await session.commit()
        return False
    if len(passkeys) == 1:
        await session.commit()
        raise PasskeyRefused(_("Impossible de supprimer votre dernière clé d'accès : ajoutez-en une autre d'abord."))
    await _remove(session, account=account, passkey=target)
    await audit.commit_chained(session)
    return True


async def remove_other_passkeys(session: AsyncSession, *, account: Account, keep: str | None) -> int:
    """Remove every passkey but `keep`, the one this session was opened with: after a recovery, the lost device's
    key with any other, at once. Returns how many went; none if `keep` is not one of the account's (its session
    would be left with no key at all)."""
    await audit.begin_chained(session)
    passkeys = await account_passkeys(session, account=account)
    others = [p for p in passkeys if p.id != keep]
    if len(others) == len(passkeys):
        await session.commit()
        return 0
    for passkey in others:  # each in the log as one removed, as one at a time would be
        await _remove(session, account=account, passkey=passkey)
    await audit.commit_chained(session)
    return len(others)


async def _remove(session: AsyncSession, *, account: Account, passkey: Passkey) -> None:
    # The devices logged in with it are logged out with it: a lost phone's session would otherwise go on reading
    # the dossier, and could add a passkey of its own (an outside probe's find); and its lock screen would go on
    # showing the pushes ("Accès d'urgence à votre dossier").
    await devices.forget(session, account_id=account.id, opened_with=passkey.id)  # before the key its rows name
    # Logged before it goes: removed from its own device, the event still names the key that removed it.
    await log_passkey_change(session, account=account, action="passkey_removed", name=passkey.name)
    await session.delete(passkey)
    await sessions.end_sessions(session, account_id=account.id, opened_with=passkey.id)


async def log_out_other_devices(session: AsyncSession, *, account: Account, current: sessions.CurrentSession,
                                this_device: str = "") -> None:
    """"Déconnecter les autres appareils": every session but this one ends, every device but this one (the push
    subscription at `this_device`, devices.forget) is pushed nothing more, and the dossier's log says so. Their
    keys stay: /cles says they may come back."""
    await audit.begin_chained(session)
    ended = await sessions.end_sessions(session, account_id=account.id, but=current.row.id)
    forgotten = await devices.forget(session, account_id=account.id, but=current.data.get(sessions.LOGGED_IN_WITH),
                                     but_endpoint=this_device)
    if ended or forgotten:  # a second click, or a stale tab, ended nothing: nothing to say
        await log_passkey_change(session, account=account, action="other_devices_logged_out", name="", quoted=False)
    await audit.commit_chained(session)
