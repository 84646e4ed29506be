"""What a minor's parents never see: care a professional kept from them (CSP L1111-5), and every trace of it.

The rule (access/rule.py) hides the documents. Their traces are in other places a parent reads: the
Historique (the document added, read, hidden; the professional who wrote it, reading the
dossier or receiving access), the banner, the "new" counts, the Accès page, the profil médical, the
reimbursed care. For a legal representative, those leave out every event about such a document, every
event of a professional who wrote one (but what she did by the parents' own grant: `parents_windows`), every change
of rights about that professional, what they declared in the profile (profile/seen.py), and the care they gave or
prescribed (its lines, and their hiding).

A minor may also ask it before anything is written, as she makes a share code (`ShareCode.kept_from_representatives`):
the professional who uses it is such a professional from that moment, or her very opening of the dossier would tell
the parents of the visit. The share codes the minor makes herself are never shown to her parents, kept or not, so that
a kept one's absence tells them nothing (as her health links, `links_shown`).

The parents still act on such a professional, not knowing what they keep: they may give them access, revoke it,
block them. Those decisions are the parents' own, apart from the minor's (`keeps_from_parents`): a representative's
grant replaces only the grants representatives gave, their block stops only those (`Block.representatives_only`),
and their Accès page shows those alone, with the events of their own decisions. The minor's grants, and the care the
professional keeps, stay as the minor left them; and the minor's own decisions about that professional leave the
parents' alone, so that nothing a parent sees changes without a cause they can see.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, not_, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import first_line
from ..models import (
    AccessEvent, Account, Block, Document, Dossier, Grant, Professional, ProfileItem, ReimbursementLine, ShareCode,
    ShareLink,
)
from ..profile.erasing import deleted_names
from ..profile.wording import logged_names
from ..reimbursements.hiding import logged_name
from ..access.rule import REPRESENTATIVE
from ..search import search_title
from .representatives import representatives_of

@dataclass(frozen=True)
class KeptFrom:
    """What one reader of a dossier must not see a trace of; empty for anyone but a minor's parents.

    `representative`: the reader is a legal representative, whether or not anything is kept from them yet. Such
    a reader is shown the log without the dossier's own numbering and chain (its `seq`, its hashes, a proof of
    each event): the gaps the kept events leave would tell them something is kept, and when. So for every
    representative alike, or its absence would tell as much."""

    document_ids: frozenset[str] = frozenset()
    professional_ids: frozenset[str] = frozenset()
    rpps: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()
    families: tuple[str, ...] = ()  # their family names, as an insurer may write them alone ("H. Roux")
    # How the log names the items such a professional declared in the profile (whoever acts on them after).
    items: tuple[str, ...] = ()
    # How the log names the lines of care this reader may see (none `covers_care`), hidden or shown again by whoever
    # manages the dossier. An event naming no such line is left out: a kept line's, or one whose line aged past what
    # Carnet keeps and is gone (reimbursements/retention.py), which can no longer say whose care it was.
    care_shown: tuple[str, ...] = ()
    # When such a professional held the parents' own grant (their RPPS, from, until; None: still): her openings of the
    # dossier then, and the documents she added, but what she kept, are the parents' to see, before and after she
    # kept anything; else her whole trace would vanish from their Historique the day she kept something, which would
    # tell them so. Not her reads of a document: one outside their grant would tell of another access, the minor's.
    parents_windows: tuple[tuple[str, datetime, datetime | None], ...] = ()
    representative: bool = False
    representatives: frozenset[str] = frozenset()  # the accounts of the minor's legal representatives
    # How the log names the health links the minor made (links.description's start, « label » ), which her parents
    # are not shown (`links_shown`): nor their openings and blockings, which carry who opened them (a probe's find).
    minors_links: tuple[str, ...] = ()

    @property
    def unnamed_rpps(self) -> frozenset[str]:
        """Such professionals the Historique's filter never names to this reader: those with no event shown to them
        (`parents_windows`)."""
        return self.rpps - {rpps for rpps, _, _ in self.parents_windows}

    def __bool__(self) -> bool:
        return bool(self.document_ids or self.professional_ids)

    def events(self) -> ColumnElement[bool]:
        """A clause that keeps only the events this reader may see."""
        if not self:
            return self._not_minors_codes() if self.representative else true()
        return and_(self._not_minors_codes(), or_(self._parents_own(), and_(
            or_(AccessEvent.document_id.is_(None), AccessEvent.document_id.not_in(self.document_ids)),  # type: ignore[union-attr]
            or_(AccessEvent.actor_rpps.not_in(self.rpps), *(  # type: ignore[attr-defined]
                and_(AccessEvent.actor_rpps == rpps, AccessEvent.action.not_in(NOT_IN_WINDOWS),  # type: ignore[attr-defined]
                     AccessEvent.right != "emergency",
                     or_(AccessEvent.document_id.is_(None), AccessEvent.action == "add_document"),  # type: ignore[union-attr]
                     AccessEvent.at >= start, true() if end is None else AccessEvent.at < end)
                for rpps, start, end in self.parents_windows)),
            *(not_(AccessEvent.detail.startswith(f"{name} (", autoescape=True)) for name in self.names),  # type: ignore[attr-defined]
            *(not_(and_(AccessEvent.action.startswith("profile_"), AccessEvent.detail.startswith(item, autoescape=True)))  # type: ignore[attr-defined]
              for item in self.items),
            # The line itself, whatever follows it (the minor's own event says her key: right_words.py).
            not_(and_(AccessEvent.action.in_(CARE_ACTIONS),  # type: ignore[attr-defined]
                      first_line(AccessEvent.detail).not_in(self.care_shown))),  # type: ignore[attr-defined]
            # A health link's recipient names themself: "Dr Anne Girard" opening the minor's link is her trace too.
            *(not_(and_(AccessEvent.actor_kind == "shl_recipient", AccessEvent.actor_name.contains(name, autoescape=True)))  # type: ignore[attr-defined]
              for name in self.names),
        )))

    def _not_minors_codes(self) -> ColumnElement[bool]:
        """Not a share code the minor made or took back herself: never a representative's to see (the module's
        docstring)."""
        if not self.representative:
            return true()
        return and_(
            not_(and_(AccessEvent.actor_kind == "patient", AccessEvent.action.in_(MINORS_CODES))),  # type: ignore[attr-defined]
            *(not_(and_(AccessEvent.action.in_(LINK_USES), AccessEvent.detail.startswith(label, autoescape=True)))  # type: ignore[attr-defined]
              for label in self.minors_links))

    def _parents_own(self) -> ColumnElement[bool]:
        """A representative's own change of rights about such a professional: theirs to see (`keeps_from_parents`)."""
        return and_(AccessEvent.actor_account_id.in_(self.representatives),  # type: ignore[attr-defined]
                    AccessEvent.action.in_(PARENTS_ACTIONS))  # type: ignore[attr-defined]

    def covers(self, event: AccessEvent) -> bool:
        """Whether this event is a trace of what is kept (the same test as `events`, on one event)."""
        if self.representative and event.actor_kind == "patient" and event.action in MINORS_CODES:
            return True
        if self.representative and event.action in LINK_USES and event.detail.startswith(self.minors_links):
            return True
        if event.actor_account_id in self.representatives and event.action in PARENTS_ACTIONS:
            return False
        return bool(self) and (event.document_id in self.document_ids
                               or event.actor_rpps in self.rpps and not self._by_parents_grant(event)
                               or any(event.detail.startswith(f"{name} (") for name in self.names)
                               or event.action.startswith("profile_") and event.detail.startswith(self.items)
                               or event.action in CARE_ACTIONS
                               and event.detail.partition("\n")[0] not in self.care_shown  # as `events`
                               or event.actor_kind == "shl_recipient" and any(n in event.actor_name for n in self.names))

    def _by_parents_grant(self, event: AccessEvent) -> bool:
        """Whether the event's professional did it while the parents' own grant let her (`parents_windows`)."""
        return event.action not in NOT_IN_WINDOWS and event.right != "emergency" and (
            event.document_id is None or event.action == "add_document") and any(
            event.actor_rpps == rpps and start <= event.at and (end is None or event.at < end)
            for rpps, start, end in self.parents_windows)

    def covers_care(self, performer_rpps: str, prescriber: str, performer: str = "") -> bool:
        """Whether a line of reimbursed care may be such a professional's: done by them (their RPPS), or naming them
        as its performer or prescriber (the insurer sends a name alone, in any order, case, title or initial: their
        family name's every word). A namesake's line is left out too: the parents see less, never what was kept."""
        if not self:
            return False
        if performer_rpps and performer_rpps in self.rpps:
            return True
        words = set(search_title(f"{prescriber} {performer}").split())
        return any(set(search_title(family).split()) <= words for family in self.families)


