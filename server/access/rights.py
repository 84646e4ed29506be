"""Changing who sees what: grants, blocks, médecin traitant, hiding, deleting, closing (share codes are in
share_codes.py, emergency access in emergencies.py). Each change and its access event commit together."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import NoReturn

from sqlmodel import not_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit, subjects
from ..caregivers.confidential import giver, keeps_from_parents, of_age
from ..dossiers import InvalidInput, erase_document
from ..models import (
    CATEGORIES,
    Block,
    Document,
    Dossier,
    EmergencyAccess,
    Grant,
    Professional,
    ShareCode,
    utcnow,
)
from ..files import blobs
from ..files.store import Storage
from ..i18n import N_, _
from ..notifications import notify
from ..professionals.professions import written_profession
from .durations import DURATIONS, grant_end
from .rule import REPRESENTATIVE

MEDECINS = {"médecin", "cardiologue", "radiologue"}  # who may be declared médecin traitant


def parse_scope(categories: list[str]) -> str:
    """Comma-separated category codes, or "" for every category; unknown codes are refused."""
    chosen = [c for c in categories if c]
    if any(c not in CATEGORIES for c in chosen):
        raise InvalidInput(_("Catégorie inconnue."), "categories")
    return "" if not chosen or set(chosen) == set(CATEGORIES) else ",".join(sorted(set(chosen)))


ALL_DOCUMENTS = N_("tous les documents")
MAX_VERSIONS = 50  # a document's versions followed back at most: a chain longer than that is no correction's


def scope_label(categories: str) -> str:
    """"Biologie, Imagerie", or "tous les documents", in the request's language."""
    if not categories:
        return _(ALL_DOCUMENTS)
    return ", ".join(_(CATEGORIES[c]) for c in categories.split(",") if c in CATEGORIES)


def logged_scope(categories: str, duration_label: str) -> str:
    """"Biologie, Imagerie, 3 mois": the log's detail of a grant or a share code, in French as every detail is stored."""
    scope = ", ".join(CATEGORIES[c] for c in categories.split(",") if c in CATEGORIES) if categories else ALL_DOCUMENTS
    return f"{scope}, {duration_label}"


async def _commit(session: AsyncSession) -> None:
    await audit.commit_chained(session)


async def active_block(session: AsyncSession, *, dossier_id: str, professional_id: str,
                       layer: bool | None = None) -> Block | None:
    """A block in force: one that stops the professional (not the parents' own, `Block.representatives_only`); with
    the parents' `layer` (`layer_of`), one a representative made, of either kind."""
    return (await session.exec(select(Block).where(
        Block.dossier_id == dossier_id, Block.professional_id == professional_id, Block.lifted_at.is_(None),  # type: ignore[union-attr]
        (Block.blocked_by == REPRESENTATIVE) if layer else not_(Block.representatives_only)))).first()


async def layer_of(session: AsyncSession, *, dossier_id: str, professional_id: str, given_by: str) -> bool | None:
    """Whose decisions a change about this professional stands among: None, everyone's (the usual case); True, the
    minor's parents' alone, False, everyone's but theirs, when the professional kept care from the parents
    (caregivers/confidential.py). Once the patient is 18, theirs and their helpers' reach the parents' too."""
    if not await keeps_from_parents(session, dossier_id=dossier_id, professional_id=professional_id):
        return None
    if given_by != REPRESENTATIVE and await of_age(session, dossier_id=dossier_id):
        return None
    return given_by == REPRESENTATIVE


async def end_current_grants(session: AsyncSession, *, dossier_id: str, professional_id: str, now: datetime,
                             layer: bool | None = None) -> None:
    """A new grant replaces the professional's current ones: the latest choice is the one that holds. Within its
    `layer`: a parent's grant to a professional who kept care from them never ends the minor's, nor the other way."""
    for grant in await current_grants(session, dossier_id=dossier_id, professional_id=professional_id, now=now,
                                      layer=layer):
        grant.revoked_at = now
        session.add(grant)


async def current_grants(session: AsyncSession, *, dossier_id: str, professional_id: str, now: datetime,
                         layer: bool | None = None) -> list[Grant]:
    """The professional's grants that hold now, within `layer` (a representative's, or not; None: either)."""
    grants = (await session.exec(select(Grant).where(
        Grant.dossier_id == dossier_id, Grant.professional_id == professional_id, Grant.revoked_at.is_(None)  # type: ignore[union-attr]
    ))).all()
    return [g for g in grants if (layer is None or (g.given_by == REPRESENTATIVE) == layer)
            and (g.ends_at is None or g.ends_at > now)]


# Said to the patient and to a caregiver who manages the dossier alike.
CLOSED = N_("Ce dossier est fermé : rouvrez-le depuis «\u00a0Accès\u00a0» avant de le partager.")


