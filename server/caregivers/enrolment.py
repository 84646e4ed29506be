"""A new caregiver's account, made from an invitation or a child's activation code: made by its first passkey, which
accepts the invitation (or attaches the child's dossier) in the same transaction. Until then, the session keeps it
(sessions.start_session's `new`): someone who stops half-way leaves nothing behind, neither an account nor a
delegation."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.accounts import ActivationRefused
from ..models import Account
from ..auth.passkeys import Joining, PasskeyRefused
from . import delegations, invitations

INVITATION, CHILD = "invitation_id", "child_activation"


def new_account(*, given_name: str, family_name: str) -> Account:
    """An account with no dossier of its own, not saved: its first passkey saves it, then it holds the dossiers it
    helps with."""
    return Account(display_name=f"{given_name} {family_name}")


def joining(data: dict) -> Joining | None:
    """What a new caregiver's first passkey also does, as its half-session's data says: accept their invitation,
    or attach their child's dossier; returns where they go next. Refused (the invitation cancelled or used
    meanwhile, the code spent by another browser), the passkey is refused, and the account is not made."""
    if INVITATION not in data and CHILD not in data:
        return None

    async def join(session: AsyncSession, account: Account) -> str:
        try:
            if INVITATION in data:
                delegation = await invitations.join(session, invitation_id=data[INVITATION], account=account)
                return f"/dossiers/{delegation.dossier_id}"
            pending = data[CHILD]
            dossier = await delegations.join_as_parent(session, account=account, activation_id=pending["activation_id"],
                                                       birth_date=date.fromisoformat(pending["birth_date"]))
            return f"/dossiers/{dossier.id}"
        except (invitations.InvitationRefused, ActivationRefused) as refused:
            raise PasskeyRefused(str(refused)) from refused

    return join
