"""Who a dossier is shared with now, and why (the patient's "Accès" page); the directory the patient picks
professionals from is directory.py. Reading only: each change has its module (changes.py names them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .durations import DURATIONS, duration_key
from .rule import PARIS, REPRESENTATIVE, Right, dossier_right
from ..caregivers.confidential import keeps_from_parents
from ..caregivers.representatives import of_age
from ..dossiers import professional_title, professionals_by_id
from ..models import Account, Block, Dossier, EmergencyAccess, Grant, Professional, ShareCode
from ..facts import dossier_facts
from ..i18n import N_, _, ngettext
from .standing import parents_standing, professional_standing

RIGHT_LABELS = {  # translated where shown
    Right.MEDECIN_TRAITANT: N_("comme médecin traitant"),
    Right.GRANT: N_("grâce à un accès accordé"),
    Right.EMERGENCY: N_("en accès d'urgence"),
}


@dataclass
class ProfessionalLine:
    """One professional, what they are to the dossier, and what the rule makes of it now."""

    professional: Professional
    right: Right | None  # what `rule.dossier_right` says now; None: they cannot open the dossier
    why_not: str = ""  # when they would but cannot: the patient's own decision that stops them
    is_medecin_traitant: bool = False
    blocked: bool = False
    grants: list[Grant] = field(default_factory=list)  # current ones (not revoked, not over)
    emergency: EmergencyAccess | None = None  # under way now
    after_revoke: str = ""  # what they still read once their grant is removed: the author rule at least
    # Of a professional who kept care from the minor's parents, seen by anyone but a parent: the parents' own
    # grants and block, theirs alone to change (caregivers/confidential.py).
    parents_grants: list[Grant] = field(default_factory=list)
    parents_blocked: bool = False
    parents_block_liftable: bool = False  # at 18: the young adult lifts what a parent blocked (changes.layer_of)


# An access that ended by itself, its end date passed, is said on the Accès page this long after, as the professional's
# "Mes patients" says it to them (professionals/patients.RECENTLY_ENDED): no event marks it in the Historique, which
# holds what someone did (a revocation is there), and the professional's line leaves the page at that moment.
RECENTLY_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class EndedAccess:
    professional: Professional
    ended_at: datetime


@dataclass(frozen=True)
class WaitingCode:
    """A share code made and not yet used, cancelled nor expired: anyone it is shown to may still open the dossier
    with it (a QR photographed across a room), so the Accès page lists it, to cancel."""

    share: ShareCode
    until: datetime  # its end, in Paris
    duration: str  # how long the access it gives lasts, as the form named it (French, marked N_)
    made_by: Account | None  # None: made before codes kept their maker (migration 0051)


@dataclass
class AccessOverview:
    medecin_traitant: ProfessionalLine | None
    granted: list[ProfessionalLine]
    emergencies: list[ProfessionalLine]
    blocked: list[ProfessionalLine]
    everyone: list[ProfessionalLine] = field(default_factory=list)  # one line per person, blocked ones last
    ended: list[EndedAccess] = field(default_factory=list)  # by when each ended, the latest first
    waiting_codes: list[WaitingCode] = field(default_factory=list)  # the soonest to end first

    @property
    def seeing(self) -> list[ProfessionalLine]:
        """Who can open the dossier now, by the rule (not whoever merely holds a grant)."""
        return [line for line in self.everyone if line.right is not None]


def _current(grant: Grant, now: datetime) -> bool:
    return grant.revoked_at is None and grant.starts_at <= now and (grant.ends_at is None or now < grant.ends_at)


async def professional_line(session: AsyncSession, *, dossier: Dossier, professional: Professional, now: datetime,
                            parents: bool = False) -> ProfessionalLine:
    """One professional as the rule makes them now. `parents`: as a minor's legal representative sees one who kept
    care from them, by the parents' own decisions alone (caregivers/confidential.py): nothing the minor decided."""
    standing = await (parents_standing if parents else professional_standing)(
        session, professional_id=professional.id, dossier=dossier, now=now)
    grants = (await session.exec(
        select(Grant).where(Grant.dossier_id == dossier.id, Grant.professional_id == professional.id)
        .order_by(col(Grant.starts_at).desc())
    )).all()
    current = [g for g in grants if _current(g, now)]
    emergencies = [] if parents else (await session.exec(
        select(EmergencyAccess).where(EmergencyAccess.dossier_id == dossier.id, EmergencyAccess.professional_id == professional.id)
        .order_by(col(EmergencyAccess.ends_at).desc())
    )).all()
    parents_grants: list[Grant] = []
    if parents:
        current = [g for g in current if g.given_by == REPRESENTATIVE]
    elif (standing.representatives_blocked or any(g.given_by == REPRESENTATIVE for g in current)) \
            and await keeps_from_parents(session, dossier_id=dossier.id, professional_id=professional.id) \
            and not await of_age(session, dossier_id=dossier.id):  # at 18, the parents' grants are the patient's to revoke
        parents_grants = [g for g in current if g.given_by == REPRESENTATIVE]
        current = [g for g in current if g.given_by != REPRESENTATIVE]
    right = dossier_right(standing, dossier_facts(dossier), now)
    line = ProfessionalLine(
        professional=professional, right=right, is_medecin_traitant=standing.is_medecin_traitant, blocked=standing.blocked,
        grants=current, emergency=next((e for e in emergencies if e.starts_at <= now < e.ends_at), None),
        parents_grants=parents_grants, parents_blocked=standing.representatives_blocked,
    )
    if right is None and (line.is_medecin_traitant or line.grants or line.emergency):
        she = professional.profession_feminine  # said of her as her profession is written ("infirmière")
        if dossier.state == "closed":
            line.why_not = _("Le dossier est fermé : cette professionnelle ne peut rien lire.") if she else \
                _("Le dossier est fermé : ce professionnel ne peut rien lire.")
        elif line.blocked:
            line.why_not = _("Cette professionnelle est bloquée : elle ne peut rien lire.") if she else \
                _("Ce professionnel est bloqué : il ne peut rien lire.")
    line.parents_block_liftable = not parents and standing.representatives_blocked \
        and await of_age(session, dossier_id=dossier.id)
    line.after_revoke = _after_revoke(line, dossier)
    return line