async def refuse(session: AsyncSession, message: str) -> NoReturn:
    """End a transaction that wrote nothing and refuse; a commit, since a rollback would expire
    the objects the caller still shows on its page."""
    await session.commit()
    raise InvalidInput(message)


async def grant_access(
    session: AsyncSession, *, dossier: Dossier, professional: Professional, categories: str, duration: str,
    actor: audit.Actor, share_code: ShareCode | None = None,
) -> Grant:
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
    await end_current_grants(session, dossier_id=dossier.id, professional_id=professional.id, now=now, layer=layer)
    grant = Grant(
        dossier_id=dossier.id, professional_id=professional.id, categories=categories, starts_at=now,
        ends_at=grant_end(duration, now), share_code_id=share_code.id if share_code else None, given_by=given_by,
    )
    session.add(grant)
    detail = logged_scope(categories, DURATIONS[duration][0])
    await audit.append(
        session, dossier_id=dossier.id, action="grant", actor=actor, right="share_code" if share_code else "",
        detail=f"{who(professional)} : {detail}",
        about=professional,
    )
    await _commit(session)
    return grant


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
    await _commit(session)
    return Revocation.DONE


def who(professional: Professional | None) -> str:
    """"Julie Moreau (infirmière)": whom a change of rights is about, in its detail, as written for them."""
    if professional is None:
        return ""
    return f"{professional.given_name} {professional.family_name} ({written_profession(professional)})"


