"""A patient's grants to professionals: given from the "Accès" page (or by a share code redeemed: share_codes.py),
replaced by a newer one, revoked. In a minor's dossier, each side's own (`changes.layer_of`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import ACCESS_CHANGED, VALID_UNTIL
from ..i18n.formats import date_fr
from ..caregivers.representatives import giver
from ..i18n import _
from ..models import Dossier, Grant, Professional, ShareCode, utcnow
from .changes import CLOSED, active_block, layer_of, refuse, who
from .durations import DURATIONS, KEEP, grant_end
from .rule import REPRESENTATIVE
from .scopes import logged_scope


async def current_grants(session: AsyncSession, *, dossier_id: str, professional_id: str, now: datetime,
                         layer: bool | None = None) -> list[Grant]:
    """The professional's grants that hold now, within `layer` (a representative's, or not; None: either)."""
    grants = (await session.exec(select(Grant).where(
        Grant.dossier_id == dossier_id, Grant.professional_id == professional_id, Grant.revoked_at.is_(None)  # type: ignore[union-attr]
    ))).all()
    return [g for g in grants if (layer is None or (g.given_by == REPRESENTATIVE) == layer)
            and (g.ends_at is None or g.ends_at > now)]


async def end_current_grants(session: AsyncSession, *, dossier_id: str, professional_id: str, now: datetime,
                             layer: bool | None = None) -> None:
    """A new grant replaces the professional's current ones: the latest choice is the one that holds. Within its
    `layer`: a parent's grant to a professional who kept care from them never ends the minor's, nor the other way."""
    for grant in await current_grants(session, dossier_id=dossier_id, professional_id=professional_id, now=now,
                                      layer=layer):
        grant.revoked_at = now
        session.add(grant)


async def grant_access(
    session: AsyncSession, *, dossier: Dossier, professional: Professional, categories: str, duration: str,
    actor: audit.Actor, share_code: ShareCode | None = None,
) -> Grant:
    """A new grant in place of the professional's current ones (on this side: `layer_of`), for `duration` from now, or
    until their current end (durations.KEEP), which they must share: at 18, a grant of hers and one of a parent's
    may end apart, and the one that replaces both would keep the one or the other's longer than it was given."""
    if duration != KEEP:
        grant_end(duration, utcnow())  # refuses an unknown duration before taking the lock
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.state != "open":
        await refuse(session, _(CLOSED))
    given_by = await giver(session, dossier_id=dossier.id, actor=actor)
    layer = await layer_of(session, dossier_id=dossier.id, professional_id=professional.id, given_by=given_by)
    if await active_block(session, dossier_id=dossier.id, professional_id=professional.id, layer=layer):
        await refuse(session, _("Ce professionnel est bloqué : débloquez-le d'abord pour lui donner accès."))
    now = utcnow()
    if duration == KEEP:
        current = await current_grants(session, dossier_id=dossier.id, professional_id=professional.id, now=now,
                                       layer=layer)
        if not current:
            await refuse(session,
                         _("Cet accès a pris fin entre-temps : choisissez pour combien de temps le redonner."))
        together, ends_at = shared_end(current)
        if not together:
            await refuse(session, _("Choisissez une durée."))
        # As a health link's end is logged ("valable jusqu'au 5 mars 2027"): the Historique says it in its language.
        duration_label = DURATIONS["sans"][0] if ends_at is None else VALID_UNTIL % {"date": date_fr(ends_at)}
    else:
        ends_at, duration_label = grant_end(duration, now), DURATIONS[duration][0]
        current = await current_grants(session, dossier_id=dossier.id, professional_id=professional.id, now=now,
                                       layer=layer)
    await end_current_grants(session, dossier_id=dossier.id, professional_id=professional.id, now=now, layer=layer)
    grant = Grant(
        dossier_id=dossier.id, professional_id=professional.id, categories=categories, starts_at=now,
        ends_at=ends_at, share_code_id=share_code.id if share_code else None, given_by=given_by,
        given_by_name=actor.name if actor.kind == "caregiver" else "",  # which parent, which relative: by name
    )
    session.add(grant)
    detail = logged_scope(categories, duration_label)
    # A change of the access they held is said as one (journal.phrase_for): not a first access. A share code
    # redeemed says its own sentence.
    changed = f"\n{ACCESS_CHANGED}" if current and share_code is None else ""
    await audit.append(
        session, dossier_id=dossier.id, action="grant", actor=actor, right="share_code" if share_code else "",
        detail=f"{who(professional)} : {detail}{changed}",
        about=professional,
    )
    await audit.commit_chained(session)
    return grant


def shared_end(current: list[Grant]) -> tuple[bool, datetime | None]:
    """Whether these grants end together, and when (None: never), which durations.KEEP keeps; grants that end apart
    (at 18, hers and a parent's) have no one end to keep."""
    ends = {g.ends_at for g in current}
    return len(ends) == 1, next(iter(ends), None)


class Revocation(Enum):
    NONE = "none"  # no such grant of this dossier's, or none this actor may revoke
    DONE = "done"  # revoked, now or before (a double tap): the professional has no grant left on this side
    CHANGED = "changed"  # ended before, replaced meanwhile by another grant that holds: nothing revoked


async def revoke_grant(session: AsyncSession, *, dossier: Dossier, grant_id: str, actor: audit.Actor) -> Revocation:
    """Revoke one of the dossier's grants (logged once: revoking again, a double tap or two managers at once,
    changes nothing). NONE if the dossier has no such grant, or none this actor may revoke: of a professional who
    kept care from the minor's parents, a grant of the other side's (`layer_of`). A grant another manager replaced
    meanwhile (a new duration, a new scope) is not revoked for them: CHANGED, and the page says so."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    grant = await session.get(Grant, grant_id, populate_existing=True)
    ours = grant is not None and grant.dossier_id == dossier.id
    layer = None
    if ours:
        layer = await layer_of(session, dossier_id=dossier.id, professional_id=grant.professional_id,
                               given_by=await giver(session, dossier_id=dossier.id, actor=actor))
        ours = layer is None or (grant.given_by == REPRESENTATIVE) == layer
    if not ours or grant.revoked_at is not None:
        outcome = Revocation.NONE if not ours else Revocation.DONE
        if ours and await current_grants(session, dossier_id=dossier.id, professional_id=grant.professional_id,
                                         now=utcnow(), layer=layer):
            outcome = Revocation.CHANGED  # replaced meanwhile (`end_current_grants`) by one that holds
        await session.commit()  # nothing written; a rollback would expire what the caller holds
        return outcome
    grant.revoked_at = utcnow()
    professional = await session.get(Professional, grant.professional_id)
    session.add(grant)
    await audit.append(session, dossier_id=dossier.id, action="revoke", actor=actor, detail=who(professional),
                       about=professional)
    await audit.commit_chained(session)
    return Revocation.DONE