def _after_revoke(line: ProfessionalLine, dossier: Dossier) -> str:
    """What removing their grant leaves this professional, by `rule.document_right`: never "nothing" when they wrote
    some. Said by name, in plain words; a word that agrees with them, as their profession is written (its feminine
    for "infirmière")."""
    name = professional_title(line.professional)
    if dossier.state == "closed" or line.blocked:
        if line.professional.profession_feminine:
            return _("Pour l'instant, %(name)s ne peut de toute façon rien lire : le dossier est fermé ou cette "
                     "professionnelle est bloquée.", name=name)
        return _("Pour l'instant, %(name)s ne peut de toute façon rien lire : le dossier est fermé ou ce professionnel "
                 "est bloqué.", name=name)
    if line.right == Right.MEDECIN_TRAITANT:  # not one the parents who declared them blocked
        if line.professional.profession_feminine:
            return _("Comme médecin traitante, %(name)s pourra toujours voir tout le dossier.", name=name)
        return _("Comme médecin traitant, %(name)s pourra toujours voir tout le dossier.", name=name)
    if line.emergency:  # (a refusal of emergency access ended it: emergencies.end_emergencies)
        return _("Son accès d'urgence continue jusqu'à sa fin ; ensuite, %(name)s ne pourra plus voir le dossier, "
                 "sauf les documents ajoutés par ses soins.", name=name)
    if line.parents_grants:
        return _("%(name)s ne pourra plus voir que ce que permet l'accès donné par un de vos parents, et les documents "
                 "ajoutés par ses soins.", name=name)
    if dossier.emergency_opt_out:
        return _("%(name)s ne pourra plus voir le dossier, sauf les documents ajoutés par ses soins.", name=name)
    # Emergency access stays open to every professional (a probe: the kiné whose access was just removed opened the
    # whole dossier a minute later by bris de glace, after "ne pourra plus voir le dossier"): said, with its remedy.
    if line.professional.profession_feminine:
        return _("%(name)s ne pourra plus voir le dossier, sauf les documents ajoutés par ses soins. Un accès "
                 "d'urgence lui reste possible : pour l'en empêcher aussi, bloquez-la.", name=name)
    return _("%(name)s ne pourra plus voir le dossier, sauf les documents ajoutés par ses soins. Un accès d'urgence lui "
             "reste possible : pour l'en empêcher aussi, bloquez-le.", name=name)


