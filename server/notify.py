"""Telling the patient who opened their dossier: what warrants it, the banner, the patient's choices.

Deciding (`record`) happens in the event's own transaction, right after `audit.append`: a
professional's first read of the dossier, every emergency access, and every read when the
patient asked for it, get a Notification row that commits, or rolls back, with the event.
That row is the in-app banner (`unseen`), for whoever has no device subscribed or missed a push.
The same call stages a Web Push for every device of the patient and of their active caregivers;
`webpush.py` sends them after the commit, without the professional's page waiting.
"""

from __future__ import annotations

import binascii
import ipaddress
import json
import socket
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import ColumnElement, Select, bindparam, delete, or_, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .accesslog import audit, journal, queries
from .db import begin_write
from .dossiers import InvalidInput
from .caregivers.confidential import confidential_in
from .facts import caregiver_facts, dossier_facts
from .i18n import N_, _
from .models import (
    AccessEvent, Account, Delegation, Dossier, Notification, Patient, PushSubscription, utcnow,
)
from .templating import PARIS
from .webpush import Push, b64url_decode, stage

# A professional has "opened" the dossier before if they read it or opened it in an emergency.
# A share code they redeemed, or a document they added, is not reading it: their first read still notifies.
TITLE = "Carnet"
# Translated when the push is staged: in the language of the request that triggers it (the professional's,
# the caregiver's), not the patient's, which Carnet does not keep.
BODY_READ = N_("Un professionnel a consulté votre dossier.")
BODY_EMERGENCY = N_("Accès d'urgence à votre dossier.")
BODY_CAREGIVERS = N_("Les personnes qui vous aident avec votre dossier ont changé.")
BODY_DOCUMENT = N_("Un nouveau document a été ajouté à votre dossier.")
# Told to the patient like a first access: someone now helps with the dossier, or no longer does.
CAREGIVER_CHANGES = ("caregiver_added", "caregiver_stepped_down", "majority_ended", "majority_kept")
BANNER_LINES = 3
MORE_CAP = 99  # "Et 99 autres" at most: counting further would cost what the log weighs
MAX_DEVICES = 10  # per account: an eleventh subscription replaces the oldest


# --- deciding, in the event's transaction --------------------------------------------------------


async def warrants_notification(session: AsyncSession, *, dossier: Dossier, event: AccessEvent) -> bool:
    if event.action in ("emergency", *CAREGIVER_CHANGES):
        return True
    if event.actor_kind != "professional":
        return False
    if event.action == "add_document":  # every new document, as Mon espace santé tells of each
        return True
    if dossier.notify_every_access:
        return True
    first = await audit.first_opening(session, event=event)
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
    if not links:
        return []
    devices = await session.exec(
        select(PushSubscription).where(PushSubscription.account_id.in_(links))  # type: ignore[attr-defined]
    )
    emergency = event.action == "emergency"
    body = (BODY_EMERGENCY if emergency else BODY_CAREGIVERS if event.action in CAREGIVER_CHANGES
            else BODY_DOCUMENT if event.action == "add_document" else BODY_READ)
    return [
        Push(d.endpoint, d.p256dh, d.auth, json.dumps({"title": TITLE, "body": _(body), "url": links[d.account_id]}),
             topic="" if emergency else "document" if event.action == "add_document" else "consultation")
        for d in devices.all()
    ]


# --- devices -----------------------------------------------------------------------------------------


LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def may_use_endpoint(endpoint: str, *, env: str) -> bool:
    """Push services are https:// hosts with a public domain name; the tests' local stand-in is http://
    on this machine, in tests only.

    This refuses the obvious at subscription time (IP literals in every spelling, local names); the
    real guard is at connection time (`outbound.py`), after resolution, where a name that points
    inside is refused too.
    """
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if env == "test" and parts.scheme == "http" and host in ("localhost", "127.0.0.1"):
        return True
    return (parts.scheme == "https" and "." in host and not _is_ip(host)
            and not host.endswith(LOCAL_SUFFIXES) and host != "localhost")