async def block(session: AsyncSession, *, dossier: Dossier, professional: Professional, actor: audit.Actor) -> None:
    """A block stops the professional entirely, authorship included (issue 4); a minor's parent's block of one who
    kept care from them stops only the grants representatives gave (`Block.representatives_only`)."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    blocked_by = await giver(session, dossier_id=dossier.id, actor=actor)
    layer = await layer_of(session, dossier_id=dossier.id, professional_id=professional.id, given_by=blocked_by)
    if await active_block(session, dossier_id=dossier.id, professional_id=professional.id, layer=layer) is None:
        session.add(Block(dossier_id=dossier.id, professional_id=professional.id, blocked_by=blocked_by,
                          representatives_only=bool(layer)))
        if not layer:  # (a parents' block of one who kept care from them stops only their grants: `rule`)
            await end_emergencies(session, dossier_id=dossier.id, professional_id=professional.id)
        await audit.append(session, dossier_id=dossier.id, action="block", actor=actor, detail=who(professional),
                           about=professional)
    await _commit(session)


async def end_emergencies(session: AsyncSession, *, dossier_id: str,
                          professional_id: str | None = None) -> list[EmergencyAccess]:
    """A block ends the professional's emergency access now, a refusal of emergency access or a closing everyone's
    (without `professional_id`), the patient's "Mettre fin" that one's: lifting the block, allowing emergency access again,
    gives back what others gave, never the rest of an emergency's 24 hours (the patient's no to it). A professional
    asks again, with a new reason, logged and notified (emergencies.open_emergency). The accesses ended, if any."""
    now = utcnow()
    statement = select(EmergencyAccess).where(EmergencyAccess.dossier_id == dossier_id,
                                              EmergencyAccess.ends_at > now)  # type: ignore[operator]
    if professional_id is not None:
        statement = statement.where(EmergencyAccess.professional_id == professional_id)
    ended = list((await session.exec(statement)).all())
    for access in ended:
        access.ends_at = now
        session.add(access)
    return ended


async def unblock(session: AsyncSession, *, dossier: Dossier, professional: Professional, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=dossier.id)
    rows = (await session.exec(select(Block).where(
        Block.dossier_id == dossier.id, Block.professional_id == professional.id, Block.lifted_at.is_(None)  # type: ignore[union-attr]
    ))).all()
    layer = await layer_of(session, dossier_id=dossier.id, professional_id=professional.id,
                           given_by=await giver(session, dossier_id=dossier.id, actor=actor))
    if layer is not None:  # each side lifts its own (`block`)
        rows = [row for row in rows if (row.blocked_by == REPRESENTATIVE if layer else not row.representatives_only)]
    for row in rows:
        row.lifted_at = utcnow()
        session.add(row)
    if rows:
        await audit.append(session, dossier_id=dossier.id, action="unblock", actor=actor, detail=who(professional),
                           about=professional)
    await _commit(session)


async def set_medecin_traitant(
    session: AsyncSession, *, dossier: Dossier, professional: Professional | None, actor: audit.Actor
) -> None:
    if professional is not None and professional.profession not in MEDECINS:
        raise InvalidInput(_("Le médecin traitant doit être un médecin."))
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if professional is not None and dossier.state != "open":
        # As a grant: a closed dossier opens to no one, and one declared on it would be told later that her
        # access ended (rule.access_ended) to a dossier she never held.
        await refuse(session, _(CLOSED))
    given_by = await giver(session, dossier_id=dossier.id, actor=actor)
    layer = professional and await layer_of(session, dossier_id=dossier.id, professional_id=professional.id,
                                            given_by=given_by)
    if professional is not None and await active_block(session, dossier_id=dossier.id, professional_id=professional.id,
                                                       layer=layer):
        await refuse(session, _("Ce médecin est bloqué : débloquez-le d'abord pour le déclarer médecin traitant."))
    chosen = professional.id if professional else None
    # A minor's parent who declares the one the minor declared, who kept care from them, is not shown the minor's
    # declaration (access/standing.parents_standing): theirs is logged, as a change would be.
    # And whoever declares the one already declared by another side, for what a parent's declaration opens (rule.py).
    # A parent declaring the one the minor declared leaves them the minor's: a parent's block then stops them no more
    # than it stops the minor's grants (rule.Standing.medecin_traitant).
    by = dossier.medecin_traitant_by if chosen == dossier.medecin_traitant_id and given_by == REPRESENTATIVE \
        and dossier.medecin_traitant_by == "patient" else given_by if chosen else ""
    if dossier.medecin_traitant_id != chosen or layer or dossier.medecin_traitant_by != by:
        # The event is about the one who was, too (replaced or removed: "aucun"): the patient finds it among that
        # doctor's events as among the new one's.
        was = await session.get(Professional, dossier.medecin_traitant_id) if dossier.medecin_traitant_id else None
        dossier.medecin_traitant_id = chosen
        dossier.medecin_traitant_by = by
        session.add(dossier)
        event = await audit.append(session, dossier_id=dossier.id, action="medecin_traitant", actor=actor,
                                   detail=who(professional) or "aucun", about=professional or was)
        if professional is not None and was is not None and was.id != professional.id:
            await subjects.remember(session, event=event, professional=was)
    await _commit(session)


async def set_hidden(session: AsyncSession, *, document: Document, hidden: bool, actor: audit.Actor) -> None:
    """Hidden, or shown again, with its earlier versions: what a professional may not read of the document she sees,
    they may not read of the version it corrected either."""
    await audit.begin_chained(session, dossier_id=document.dossier_id)
    for version in await versions(session, document):
        if version.deleted_at is None and version.hidden != hidden:
            version.hidden = hidden
            session.add(version)
            await audit.append(session, dossier_id=version.dossier_id, action="hide" if hidden else "unhide",
                               actor=actor, document=version)
    await _commit(session)


async def versions(session: AsyncSession, document: Document) -> list[Document]:
    """The document read again (in the caller's chained transaction) and each version it replaces, newest first."""
    found = [await session.get(Document, document.id, populate_existing=True)]
    while found[-1].replaces_id and len(found) < MAX_VERSIONS:
        earlier = await session.get(Document, found[-1].replaces_id, populate_existing=True)
        if earlier is None or earlier.dossier_id != document.dossier_id:
            break
        found.append(earlier)
    return found


async def delete_document(
    session: AsyncSession, *, document: Document, actor: audit.Actor, storage: Storage | None = None
) -> None:
    """Gone for everyone, with its earlier versions (the timeline shows the latest alone: the patient deletes the
    document she sees): each row is marked deleted and emptied (the log keeps that it existed, and its title) and,
    once that has committed, its file and page images are erased unless another live document holds them
    (files/blobs.py: under the keys' locks, so an upload of the same bytes cannot lose its file)."""
    await audit.begin_chained(session, dossier_id=document.dossier_id)
    keys: set[str] = set()
    for version in await versions(session, document):
        if version.deleted_at is None:
            version.deleted_at = utcnow()
            await audit.append(session, dossier_id=version.dossier_id, action="delete", actor=actor, document=version)
            keys |= await erase_document(session, version)
    await _commit(session)
    if storage is not None and keys:
        await blobs.release(session, storage, keys)


async def set_emergency_opt_out(session: AsyncSession, *, dossier: Dossier, opt_out: bool, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.emergency_opt_out != opt_out:
        dossier.emergency_opt_out = opt_out
        session.add(dossier)
        if opt_out:
            await end_emergencies(session, dossier_id=dossier.id)
        await audit.append(session, dossier_id=dossier.id, action="emergency_opt_out" if opt_out else "emergency_opt_in",
                           actor=actor)
    await _commit(session)


async def set_closed(session: AsyncSession, *, dossier: Dossier, closed: bool, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if (dossier.state == "closed") != closed:
        dossier.state = "closed" if closed else "open"
        dossier.closed_at = utcnow() if closed else None
        session.add(dossier)
        if closed:  # a reopening gives back the grants she gave, never the rest of an emergency's 24 hours
            await end_emergencies(session, dossier_id=dossier.id)
        event = await audit.append(session, dossier_id=dossier.id, action="close" if closed else "reopen", actor=actor)
        await notify.record(session, dossier=dossier, event=event)  # told when a relative did it (notify.py)
    await _commit(session)