async def access_overview(session: AsyncSession, *, dossier: Dossier, now: datetime,
                          parents_of: frozenset[str] = frozenset(), representative: bool = False) -> AccessOverview:
    """Every professional who can see the dossier, could but is stopped, or is blocked: each through the rule; and the
    share codes still waiting. `parents_of`: for a minor's legal representative, the professionals who kept care from
    them, each shown by the parents' own decisions (`professional_line`), and not at all if they made none;
    `representative`: the reader is one, to whom the minor's own codes are codes that never were."""
    ids: set[str] = {dossier.medecin_traitant_id} if dossier.medecin_traitant_id else set()
    ids |= set((await session.exec(select(Grant.professional_id).where(
        Grant.dossier_id == dossier.id, col(Grant.revoked_at).is_(None), or_(col(Grant.ends_at).is_(None), col(Grant.ends_at) > now),
    ))).all())
    ids |= set((await session.exec(select(EmergencyAccess.professional_id).where(
        EmergencyAccess.dossier_id == dossier.id, col(EmergencyAccess.ends_at) > now,
    ))).all())
    ids |= set((await session.exec(select(Block.professional_id).where(
        Block.dossier_id == dossier.id, col(Block.lifted_at).is_(None),
    ))).all())
    professionals = sorted((await professionals_by_id(session, ids)).values(),
                           key=lambda p: (p.family_name, p.given_name))
    lines = [await professional_line(session, dossier=dossier, professional=p, now=now, parents=p.id in parents_of)
             for p in professionals]
    lines = [line for line in lines if line.professional.id not in parents_of
             or line.grants or line.blocked or line.is_medecin_traitant]
    return AccessOverview(
        medecin_traitant=next((line for line in lines if line.is_medecin_traitant), None),
        granted=[line for line in lines if line.grants],
        emergencies=[line for line in lines if line.emergency],
        blocked=[line for line in lines if line.blocked],
        everyone=sorted(lines, key=lambda line: line.blocked),
        ended=await recently_ended(session, dossier=dossier, now=now, listed=ids | parents_of),
        waiting_codes=await waiting_codes(session, dossier=dossier, now=now, representative=representative),
    )


async def waiting_codes(session: AsyncSession, *, dossier: Dossier, now: datetime,
                        representative: bool = False) -> list[WaitingCode]:
    """The dossier's share codes still waiting, whoever of the patient and her managers made them, the soonest to end
    first; to a minor's legal representative (`representative`), not hers (views/share_codes.share_code_state)."""
    query = select(ShareCode).where(ShareCode.dossier_id == dossier.id, col(ShareCode.used_at).is_(None),
                                    col(ShareCode.expires_at) > now)  # a cancelled code ended as it was cancelled
    if representative:
        query = query.where(ShareCode.given_by != "patient")
    codes = (await session.exec(query.order_by(col(ShareCode.expires_at)))).all()
    return [WaitingCode(share=code, until=code.expires_at.astimezone(PARIS),
                        duration=DURATIONS[duration_key(code.grant_days)][0],
                        made_by=await session.get(Account, maker) if (maker := code.made_by_account_id) else None)
            for code in codes]


async def recently_ended(session: AsyncSession, *, dossier: Dossier, now: datetime,
                         listed: set[str]) -> list[EndedAccess]:
    """The professionals whose grant reached its end within RECENTLY_ENDED and who are not `listed` (a line of their
    own: a current access, a block; or, to a minor's parents, one who kept care from them), the latest end first."""
    ends = (await session.exec(select(Grant.professional_id, func.max(Grant.ends_at)).where(
        Grant.dossier_id == dossier.id, col(Grant.revoked_at).is_(None),
        col(Grant.ends_at) <= now, col(Grant.ends_at) > now - RECENTLY_ENDED,
    ).group_by(Grant.professional_id))).all()
    ended = {professional_id: ended_at for professional_id, ended_at in ends if professional_id not in listed}
    people = await professionals_by_id(session, set(ended))
    return sorted((EndedAccess(people[pid], ended_at) for pid, ended_at in ended.items()),
                  key=lambda access: access.ended_at, reverse=True)