def _is_ip(host: str) -> bool:
    """Any spelling of an address: "10.0.0.1", "127.1", "0x7f.1", "2130706433", "::1"."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(host)  # the lenient C parser that getaddrinfo uses for IPv4 numbers
        return True
    except OSError:
        return False


def parse_endpoint(raw: bytes) -> str:
    try:
        endpoint = json.loads(raw)["endpoint"]
    except (ValueError, TypeError, KeyError):
        endpoint = None
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidInput(_("Abonnement illisible : réessayez depuis la page Accès."))
    return endpoint


def parse_subscription(raw: bytes, *, env: str) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from `PushSubscription.toJSON()`; an InvalidInput otherwise."""
    try:
        data = json.loads(raw)
        endpoint, keys = data["endpoint"], data["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
    except (ValueError, TypeError, KeyError):
        raise InvalidInput(_("Abonnement illisible : réessayez depuis la page Accès.")) from None
    if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)) or len(endpoint) > 1000:
        raise InvalidInput(_("Abonnement illisible : réessayez depuis la page Accès."))
    if not may_use_endpoint(endpoint, env=env):
        raise InvalidInput(_("Ce service de notifications n'est pas accepté : "
                             "son adresse doit être en https://, avec un nom de domaine."))
    try:
        # RFC 8291, 3.2: the device's P-256 public key, uncompressed, and 16 bytes of auth secret.
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh))
        valid_auth = len(b64url_decode(auth)) == 16
    except (ValueError, binascii.Error):
        valid_auth = False
    if not valid_auth or len(p256dh) > 200:
        raise InvalidInput(_("Les clés de chiffrement de cet appareil ne sont pas valides."))
    return endpoint, p256dh, auth


async def subscribe(session: AsyncSession, *, account: Account, endpoint: str, p256dh: str, auth: str) -> None:
    """Keep this device for this account (renewing its keys if it is known); never for another account.

    The endpoint is all a poster proves: whoever else holds the same endpoint keeps their own row.
    """
    await begin_write(session)
    device = (await session.exec(select(PushSubscription).where(
        PushSubscription.account_id == account.id, PushSubscription.endpoint == endpoint))).first()
    if device is None:
        device = PushSubscription(account_id=account.id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    else:
        device.p256dh, device.auth, device.created_at = p256dh, auth, utcnow()
    session.add(device)
    others = (await session.exec(
        select(PushSubscription).where(PushSubscription.account_id == account.id, PushSubscription.endpoint != endpoint)
        .order_by(PushSubscription.created_at.desc())  # type: ignore[attr-defined]
    )).all()
    for old in others[MAX_DEVICES - 1:]:
        await session.delete(old)
    try:
        await session.commit()
    except IntegrityError:  # the same browser subscribed twice at once (PostgreSQL): the other one holds
        await session.rollback()


async def unsubscribe(session: AsyncSession, *, account: Account, endpoint: str) -> None:
    await session.exec(delete(PushSubscription).where(  # type: ignore[call-overload]
        PushSubscription.account_id == account.id, PushSubscription.endpoint == endpoint))
    await session.commit()


async def cares_for_someone(session: AsyncSession, *, account_id: str) -> bool:
    """Whether this account helps with a dossier now, as the rule says (a parent's rights end at 18)."""
    now = utcnow()
    rows = await session.exec(
        select(Delegation, Dossier, Patient).join(Dossier, Dossier.id == Delegation.dossier_id)  # type: ignore[arg-type]
        .join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Delegation.caregiver_account_id == account_id, Delegation.revoked_at.is_(None)))  # type: ignore[union-attr]
    return any(caregiver_facts(d).active(now, dossier_facts(dossier, patient)) for d, dossier, patient in rows.all())


# --- the patient's side: the banner, and how often to be told ---------------------------------------


