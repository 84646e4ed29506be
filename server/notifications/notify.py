"""What warrants telling the patient, decided in the event's own transaction; and how often they ask to be told.

Deciding (`record`) happens right after `audit.append`: a professional's first read of the dossier, every
emergency access, each new document and each one its author withdrew, a change of who helps with the dossier, a
health link blocked by wrong passcodes, the dossier closed or reopened by a relative, and every read when the
patient asked for it, get a Notification row that commits, or rolls back, with the event. That row is the in-app
banner (`banners.unseen`), for whoever has no device subscribed or missed a push. The same call stages a Web Push
for every device of the patient and of their active caregivers; `webpush.py` sends them after the commit, without
the professional's page waiting.
"""

from __future__ import annotations

import json

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit, professionals
from ..accesslog.phrases import EVERY_READ, FIRST_READS
from ..caregivers.confidential import confidential_in
from ..facts import caregiver_facts, dossier_facts
from ..i18n import N_, _
from ..models import AccessEvent, Account, Delegation, Dossier, Notification, Patient, PushSubscription, utcnow
from .webpush import Push, stage

# A professional has "opened" the dossier before if they read it or opened it in an emergency.
# A share code they redeemed, or a document they added, is not reading it: their first read still notifies.
TITLE = "Carnet"
# Translated when the push is staged: in the language of the request that triggers it (the professional's,
# the caregiver's), not the patient's, which Carnet does not keep.
BODY_READ = N_("Un professionnel a consulté votre dossier.")
BODY_EMERGENCY = N_("Accès d'urgence à votre dossier.")
BODY_CAREGIVERS = N_("Les personnes qui vous aident à suivre votre dossier ont changé.")
BODY_DOCUMENT = N_("Un nouveau document a été ajouté à votre dossier.")
# Told like its arrival, which it replaces in the banner (`take_back_arrival`) and under the push's topic.
BODY_WITHDRAWN = N_("Un document de votre dossier a été retiré par son auteur, qui l'a déclaré erroné.")
BODY_LINK_BLOCKED = N_("Un lien de partage de votre dossier a été bloqué après trop de codes d'accès faux.")
# Told to the patient like a first access: someone now helps with the dossier, or no longer does.
CAREGIVER_CHANGES = ("caregiver_added", "caregiver_stepped_down", "majority_ended", "majority_kept")
# Told too: who may read the dossier changed and no one at home changed it. A health link the patient handed out no
# longer opens (Carnet closed it after too many wrong passcodes, perhaps someone guessing: shlinks/manifest.py), and
# only a new link lets its recipient in again. A link made or revoked is its maker's own doing: not told.
LINK_BLOCKED = "shl_blocked"
# And a dossier closed or reopened by a managing relative: closing is the patient's strongest opposition, and a
# reopening lets every grant apply again; the patient hears of it at once, not at her next look at the Historique.
BODY_CLOSED = N_("Votre dossier a été fermé : aucun professionnel ne peut plus le lire.")
BODY_REOPENED = N_("Votre dossier a été rouvert : les accès accordés s'appliquent à nouveau.")
OPENING_CHANGES = ("close", "reopen")
BODIES = {"emergency": BODY_EMERGENCY, "add_document": BODY_DOCUMENT, "withdraw_document": BODY_WITHDRAWN,
          LINK_BLOCKED: BODY_LINK_BLOCKED, "close": BODY_CLOSED, "reopen": BODY_REOPENED,
          **dict.fromkeys(CAREGIVER_CHANGES, BODY_CAREGIVERS)}
# A push service keeps the latest undelivered message of a topic: a read never replaces an emergency (no topic, sent
# at high urgency), a new document, or a blocked link; a withdrawal replaces the news of an arrival not yet delivered.
TOPICS = {"emergency": "", "add_document": "document", "withdraw_document": "document", LINK_BLOCKED: "lien-de-partage",
          "close": "ouverture", "reopen": "ouverture"}