def access_summary(overview: AccessOverview, *, own: bool, dossier: Dossier) -> str:
    """The Accès page's first sentence: how many professionals can see the dossier now, and why in one clause.

    Whole sentences, one per case, for the patient ("votre dossier") and for a caregiver ("ce dossier"):
    a translation cannot rebuild them from pieces."""
    seeing = overview.seeing
    if not seeing and dossier.state == "open":
        # True as it stands (an outside probe): an open dossier's authors still read their own documents, and an
        # emergency access stays possible unless refused (emergencies.open_emergency).
        if dossier.emergency_opt_out:
            return (_("Aucun professionnel n'a accès à votre dossier en ce moment, en dehors des documents qu'il y a "
                      "lui-même ajoutés.") if own
                    else _("Aucun professionnel n'a accès à ce dossier en ce moment, en dehors des documents qu'il y a "
                           "lui-même ajoutés."))
        return (_("Aucun professionnel n'a accès à votre dossier en ce moment, en dehors des documents qu'il y a "
                  "lui-même ajoutés et d'un accès d'urgence, qui vous serait signalé.") if own
                else _("Aucun professionnel n'a accès à ce dossier en ce moment, en dehors des documents qu'il y a "
                       "lui-même ajoutés et d'un accès d'urgence, qui serait signalé."))
    if not seeing:  # closed: no professional reads it at all
        if own:
            return _("Aucun professionnel ne peut voir votre dossier en ce moment.")
        return _("Aucun professionnel ne peut voir ce dossier en ce moment.")
    doctor = any(line.right == Right.MEDECIN_TRAITANT for line in seeing)
    emergencies = sum(1 for line in seeing if line.right == Right.EMERGENCY)
    if len(seeing) == 1:
        if doctor:
            return _("Seul votre médecin traitant peut voir votre dossier.") if own else _("Seul son médecin traitant peut voir ce dossier.")
        why = _(RIGHT_LABELS[seeing[0].right])
        if own:
            return _("1 professionnel peut voir votre dossier, %(why)s.", why=why)
        return _("1 professionnel peut voir ce dossier, %(why)s.", why=why)
    count = len(seeing)
    if own:
        if doctor and emergencies:
            return ngettext("%(num)d professionnel peut voir votre dossier, dont votre médecin traitant et %(emergencies)d en accès d'urgence.",
                            "%(num)d professionnels peuvent voir votre dossier, dont votre médecin traitant et %(emergencies)d en accès d'urgence.",
                            count, emergencies=emergencies)
        if doctor:
            return ngettext("%(num)d professionnel peut voir votre dossier, dont votre médecin traitant.",
                            "%(num)d professionnels peuvent voir votre dossier, dont votre médecin traitant.", count)
        if emergencies:
            return ngettext("%(num)d professionnel peut voir votre dossier, dont %(emergencies)d en accès d'urgence.",
                            "%(num)d professionnels peuvent voir votre dossier, dont %(emergencies)d en accès d'urgence.",
                            count, emergencies=emergencies)
        return ngettext("%(num)d professionnel peut voir votre dossier.", "%(num)d professionnels peuvent voir votre dossier.", count)
    if doctor and emergencies:
        return ngettext("%(num)d professionnel peut voir ce dossier, dont son médecin traitant et %(emergencies)d en accès d'urgence.",
                        "%(num)d professionnels peuvent voir ce dossier, dont son médecin traitant et %(emergencies)d en accès d'urgence.",
                        count, emergencies=emergencies)
    if doctor:
        return ngettext("%(num)d professionnel peut voir ce dossier, dont son médecin traitant.",
                        "%(num)d professionnels peuvent voir ce dossier, dont son médecin traitant.", count)
    if emergencies:
        return ngettext("%(num)d professionnel peut voir ce dossier, dont %(emergencies)d en accès d'urgence.",
                        "%(num)d professionnels peuvent voir ce dossier, dont %(emergencies)d en accès d'urgence.",
                        count, emergencies=emergencies)
    return ngettext("%(num)d professionnel peut voir ce dossier.", "%(num)d professionnels peuvent voir ce dossier.", count)