@dataclass(frozen=True)
class Banner:
    dossier_id: str
    lines: list[str]  # the newest few, as the Historique says them
    more: int  # how many others are unseen
    up_to: int  # the newest event's sequence number: "Vu" clears up to there, not what came after

    def __bool__(self) -> bool:
        return bool(self.lines)


async def unseen(session: AsyncSession, *, dossier: Dossier, viewer: journal.Viewer, now: datetime,
                 visible: ColumnElement[bool] | None = None) -> Banner:
    """Notifications nobody has marked seen yet, newest first.

    Emergencies are left to the review block above the timeline (issue 4), which already
    shows each one with its reason and asks the patient to keep it or block the professional.
    """
    # The newest few, and how many more up to a bound: the banner costs what it shows.
    params = {"dossier_id": dossier.id, "viewer": viewer.account_id or ""}
    statement = (_unseen_for_all() if visible is None or visible is true()  # all but a minor's parents: built once
                 else _unseen_statement(visible))
    events = list((await session.exec(statement, params=params)).all())
    shown = events[:BANNER_LINES]
    contexts = await queries.contexts_for(session, dossier_id=dossier.id, events=shown)
    today = now.astimezone(PARIS).date()
    lines = [journal.sentence(e, viewer=viewer, context=contexts.get(e.id, journal.NO_CONTEXT), today=today)
             for e in shown]
    return Banner(dossier.id, lines, len(events) - len(shown), shown[0].seq if shown else 0)


@cache
def _unseen_for_all() -> Select:
    return _unseen_statement(None)


def _unseen_statement(visible: ColumnElement[bool] | None) -> Select:
    # The table's columns: the banner's events are only shown (as the Historique's, views/log.py).
    return (
        select(*AccessEvent.__table__.c)  # type: ignore[attr-defined]
        .join(Notification, Notification.event_id == AccessEvent.id)  # type: ignore[arg-type]
        .where(Notification.dossier_id == bindparam("dossier_id"), Notification.seen_at.is_(None),  # type: ignore[union-attr]
               AccessEvent.action != "emergency", visible if visible is not None else true(),
               # Never one's own doing (a caregiver who accepted an invitation is not told of it).
               or_(AccessEvent.actor_account_id.is_(None), AccessEvent.actor_account_id != bindparam("viewer")))  # type: ignore[union-attr]
        # Newest first by the notification's own index (migration 0020): a dossier's events take their ids in
        # the order of their numbers (appended one at a time, under the chain's lock), so no sort is needed.
        .order_by(Notification.event_id.desc())  # type: ignore[attr-defined]
        .limit(BANNER_LINES + MORE_CAP + 1)
    )


async def mark_seen(session: AsyncSession, *, dossier: Dossier, up_to: int,
                    visible: ColumnElement[bool] | None = None) -> None:
    """Up to `up_to`, what this reader could see is seen (a parent never dismisses what was kept from them)."""
    await begin_write(session)  # this session has read already (db.begin_write says why that matters)
    # Each unseen notification's event, by its key (a list of the log's events up to `up_to` was the whole log).
    seen = select(AccessEvent.id).where(AccessEvent.id == Notification.event_id, AccessEvent.seq <= up_to,
                                        visible if visible is not None else true())
    await session.exec(update(Notification).where(  # type: ignore[call-overload]
        Notification.dossier_id == dossier.id, Notification.seen_at.is_(None),  # type: ignore[union-attr]
        seen.exists(),
    ).values(seen_at=utcnow()))
    await session.commit()


async def set_notify_every_access(session: AsyncSession, *, dossier: Dossier, every: bool, actor: audit.Actor) -> None:
    """A change to what the patient is told of is logged like the changes of rights."""
    await audit.begin_chained(session)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.notify_every_access != every:
        dossier.notify_every_access = every
        session.add(dossier)
        await audit.append(session, dossier_id=dossier.id, action="notify_every_access", actor=actor,
                           detail="à chaque consultation" if every else "au premier accès et en urgence")
    await audit.commit_chained(session)
