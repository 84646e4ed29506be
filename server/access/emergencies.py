"""Emergency access (bris de glace): a professional opens a dossier for 24 hours, saying why; the patient reviews it
afterwards, ends it, or refuses emergency access altogether; a block and a closing end it too (`end_emergencies`).
Each change and its access event commit together (changes.py says how)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import Select, bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import EMERGENCY_BLOCKED, EMERGENCY_KEPT
from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..models import Block, Dossier, EmergencyAccess, Professional, utcnow
from ..notifications import notify
from ..text_input import clean, letter_count, readable_length
from .reading import PHANTOM
from ..caregivers.representatives import giver
from .changes import active_block, layer_of, who

EMERGENCY_WINDOW = timedelta(hours=24)
REASON_MAX = 1000  # the form's maxlength; a longer reason is refused, never cut: the patient reads what was written
REASON_LETTERS = 3  # in any script: a reason of emoji or punctuation alone tells the patient nothing


class EmergencyRefused(Exception):
    pass


# One sentence for every refusal (`open_emergency`), true of each: it asked to check the identity alone, which, in an
# emergency, had a doctor type a right one again until her attempts ran out (an outside tester's find).
REFUSED = N_("L'accès d'urgence n'est pas possible : soit le matricule INS ou la date de naissance saisis sont "
             "inexacts, soit la personne n'autorise pas l'accès d'urgence à son dossier. Vérifiez-les une fois ; "
             "s'ils sont exacts, inutile de réessayer.")


def reason_problem(reason: str) -> tuple[str, str] | None:
    """Why an emergency's reason is refused, if it is, on its field (the form says it with the identity's problems)."""
    reason = clean(reason)
    if readable_length(reason) < 15:  # what a person can read: 20 zero-width spaces are no reason
        return _("Décrivez la situation d'urgence (15 caractères au moins)."), "reason"
    if letter_count(reason) < REASON_LETTERS:
        return _("Décrivez la situation d'urgence avec des mots : le patient lira ce motif."), "reason"
    if len(reason) > REASON_MAX:
        return _("%(name)s : %(limit)d caractères au plus.", name=_("Motif de l'urgence"), limit=REASON_MAX), "reason"
    return None


async def open_emergency(
    session: AsyncSession, *, dossier: Dossier | None, professional: Professional, reason: str, actor: audit.Actor
) -> EmergencyAccess:
    """Bris de glace: a 24-hour window, unless the patient opted out or blocked this professional. One of theirs
    still open is the one returned, as it is: asking again neither restarts its 24 hours nor notifies again."""
    if problem := reason_problem(reason):
        raise InvalidInput(*problem)
    reason = clean(reason)
    # One sentence for every cause, a typo in the identity as the patient's refusal: which one is not said.
    refused = EmergencyRefused(_(REFUSED))
    # An identity that names no dossier asks what one that opted out does (reading.PHANTOM): the refusal takes as
    # long, and says nothing more (identities are not to be probed).
    await audit.begin_chained(session, dossier_id=dossier.id if dossier else PHANTOM.id)
    dossier = await session.get(Dossier, dossier.id if dossier else PHANTOM.id, populate_existing=True)
    blocked = await active_block(session, dossier_id=dossier.id if dossier else PHANTOM.id,
                                 professional_id=professional.id)
    if dossier is None or dossier.state != "open" or dossier.emergency_opt_out or blocked is not None:
        await session.rollback()
        raise refused
    now = utcnow()
    current = (await session.exec(select(EmergencyAccess).where(
        EmergencyAccess.dossier_id == dossier.id, EmergencyAccess.professional_id == professional.id,
        EmergencyAccess.starts_at <= now, EmergencyAccess.ends_at > now))).first()  # type: ignore[operator]
    if current is not None:
        await session.commit()  # nothing written; a rollback would expire what the caller holds
        return current
    access = EmergencyAccess(dossier_id=dossier.id, professional_id=professional.id, reason=reason,
                             starts_at=now, ends_at=now + EMERGENCY_WINDOW)
    session.add(access)
    event = await audit.append(session, dossier_id=dossier.id, action="emergency", actor=actor, right="emergency",
                               detail=reason)
    await notify.record(session, dossier=dossier, event=event)
    await audit.commit_chained(session)
    return access


async def review_emergency(
    session: AsyncSession, *, dossier: Dossier, emergency_id: str, outcome: str, actor: audit.Actor
) -> bool:
    """The patient keeps an emergency access as it is, or blocks that professional: one change, one event."""
    if outcome not in ("kept", "blocked"):
        raise InvalidInput(_("Choix inconnu."))
    await audit.begin_chained(session, dossier_id=dossier.id)
    access = await session.get(EmergencyAccess, emergency_id, populate_existing=True)
    if access is not None and await layer_of(session, dossier_id=dossier.id, professional_id=access.professional_id,
                                             given_by=await giver(session, dossier_id=dossier.id, actor=actor)):
        access = None  # a minor's parents never see an emergency access of one who kept care from them
    if access is None or access.dossier_id != dossier.id or access.reviewed_at is not None:
        await session.rollback()
        return False
    access.reviewed_at, access.review_outcome = utcnow(), outcome
    session.add(access)
    professional = await session.get(Professional, access.professional_id)
    action = "emergency_review"
    if outcome == "blocked" and await active_block(session, dossier_id=dossier.id, professional_id=professional.id) is None:
        session.add(Block(dossier_id=dossier.id, professional_id=professional.id,
                          blocked_by=await giver(session, dossier_id=dossier.id, actor=actor)))
        action = "block"
    if outcome == "blocked":
        await end_emergencies(session, dossier_id=dossier.id, professional_id=professional.id)
    await audit.append(session, dossier_id=dossier.id, action=action, actor=actor,
                       detail=f"{who(professional)}, {EMERGENCY_BLOCKED if outcome == 'blocked' else EMERGENCY_KEPT}",
                       about=professional)
    await audit.commit_chained(session)
    return True


async def end_emergency(session: AsyncSession, *, dossier: Dossier, emergency_id: str, actor: audit.Actor) -> bool:
    """The patient ends an emergency access now ("Mettre fin à cet accès") without blocking its professional: theirs
    ends as a block's would (`end_emergencies`), one event, and they may ask again in a new emergency. Ending
    it is her review of it. Ended before (a double tap): nothing more. False if the dossier has no such access, or
    none this actor may see (a minor's parents, of one who kept care from them: as `review_emergency`)."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    access = await session.get(EmergencyAccess, emergency_id, populate_existing=True)
    if access is not None and await layer_of(session, dossier_id=dossier.id, professional_id=access.professional_id,
                                             given_by=await giver(session, dossier_id=dossier.id, actor=actor)):
        access = None
    if access is None or access.dossier_id != dossier.id:
        await session.rollback()
        return False
    ended = await end_emergencies(session, dossier_id=dossier.id, professional_id=access.professional_id)
    for each in ended:
        if each.reviewed_at is None:
            each.reviewed_at, each.review_outcome = each.ends_at, "ended"
    if ended:
        professional = await session.get(Professional, access.professional_id)
        await audit.append(session, dossier_id=dossier.id, action="emergency_end", actor=actor,
                           detail=who(professional), about=professional)
    await audit.commit_chained(session)
    return True


async def end_emergencies(session: AsyncSession, *, dossier_id: str,
                          professional_id: str | None = None) -> list[EmergencyAccess]:
    """A block ends the professional's emergency access now, a refusal of emergency access or a closing everyone's
    (without `professional_id`), the patient's "Mettre fin" that one's: lifting the block, allowing emergency access again,
    gives back what others gave, never the rest of an emergency's 24 hours (the patient's no to it). A professional
    asks again, with a new reason, logged and notified (`open_emergency`). The accesses ended, if any."""
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


async def end_every_emergency(session: AsyncSession, *, dossier_id: str, actor: audit.Actor) -> None:
    """A closing or a refusal of emergency access ends everyone's: each end in the log, about its professional, so
    that the Historique read for them says when their access ended. Within the caller's chained transaction."""
    for access in await end_emergencies(session, dossier_id=dossier_id):
        professional = await session.get(Professional, access.professional_id)
        await audit.append(session, dossier_id=dossier_id, action="emergency_end", actor=actor,
                           detail=who(professional), about=professional)


async def set_emergency_opt_out(session: AsyncSession, *, dossier: Dossier, opt_out: bool, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.emergency_opt_out != opt_out:
        dossier.emergency_opt_out = opt_out
        session.add(dossier)
        await audit.append(session, dossier_id=dossier.id, action="emergency_opt_out" if opt_out else "emergency_opt_in",
                           actor=actor)
        if opt_out:
            await end_every_emergency(session, dossier_id=dossier.id, actor=actor)
    await audit.commit_chained(session)


async def emergencies_to_review(session: AsyncSession, *, dossier_id: str) -> list[tuple[EmergencyAccess, Professional]]:
    """Emergency accesses the patient has not reviewed yet, oldest first, with who opened them."""
    rows = (await session.exec(_emergencies_to_review(), params={"dossier_id": dossier_id})).all()
    return [(e, p) for e, p in rows]


@cache
def _emergencies_to_review() -> Select:
    """Built once: the patient's every timeline asks it (listing says why)."""
    return (select(EmergencyAccess, Professional)
            .join(Professional, Professional.id == EmergencyAccess.professional_id)  # type: ignore[arg-type]
            .where(EmergencyAccess.dossier_id == bindparam("dossier_id"), EmergencyAccess.reviewed_at.is_(None))  # type: ignore[union-attr]
            .order_by(EmergencyAccess.starts_at))  # type: ignore[arg-type]
