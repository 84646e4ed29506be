"""The dossiers one account holds (its own, and those it helps with), and who helps with a dossier."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import CaregiverFacts, DossierFacts, adult_from
from ..db import HELPS_NO_ONE
from ..models import Account, CaregiverInvitation, Delegation, Dossier, Patient
from ..access.rule import LEGAL_REPRESENTATIVES
from ..facts import caregiver_facts, dossier_facts
from ..i18n import _
from ..identifiers import Identity, identity_of
from ..templating import PARIS

RELATIONSHIPS = {"parent": "parent", "tuteur": "tuteur ou tutrice", "proche": "proche"}
COLOURS = 6  # band-0 … band-5 in carnet.css: a dossier's own (`hue`), unless another it holds had it (`colours`)


@dataclass(frozen=True)
class Band:
    """Whose dossier is on screen: shown at the top of every page of a dossier (never the wrong one)."""

    dossier_id: str
    name: str
    initials: str
    colour: int
    birth_date: date
    age: int
    mine: bool  # the viewer's own dossier
    feminine: bool
    manages: bool = True  # the viewer acts in it (the menu offers "Accès")
    others: bool = True  # the viewer holds other dossiers too (a patient alone needs no band on their own)
    switch: tuple[Band, ...] = ()  # the viewer's other dossiers: one tap away from this one
    identity: Identity | None = None  # the patient's identity traits, under the name
    sex: str = ""  # as the INS says: what their profile may hold (profile/kinds.py, Holder)


def band_for(dossier: Dossier, patient: Patient, *, account: Account, today: date, colour: int,
             manages: bool = True) -> Band:
    identity = identity_of(patient, today=today)
    initials = (patient.given_name[:1] + patient.family_name[:1]).upper()
    return Band(dossier.id, f"{patient.given_name} {patient.family_name}", initials, colour, patient.birth_date,
                identity.age, mine=account.patient_id == patient.id, feminine=patient.sex == "F", manages=manages,
                identity=identity, sex=patient.sex)


@dataclass(frozen=True)
class HeldDossier:
    """One dossier in an account's list: its band, and what this account is to it."""

    dossier: Dossier
    patient: Patient
    band: Band
    delegation: Delegation | None  # None: the account's own dossier
    can_manage: bool

    @property
    def role(self) -> str:
        if self.delegation is None:
            return _("Mon dossier")
        # Whole words, as a screen reader says them after the name ("Parent, gestion" read as telegraphese).
        if self.delegation.relationship in LEGAL_REPRESENTATIVES:
            return (_("Vous le gérez, en tant que parent") if self.can_manage
                    else _("Vous le lisez seulement, en tant que parent"))
        return (_("Vous le gérez, en tant que proche") if self.can_manage
                else _("Vous le lisez seulement, en tant que proche"))


async def held_dossiers(session: AsyncSession, *, account: Account, now: datetime,
                        besides: Dossier | None = None) -> list[HeldDossier]:
    """The account's own dossier first, then those it helps with now (as the rule says), by name;
    with `besides`, all but that one (a page's band lists the others)."""
    return (await _held(session, account=account, now=now, besides=besides))[0]


async def _held(session: AsyncSession, *, account: Account, now: datetime,
                besides: Dossier | None) -> tuple[list[HeldDossier], int]:
    """`held_dossiers`, and the colour of `besides` for this account (`colours`)."""
    today = now.astimezone(PARIS).date()
    own_shown = besides is not None and besides.patient_id == account.patient_id
    own: tuple[Dossier, Patient] | None = None
    if account.patient_id is not None and not own_shown:
        own = (await session.exec(_own_dossier(), params={"patient_id": account.patient_id})).first()
    own_id = besides.id if own_shown else own[0].id if own is not None else None
    # Asked with the web session: an account that helps with no dossier (most) has none to list.
    helps = session.info.get(HELPS_NO_ONE) != account.id
    rows = (await session.exec(_helped_dossiers(), params={"account_id": account.id})).all() if helps else []
    # Every delegation the account had, ended ones too: they say which colours were taken when each dossier came.
    delegations = [(delegation, dossier, patient, caregiver_facts(delegation), dossier_facts(dossier, patient))
                   for delegation, dossier, patient in rows]
    colour = colours(own=own_id, delegations=[(dossier.id, caregiver, state)
                                              for _d, dossier, _p, caregiver, state in delegations])
    held: list[HeldDossier] = []
    if own is not None:
        dossier, patient = own
        held.append(HeldDossier(dossier, patient, band_for(dossier, patient, account=account, today=today,
                                                           colour=colour[dossier.id]), None, True))
    seen = {besides.id} if besides is not None else set()
    for delegation, dossier, patient, caregiver, state in delegations:
        if dossier.id in seen or not caregiver.active(now, state):
            continue
        seen.add(dossier.id)
        held.append(HeldDossier(dossier, patient, band_for(dossier, patient, account=account, today=today,
                                                           colour=colour[dossier.id]),
                                delegation, caregiver.manages(now, state)))
    return held, colour.get(besides.id, hue(besides.id)) if besides is not None else 0


