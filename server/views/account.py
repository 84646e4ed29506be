"""The account's own pages ("Mes clés d'accès", "Mes dossiers") for one who holds a relative's dossier: a band says
they are hers, not the dossier's she came from, whose menu they keep and to which they lead back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from litestar import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions
from ..caregivers.dossiers import Band, HeldDossier, held_dossiers
from ..models import utcnow

# The query parameter a dossier's menu adds to its links to these pages: the dossier it was in (templates/base.html).
CAME_FROM = "depuis"


@dataclass(frozen=True)
class AccountBand:
    """Whose account these pages are, and the dossier they were opened from (None: not said, or no longer held)."""

    name: str
    back: Band | None


async def account_band(request: Request, db: AsyncSession, *,
                       held: list[HeldDossier] | None = None) -> AccountBand | None:
    """None for an account that holds no relative's dossier: its own is the only one its menu can mean.

    The dossier a menu's link names (`CAME_FROM`) is kept in the session, so that the page an action or another
    language leads back to keeps it too; only one the account holds now (the rule, through `held_dossiers`) is kept,
    or led back to."""
    account = request.user.account
    if held is None:
        held = await held_dossiers(db, account=account, now=utcnow())
    if all(item.delegation is None for item in held):
        return None
    by_id = {item.dossier.id: item for item in held}
    data = request.user.data
    came_from = request.query_params.get(CAME_FROM)
    if came_from in by_id and came_from != data.get(sessions.ACCOUNT_PAGES_FROM):
        await sessions.save_session_data(db, current=request.user,
                                         data={**data, sessions.ACCOUNT_PAGES_FROM: came_from})
    back = by_id.get(request.user.data.get(sessions.ACCOUNT_PAGES_FROM))
    return AccountBand(account.display_name, replace(back.band, manages=back.can_manage) if back else None)
