"""Counting a form's wrong attempts: by whom (an account, a client address) and how many earn a pause.

The counting itself, and the pause, are `throttles.py`'s.
"""

from __future__ import annotations

from datetime import timedelta

from litestar import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import throttles

PAUSE = timedelta(minutes=15)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def attempts(request: Request, what: str, tries: int, *, per_address: int = 10) -> tuple[tuple[str, int], ...]:
    """Where failures are counted, each with how many earn a pause.

    A professional's, per account alone: registered and identified (RPPS, activated with a code), she answers for
    her own tries, and a whole hospital may be one address behind NAT, where no count of her colleagues' typos may
    pause her. Another signed-in account's, per account *and* per client address, so that many accounts on one
    address, or one account on many addresses, are both stopped: the address gets `per_address` times an account's
    tries. Someone not signed in is their address alone."""
    client = f"{what}-client:{client_address(request)}"
    if not request.user:
        return ((client, tries),)
    account = (f"{what}-account:{request.user.account.id}", tries)
    if request.user.account.professional_id is not None:
        return (account,)
    return account, (client, per_address * tries)


async def take_attempt(db: AsyncSession, counted: tuple[tuple[str, int], ...]) -> throttles.Attempt:
    """Count this attempt as a failure on each of its keys (TooManyAttempts while one is paused): a wrong one stays
    counted, a right one is given back (`throttles.give_back`)."""
    return await throttles.take_attempt(db, counted, lock=PAUSE)