def hue(dossier_id: str) -> int:
    """A dossier's own colour: the same wherever it is shown, whatever else the account holds."""
    return int(hashlib.sha256(dossier_id.encode()).hexdigest()[:8], 16) % COLOURS


def colours(*, own: str | None, delegations: list[tuple[str, CaregiverFacts, DossierFacts]]) -> dict[str, int]:
    """Each dossier's colour for one account, given when the account came to hold it, and kept while it does.

    Its hue, or, if a dossier held at that moment has it, the next free one after it in the palette: one account's
    dossiers differ (up to six), where hues alone gave Camille's father and her son the same red. What was held
    then is read from the account's delegations, ended ones too (the own dossier always first): history, which no
    later change rewrites, so a dossier coming or going never repaints another, as places in a list by name did.
    A dossier that comes back takes its former colour if free: a relative whose terms changed keeps theirs."""
    given = {own: hue(own)} if own is not None else {}
    ordered = sorted(delegations, key=lambda d: (d[1].starts_at, d[0]))
    for index, (dossier_id, caregiver, _state) in enumerate(ordered):
        held = {other for other, facts, state in ordered[:index] if facts.active(caregiver.starts_at, state)}
        if dossier_id in held:  # a second delegation to a dossier it holds: it keeps its colour
            continue
        taken = {given[other] for other in held} | ({given[own]} if own is not None else set())
        first = given.get(dossier_id, hue(dossier_id))
        after = [(first + step) % COLOURS for step in range(COLOURS)]
        given[dossier_id] = next((c for c in after if c not in taken), first)  # all taken: its own, shared
    return given


# Built once, as every page's band asks them (listing says why).
@cache
def _own_dossier() -> Select:
    return (select(Dossier, Patient).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
            .where(Dossier.patient_id == bindparam("patient_id")))


@cache
def _helped_dossiers() -> Select:
    return (select(Delegation, Dossier, Patient)
            .join(Dossier, Dossier.id == Delegation.dossier_id)  # type: ignore[arg-type]
            .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
            .where(Delegation.caregiver_account_id == bindparam("account_id"))
            .order_by(Patient.given_name, Patient.family_name))


@dataclass(frozen=True)
class Helper:
    """A caregiver of a dossier, as its patient sees them."""

    delegation: Delegation
    account: Account
    facts: CaregiverFacts
    manages: bool


async def helpers_of(session: AsyncSession, *, dossier: Dossier, patient: Patient, now: datetime) -> list[Helper]:
    """The dossier's caregivers now (parents first), each as the rule sees them."""
    rows = (await session.exec(
        select(Delegation, Account).join(Account, Account.id == Delegation.caregiver_account_id)  # type: ignore[arg-type]
        .where(Delegation.dossier_id == dossier.id, Delegation.revoked_at.is_(None))  # type: ignore[union-attr]
        .order_by(Delegation.created_at)  # type: ignore[arg-type]
    )).all()
    state = dossier_facts(dossier, patient)
    helpers = [Helper(d, a, caregiver_facts(d), caregiver_facts(d).manages(now, state))
               for d, a in rows if caregiver_facts(d).active(now, state)]
    return sorted(helpers, key=lambda h: (not h.facts.legal_representative, h.account.display_name.casefold()))


async def pending_invitations(session: AsyncSession, *, dossier: Dossier, now: datetime) -> list[CaregiverInvitation]:
    rows = await session.exec(select(CaregiverInvitation).where(
        CaregiverInvitation.dossier_id == dossier.id, CaregiverInvitation.used_at.is_(None),  # type: ignore[union-attr]
        CaregiverInvitation.cancelled_at.is_(None), CaregiverInvitation.expires_at > now,  # type: ignore[union-attr]
    ).order_by(CaregiverInvitation.created_at))  # type: ignore[arg-type]
    return list(rows.all())


def is_minor(patient: Patient, now: datetime) -> bool:
    return now < adult_from(patient.birth_date)


async def left_alone(session: AsyncSession, *, held: list[HeldDossier], account: Account, now: datetime) -> set[str]:
    """The minors' dossiers nobody would open if this account stepped down: no other caregiver manages them and
    the child has no account of their own. Coming back then takes a new activation code (the page warns)."""
    alone = set()
    for item in held:
        if item.delegation is None or not item.can_manage or not is_minor(item.patient, now):
            continue
        others = [h for h in await helpers_of(session, dossier=item.dossier, patient=item.patient, now=now)
                  if h.account.id != account.id and h.manages]
        child = (await session.exec(select(Account.id).where(Account.patient_id == item.patient.id))).first()
        if not others and child is None:
            alone.add(item.dossier.id)
    return alone


async def band_of(session: AsyncSession, *, dossier: Dossier, account: Account, now: datetime,
                  manages: bool = True) -> Band:
    """The band of a dossier already opened through the rule (its patient is in the session's identity map)."""
    patient = await session.get(Patient, dossier.patient_id)
    others, colour = await _held(session, account=account, now=now, besides=dossier)
    held = [h.band for h in others]
    return replace(band_for(dossier, patient, account=account, today=now.astimezone(PARIS).date(), manages=manages,
                            colour=colour), others=bool(held) or account.patient_id != patient.id, switch=tuple(held))
