"""Months of access log for the demo dossier, made through the app's own functions.

Each step runs under `clock_at` (the moment it happens), so the events chain in order
and `carnet audit verify` accepts them: reads by the médecin traitant and the
cardiologist, a grant through a share code to the kinésithérapeute, a pharmacist's
grant later revoked, an emergency access kept after review, a blocked professional,
and the husband hiding a document on Camille's behalf.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access import blocks, emergencies, grants, hiding, share_codes
from ..auth.accounts import account_for_patient, account_for_professional
from ..accesslog.audit import Actor
from ..models import Account, ChainHead, Document, Dossier, EmergencyAccess, Grant, Patient, Professional, clock_at
from ..access.reading import open_document, open_dossier


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    # Paris is UTC+1 or +2; a rough shift is enough for demo times to read naturally.
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - timedelta(hours=1)


async def make_history(
    session: AsyncSession, *, dossier: Dossier, patient: Patient, caregiver: Account,
    pros: dict[str, Professional], today: date,
    later: list[tuple[datetime, Callable[[], Awaitable[object]]]] = (),
) -> int:
    """Add the demo's access log; return how many events it holds."""
    docs = (await session.exec(
        select(Document).where(Document.dossier_id == dossier.id).order_by(Document.event_date.desc())  # type: ignore[attr-defined]
    )).all()

    def latest(category: str, *, before: date, hidden: bool = False) -> Document:
        return next(d for d in docs if d.category == category and d.event_date <= before and d.hidden == hidden)

    me = Actor((await account_for_patient(session, patient=patient)).id, "patient", f"{patient.given_name} {patient.family_name}")
    husband = Actor(caregiver.id, "caregiver", caregiver.display_name, on_behalf_of=me.name)
    accounts = {key: await account_for_professional(session, professional=pros[key]) for key in
                ("bernard", "moreau", "fontaine", "petit", "dubois")}

    steps: list[tuple[datetime, Callable[[], Awaitable[object]]]] = []

    def at(when: datetime, action: Callable[[], Awaitable[object]]) -> None:
        steps.append((when, action))

    def reads(key: str, day: date, hour: int, documents: list[Document]) -> None:
        at(moment(day, hour, 5), lambda: open_dossier(session, account=accounts[key], dossier_id=dossier.id,
                                                      visit=True))
        for i, document in enumerate(documents, start=1):
            at(moment(day, hour, 5 + 3 * i),
               lambda document=document: open_document(session, account=accounts[key], document_id=document.id))

    def pro_actor(key: str) -> Actor:
        return Actor.professional(accounts[key], pros[key])

    # The cardiologist, given access for a year before the Holter.
    d = today - timedelta(days=200)
    at(moment(d, 18, 30), lambda: grants.grant_access(
        session, dossier=dossier, professional=pros["moreau"], categories="biologie,compte_rendu,imagerie",
        duration="1a", actor=me))
    reads("moreau", d + timedelta(days=2), 9, [latest("biologie", before=d), latest("compte_rendu", before=d)])
    # The médecin traitant's monthly reads, and this week's (new since Camille's last visit).
    for months in (6, 5, 4, 3, 2, 1):
        day = today - timedelta(days=30 * months + 3)
        reads("bernard", day, 10 + months % 4, [latest("biologie", before=day)])
    reads("bernard", today - timedelta(days=2), 11, [latest("biologie", before=today), latest("synthese", before=today)])
    # An emergency at the hospital, reviewed and kept the next morning.
    day = today - timedelta(days=150)
    at(moment(day, 2, 40), lambda: emergencies.open_emergency(
        session, dossier=dossier, professional=pros["dubois"], actor=pro_actor("dubois"),
        reason="Malaise avec perte de connaissance, admise aux urgences de Lyon Sud"))
    reads("dubois", day, 3, [latest("compte_rendu", before=day), latest("ordonnance", before=day)])

    async def keep_emergency() -> None:
        emergency = (await session.exec(select(EmergencyAccess).where(EmergencyAccess.dossier_id == dossier.id))).first()
        await emergencies.review_emergency(session, dossier=dossier, emergency_id=emergency.id, outcome="kept", actor=me)

    at(moment(day + timedelta(days=1), 8, 15), keep_emergency)
    # The pharmacist: prescriptions for three months, revoked when she changed pharmacy.
    day = today - timedelta(days=120)
    at(moment(day, 17), lambda: grants.grant_access(
        session, dossier=dossier, professional=pros["petit"], categories="ordonnance", duration="3m", actor=me))
    reads("petit", day, 17, [latest("ordonnance", before=day)])

    async def revoke_pharmacist() -> None:
        grant = (await session.exec(select(Grant).where(Grant.professional_id == pros["petit"].id))).first()
        await grants.revoke_grant(session, dossier=dossier, grant_id=grant.id, actor=me)

    at(moment(day + timedelta(days=40), 20, 10), revoke_pharmacist)
    # A professional she does not want in her dossier any more.
    at(moment(today - timedelta(days=90), 21, 30), lambda: blocks.block(
        session, dossier=dossier, professional=pros["robert"], actor=me))
    # The kinésithérapeute, in person, with a share code.
    day = today - timedelta(days=45)

    async def share_with_kine() -> None:
        code, _ = await share_codes.create_share_code(
            session, dossier=dossier, categories="compte_rendu,imagerie,ordonnance", duration="3m", actor=me)
        with clock_at(moment(day, 14, 4)):
            await share_codes.redeem_share_code(session, code=code, professional=pros["fontaine"], actor=pro_actor("fontaine"))

    at(moment(day, 14, 2), share_with_kine)
    reads("fontaine", day, 14, [latest("imagerie", before=day), latest("ordonnance", before=day)])
    # Paul hides a certificate for Camille.
    at(moment(today - timedelta(days=20), 19, 45), lambda: hiding.set_hidden(
        session, document=latest("certificat", before=today), hidden=True, actor=husband))

    steps.extend(later)  # what the profile's sittings left for later (demo/profile.py), in the order of time too
    for when, action in sorted(steps, key=lambda step: step[0]):
        with clock_at(when):
            await action()
    return (await session.get(ChainHead, dossier.id)).seq