NOTHING = KeptFrom()
CARE_ACTIONS = ("care_hide", "care_unhide")  # a line of care hidden or shown again (reimbursements/hiding.py)
# The changes of rights a representative makes about a professional, kept apart from the minor's (`keeps_from_parents`).
PARENTS_ACTIONS = ("grant", "revoke", "block", "unblock", "medecin_traitant")
# Made or taken back by the minor herself: hers alone, her share codes and her health links (`links_shown`).
MINORS_CODES = ("share_code", "share_code_cancelled", "shl_created", "shl_revoked")
LINK_USES = ("shl_fetch", "shl_blocked")  # a health link opened, or blocked: kept with the link (`minors_links`)
# What such a professional does that the parents' grant never explains, shown to them in no window: a code the minor
# gave her, used, or an emergency access (and what she read by it); and what may carry a trace of what she keeps: her
# searches' words ("IVG"), an opening for an addition that the parents then see nothing of, the list of her own
# additions (an outside probe found each in the parents' Historique, within their own grant's window).
NOT_IN_WINDOWS = (*PARENTS_ACTIONS, "emergency", "search", "open_to_add", "read_own_documents")


async def kept_from(session: AsyncSession, *, dossier_id: str, account: Account) -> KeptFrom:
    """For a legal representative of the dossier's patient: the documents, and their authors, kept from them."""
    from ..shlinks.links import written_name  # here: shlinks asks caregivers/ who may share a dossier

    dossier = await session.get(Dossier, dossier_id)  # already in the session's identity map: no query
    if dossier is None or dossier.patient_id == account.patient_id:
        return NOTHING  # one's own dossier
    representatives = await representatives_of(session, dossier_id=dossier_id)
    if account.id not in representatives:
        return NOTHING
    kept = await confidential_in(session, dossier_id=dossier_id)
    minors = (await session.exec(select(ShareLink).where(
        ShareLink.dossier_id == dossier_id, col(ShareLink.created_by_account_id).not_in(representatives)))).all()
    named = {f"«\u00a0{written_name(link)}\u00a0» (" for link in minors}
    return dataclasses.replace(kept, representative=True, representatives=representatives,
                               minors_links=tuple(sorted(named)))


