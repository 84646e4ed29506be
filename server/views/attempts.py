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


def attempts(request: Request, what: str, tries: int, *, per_address: int) -> tuple[tuple[str, int], ...]:
    """Where failures are counted, each with how many earn a pause: per account *and* per client address, so
    that many accounts on one address, or one account on many addresses, are both stopped. An address may be a
    whole hospital's: signed in, it gets `per_address` times an account's tries, so that one person's typos do
    not pause their colleagues. Someone not signed in is their address alone."""
    client = f"{what}-client:{client_address(request)}"
    if not request.user:
        return ((client, tries),)
    return (f"{what}-account:{request.user.account.id}", tries), (client, per_address * tries)


async def take_attempt(db: AsyncSession, counted: tuple[tuple[str, int], ...]) -> throttles.Attempt:
    """Count this attempt as a failure on each of its keys (TooManyAttempts while one is paused): a wrong one stays
    counted, a right one is given back (`throttles.give_back`)."""
    return await throttles.take_attempt(db, counted, lock=PAUSE)
