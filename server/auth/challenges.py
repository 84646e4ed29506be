"""A passkey ceremony's challenge: kept on the server for five minutes, and used once (WebAuthn L3, 13.4.3)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import begin_write
from ..models import Account, PasskeyChallenge, utcnow
from .accounts import hash_secret

LIFETIME = timedelta(minutes=5)
# Challenges waiting per client address: anyone may ask for one (the login page does, twice), but
# no one may fill the table. Generous, because one address may be a whole hospital's.
MAX_WAITING_PER_CLIENT = 60


class TooManyChallenges(Exception):
    """This client has too many ceremonies under way."""


async def store(session: AsyncSession, *, challenge: bytes, purpose: str, account: Account | None,
                client: str) -> str:
    """Keep a ceremony's challenge; a registration's names the user handle of the account it is for (which a new
    account's first passkey has yet to make, so no row of it to name)."""
    client_hash = hash_secret(f"client:{client}")
    now = utcnow()
    await begin_write(session)
    # This client's expired challenges go now; everyone's go with housekeeping.purge_expired.
    await session.exec(delete(PasskeyChallenge).where(  # type: ignore[call-overload]
        PasskeyChallenge.client == client_hash, PasskeyChallenge.expires_at <= now))
    waiting = (await session.exec(select(func.count()).select_from(PasskeyChallenge).where(
        PasskeyChallenge.client == client_hash))).one()
    if waiting >= MAX_WAITING_PER_CLIENT:
        await session.commit()
        raise TooManyChallenges()
    token = secrets.token_urlsafe(32)
    session.add(
        PasskeyChallenge(
            id=hash_secret(token),
            challenge=challenge,
            purpose=purpose,
            user_handle=account.user_handle if account else None,
            client=client_hash,
            expires_at=now + LIFETIME,
        )
    )
    await session.commit()
    return token


async def take(session: AsyncSession, *, token: str | None, purpose: str) -> PasskeyChallenge | None:
    """Fetch and delete the challenge in one go, so that it can never be replayed: of two requests that read it at
    the same moment, only the one whose DELETE took the row has it (on PostgreSQL both read it, the second's DELETE
    waits for the first's commit and then takes nothing, which the ORM's own delete only warns of). None: expired,
    used already, or for another ceremony."""
    await begin_write(session)
    key = hash_secret(token) if token else None
    row = await session.get(PasskeyChallenge, key) if key else None
    taken = row is not None and (await session.exec(delete(PasskeyChallenge).where(  # type: ignore[call-overload]
        PasskeyChallenge.id == key))).rowcount == 1
    await session.commit()
    if not taken or row.purpose != purpose or row.expires_at <= utcnow():
        return None
    return row