async def keeps_from_parents(session: AsyncSession, *, dossier_id: str, professional_id: str) -> bool:
    """Whether this professional kept care in the dossier from the minor's parents, a document or a profile item, or
    used a share code the minor kept from them (what `confidential_in` reads): the parents' decisions about them are
    then apart from the minor's (the module's docstring)."""
    for model in (Document, ProfileItem):
        kept = await session.exec(select(model.id).where(
            model.dossier_id == dossier_id, model.author_professional_id == professional_id,
            col(model.hidden_from_representatives)).limit(1))
        if kept.first() is not None:
            return True
    code = await session.exec(select(ShareCode.id).where(
        ShareCode.dossier_id == dossier_id, ShareCode.used_by_professional_id == professional_id,
        col(ShareCode.kept_from_representatives)).limit(1))
    return code.first() is not None


async def confidential_in(session: AsyncSession, *, dossier_id: str) -> KeptFrom:
    """The dossier's documents kept from its patient's legal representatives, and the professionals who kept a
    document or a profile item from them, or used a share code the minor kept from them."""
    people = (Professional.id, Professional.rpps, Professional.given_name, Professional.family_name)
    rows = (await session.exec(
        select(Document.id, *people)
        .join(Professional, Professional.id == Document.author_professional_id, isouter=True)  # type: ignore[arg-type]
        .where(Document.dossier_id == dossier_id, Document.hidden_from_representatives)
    )).all()
    item_authors = (await session.exec(
        select(*people).join(ProfileItem, ProfileItem.author_professional_id == Professional.id)  # type: ignore[arg-type]
        .where(ProfileItem.dossier_id == dossier_id, col(ProfileItem.hidden_from_representatives)).distinct()
    )).all()
    code_users = (await session.exec(
        select(*people).join(ShareCode, ShareCode.used_by_professional_id == Professional.id)  # type: ignore[arg-type]
        .where(ShareCode.dossier_id == dossier_id, col(ShareCode.kept_from_representatives)).distinct()
    )).all()
    if not rows and not item_authors and not code_users:
        return NOTHING
    authors = {(pid, rpps, f"{given} {family}") for _, pid, rpps, given, family in rows if pid}
    authors |= {(pid, rpps, f"{given} {family}") for pid, rpps, given, family in (*item_authors, *code_users)}
    families = {pid: family for _, pid, _, _, family in rows if pid} | {
        pid: family for pid, _, _, family in (*item_authors, *code_users)}
    declared = (await session.exec(select(ProfileItem).where(
        ProfileItem.dossier_id == dossier_id,
        col(ProfileItem.author_professional_id).in_({pid for pid, _, _ in authors})))).all() if authors else []
    # A deleted item is erased: the log's event of its deletion names it (profile/erasing.py).
    names = {name for item in declared if item.deleted_at is None for name in logged_names(item)}
    names |= await deleted_names(session, dossier_id=dossier_id, items=[i for i in declared if i.deleted_at])
    kept = KeptFrom(
        items=tuple(sorted(names)),
        document_ids=frozenset(doc_id for doc_id, *_ in rows),
        professional_ids=frozenset(pid for pid, _, _ in authors),
        rpps=frozenset(rpps for _, rpps, _ in authors),
        names=tuple(sorted(name for _, _, name in authors)),
        families=tuple(sorted({family for family in families.values()})),
        representatives=await representatives_of(session, dossier_id=dossier_id),
        parents_windows=await parents_windows(session, dossier_id=dossier_id,
                                              rpps_of={pid: rpps for pid, rpps, _ in authors}),
    )
    # The care, as the log names a line hidden or shown again, less what is kept (and a name a kept line shares): a
    # minor's dossier holds a few hundred lines at most.
    lines = (await session.exec(select(
        ReimbursementLine.label, ReimbursementLine.care_date, ReimbursementLine.performer_rpps,
        ReimbursementLine.prescriber, ReimbursementLine.performer,
    ).where(ReimbursementLine.dossier_id == dossier_id))).all()
    kept_names: set[str] = set()
    seen_names: set[str] = set()
    for label, day, rpps, prescriber, performer in lines:
        (kept_names if kept.covers_care(rpps, prescriber, performer) else seen_names).add(logged_name(label, day))
    return dataclasses.replace(kept, care_shown=tuple(sorted(seen_names - kept_names)))


