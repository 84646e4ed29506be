"""Checking a dossier's chain link by link, as `carnet audit verify` does (the chain itself: audit.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AccessEvent, ChainHead
from .audit import GENESIS, event_hash


@dataclass(frozen=True)
class Break:
    dossier_id: str
    seq: int
    reason: str


async def verify_chain(session: AsyncSession, *, dossier_id: str) -> Break | None:
    """The first broken link of one dossier's chain, or None when it is whole."""
    events = (
        await session.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier_id).order_by(AccessEvent.seq))
    ).all()
    previous, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq:
            return Break(dossier_id, expected_seq, "événement manquant ou déplacé")
        if event.prev_hash != previous:
            return Break(dossier_id, event.seq, "lien vers l'événement précédent rompu")
        if event_hash(event) != event.hash:
            return Break(dossier_id, event.seq, "contenu modifié")
        previous, expected_seq = event.hash, expected_seq + 1
    head = await session.get(ChainHead, dossier_id)
    if events and (head is None or head.seq != events[-1].seq or head.hash != events[-1].hash):
        return Break(dossier_id, events[-1].seq, "fin de chaîne supprimée ou modifiée")
    if not events and head is not None and head.seq != 0:
        return Break(dossier_id, 1, "événements supprimés")
    return None