async def warrants_notification(session: AsyncSession, *, dossier: Dossier, event: AccessEvent) -> bool:
    if event.action in ("emergency", LINK_BLOCKED, *CAREGIVER_CHANGES):
        return True
    if event.action in OPENING_CHANGES:
        return event.actor_kind != "patient"  # her own closing is not news to her
    if event.action == "add_document" and event.actor_kind == "caregiver":  # a relative's, as a professional's
        return True
    if event.actor_kind != "professional":
        return False
    # Every new document, as Mon espace santé tells of each, and every one its author withdrew.
    if event.action in ("add_document", "withdraw_document"):
        return True
    if dossier.notify_every_access:
        return True
    first = await professionals.first_opening(session, event=event)
    return first is None or first >= event.seq  # none before this one


async def record(session: AsyncSession, *, dossier: Dossier, event: AccessEvent) -> Notification | None:
    """Inside the event's transaction (not committed here): its Notification, and pushes for after the commit."""
    if not await warrants_notification(session, dossier=dossier, event=event):
        return None
    await session.flush()  # the event's id, which the notification points to
    notification = Notification(dossier_id=dossier.id, event_id=event.id, created_at=event.at)
    session.add(notification)
    pushes = await pushes_for(session, dossier=dossier, event=event)
    stage(session, pushes)
    return notification


async def take_back_arrival(session: AsyncSession, *, dossier_id: str, document_id: str) -> None:
    """A document withdrawn by its author: the news of its arrival leaves the banner, where it quoted the title of
    what should never have been in the dossier; the news of its withdrawal takes its place. (The event stays in the
    log: only its notification goes.) Found among the dossier's notifications, through their index."""
    arrivals = (select(Notification.id).join(AccessEvent, AccessEvent.id == Notification.event_id)  # type: ignore[arg-type]
                .where(Notification.dossier_id == dossier_id, AccessEvent.document_id == document_id,
                       AccessEvent.action == "add_document"))
    await session.exec(delete(Notification).where(col(Notification.id).in_(arrivals)))  # type: ignore[call-overload]


async def pushes_for(session: AsyncSession, *, dossier: Dossier, event: AccessEvent) -> list[Push]:
    """One push per device of the patient and of each caregiver who may read the dossier now.

    A minor's parents get none about care kept from them (caregivers/confidential.py): even a
    generic "un professionnel a consulté" would be a hint of it.
    """
    now = utcnow()
    patients = await session.exec(select(Account.id).where(Account.patient_id == dossier.patient_id))
    links = {account_id: "/historique" for account_id in patients.all()}
    delegations = await session.exec(select(Delegation).where(
        Delegation.dossier_id == dossier.id, Delegation.revoked_at.is_(None)  # type: ignore[union-attr]
    ))
    state = dossier_facts(dossier, await session.get(Patient, dossier.patient_id))
    kept = None  # asked only for a legal representative (it reads the dossier's documents), inside the chain's lock
    for d in delegations.all():
        facts = caregiver_facts(d)
        if not facts.active(now, state):
            continue
        if facts.legal_representative:
            if kept is None:
                kept = await confidential_in(session, dossier_id=dossier.id)
            if kept.covers(event):
                continue
        # "/historique" is the patient's own; a caregiver's goes to this dossier's.
        links.setdefault(d.caregiver_account_id, f"/dossiers/{dossier.id}/historique")
    links.pop(event.actor_account_id, None)  # never one's own doing, as the banner (banners.unseen)
    if not links:
        return []
    devices = await session.exec(
        select(PushSubscription).where(PushSubscription.account_id.in_(links))  # type: ignore[attr-defined]
    )
    body, topic = BODIES.get(event.action, BODY_READ), TOPICS.get(event.action, "consultation")
    return [
        Push(d.endpoint, d.p256dh, d.auth, json.dumps({"title": TITLE, "body": _(body), "url": links[d.account_id]}),
             topic=topic)
        for d in devices.all()
    ]


# --- the patient's choice of how often -------------------------------------------------------------


async def set_notify_every_access(session: AsyncSession, *, dossier: Dossier, every: bool, actor: audit.Actor) -> None:
    """A change to what the patient is told of is logged like the changes of rights."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.notify_every_access != every:
        dossier.notify_every_access = every
        session.add(dossier)
        await audit.append(session, dossier_id=dossier.id, action="notify_every_access", actor=actor,
                           detail=EVERY_READ if every else FIRST_READS)
    await audit.commit_chained(session)