async def parents_windows(session: AsyncSession, *, dossier_id: str,
                          rpps_of: dict[str, str]) -> tuple[tuple[str, datetime, datetime | None], ...]:
    """`KeptFrom.parents_windows` of these professionals: each grant a representative gave them, from its start to
    its end, revocation or replacement, but while the representatives blocked them (a block stops the grant; lifted,
    it gives it back)."""
    grants = (await session.exec(select(Grant).where(
        Grant.dossier_id == dossier_id, Grant.given_by == REPRESENTATIVE,
        col(Grant.professional_id).in_(rpps_of)))).all()
    if not grants:
        return ()
    blocks = (await session.exec(select(Block.professional_id, Block.created_at, Block.lifted_at).where(
        Block.dossier_id == dossier_id, Block.blocked_by == REPRESENTATIVE,
        col(Block.professional_id).in_(rpps_of)).order_by(col(Block.created_at)))).all()
    windows = []
    for grant in grants:
        rpps, end = rpps_of[grant.professional_id], min(
            (at for at in (grant.ends_at, grant.revoked_at) if at is not None), default=None)
        start: datetime | None = grant.starts_at
        for pid, blocked, lifted in blocks:
            if pid != grant.professional_id or (lifted is not None and lifted <= start):
                continue
            if end is not None and blocked >= end:
                break
            if blocked > start:
                windows.append((rpps, start, blocked))
            start = lifted
            if start is None:
                break
        if start is not None and (end is None or start < end):
            windows.append((rpps, start, end))
    return tuple(windows)


async def links_shown(session: AsyncSession, *, dossier_id: str, account: Account) -> frozenset[str] | None:
    """Whose health links this reader is shown (None: everyone's). A minor's legal representative sees those the
    representatives made alone: a link the minor made carries what was kept from them, to whoever opens it
    (shlinks/manifest.py keeps it from a representative's own link). The same for every representative, whether or
    not anything is kept, or the rule would tell them something is."""
    if not (await kept_from(session, dossier_id=dossier_id, account=account)).representative:
        return None
    return await representatives_of(session, dossier_id=dossier_id)
