"""A new caregiver's account, made from an invitation or a child's activation code: once its first
passkey is registered, the invitation is accepted (or the child's dossier attached) at once."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accounts import ActivationRefused
from ..db import begin_write
from ..models import Account
from . import delegations, invitations

INVITATION, CHILD = "invitation_id", "child_activation"


async def new_account(session: AsyncSession, *, given_name: str, family_name: str) -> Account:
    """An account with no dossier of its own yet: it enrols a passkey, then holds the dossiers it helps with."""
    await begin_write(session)
    account = Account(display_name=f"{given_name} {family_name}")
    session.add(account)
    await session.commit()
    return account


async def after_first_passkey(session: AsyncSession, *, account: Account, data: dict) -> str | None:
    """Where a new caregiver goes once their passkey exists: the dossier they were invited to, or their child's."""
    if INVITATION in data:
        try:
            delegation = await invitations.accept(session, invitation_id=data[INVITATION], account=account)
        except invitations.InvitationRefused:
            return "/mes-dossiers"  # expired or cancelled meanwhile: the list says what they hold (nothing yet)
        return f"/dossiers/{delegation.dossier_id}"
    if CHILD in data:
        pending = data[CHILD]
        try:
            dossier = await delegations.attach_child_by_activation(
                session, account=account, activation_id=pending["activation_id"],
                birth_date=date.fromisoformat(pending["birth_date"]))
        except ActivationRefused:
            return "/mes-dossiers"
        return f"/dossiers/{dossier.id}"
    return None
