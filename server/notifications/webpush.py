"""Web Push delivery: after the commit, in the background, signed with the site's VAPID key.

A push (RFC 8030) is encrypted for one device (RFC 8291) and signed with VAPID (RFC 8292). Its
payload is generic text and a link, never a name, a document or anything else about the
patient's health: it crosses the browser vendor's servers. `notify.py` decides who gets one; `devices.py`
keeps the devices.

When it is sent: `stage` keeps the pushes in the database session (`session.info`); they become
ready only if that session commits (SQLAlchemy's after_commit; a rollback drops them), and
`app.provide_db` hands the ready ones to the Pusher when the request's session closes. The
Pusher starts one asyncio task and returns at once, so the professional's page never waits for
a push service; the task does the network calls in worker threads (pywebpush posts with
`requests`, which blocks), is kept in a set until done, and is awaited at shutdown.

Why not a Litestar BackgroundTask: it belongs to a response, so every view that reads a dossier
(timeline, search, document, download, emergency, and those to come) would have to remember to
attach one, while the decision is made deep in `access/reading.py`, inside the event's transaction.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import webpush
from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import keyfiles
from ..config import Settings, SettingsError
from ..models import PushSubscription
from .outbound import public_session

log = logging.getLogger("carnet.notify")

PUSH_TTL = 4 * 24 * 3600  # a phone switched off for a long weekend still gets it (RFC 8030, 5.2)
PUSH_TIMEOUT = 10  # seconds, per request to a push service
STAGED, READY = "carnet.pushes.staged", "carnet.pushes.ready"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Push:
    """One message for one device: all that leaves the server, and nothing about health."""

    endpoint: str
    p256dh: str
    auth: str
    payload: str  # JSON: title, body, url
    topic: str = ""  # a push service keeps only the latest undelivered message of a topic (RFC 8030, 5.4)


# --- after the commit, and only then --------------------------------------------------------------


def stage(session: AsyncSession, pushes: list[Push]) -> None:
    """Send these if, and once, the session's transaction commits."""
    session.info.setdefault(STAGED, []).extend(pushes)


@event.listens_for(Session, "after_commit")
def _pushes_committed(session: Session) -> None:
    staged = session.info.pop(STAGED, None)
    if staged:
        session.info.setdefault(READY, []).extend(staged)


@event.listens_for(Session, "after_rollback")
def _pushes_rolled_back(session: Session) -> None:
    session.info.pop(STAGED, None)  # the event is gone: nothing happened to tell anyone about


# --- the VAPID key ------------------------------------------------------------------------------


def load_vapid(settings: Settings) -> Vapid:
    """The site's VAPID key: from CARNET_VAPID_PRIVATE_KEY, else a file made at the first start.

    A file under data_dir, 0600, rather than a database row: a signing key is a secret like
    CARNET_SECRET, and rows travel into every dump, backup and replica, to whoever may read the
    tables. The processes of one host share data_dir (the SQLite database and the document files
    live there too); several hosts share no disk, so they set CARNET_VAPID_PRIVATE_KEY, as they
    already share CARNET_SECRET. Devices subscribe to this key: a new key means subscribing again.
    """
    if settings.vapid_private_key:
        return vapid_from_text(settings.vapid_private_key, source="CARNET_VAPID_PRIVATE_KEY")
    path = settings.data_dir / "vapid" / "private_key.pem"
    if not path.exists():
        _write_new_key(path)
    return vapid_from_text(path.read_text(), source=str(path))


def vapid_from_text(text: str, *, source: str) -> Vapid:
    """A P-256 private key as PEM, or base64url DER, or base64url raw 32 bytes (what `vapid --gen` and others make)."""
    try:
        return Vapid.from_pem(text.strip().encode()) if "-----BEGIN" in text else Vapid.from_string(text.strip())
    except (ValueError, TypeError, binascii.Error) as exc:
        raise SettingsError(f"{source} n'est pas une clé privée P-256 (PEM, ou DER ou brute en base64url)") from exc


def _write_new_key(path: Path) -> None:
    vapid = Vapid()
    vapid.generate_keys()
    keyfiles.write_once(path, vapid.private_pem())


# --- sending ---------------------------------------------------------------------------------------


class Pusher:
    """Sends the pushes of committed notifications, in the background; a failure is logged, never raised."""

    def __init__(self, vapid: Vapid, *, contact: str, loopback_http: bool = False) -> None:
        self.vapid, self.contact = vapid, contact
        self.loopback_http = loopback_http  # the tests' local push service; never outside CARNET_ENV=test
        self._tasks: set[asyncio.Task] = set()
        self._tails: dict[str, asyncio.Task] = {}  # each device's last push under way: the next one waits for it

    @classmethod
    def from_settings(cls, settings: Settings) -> Pusher:
        return cls(load_vapid(settings), contact=settings.push_contact, loopback_http=settings.env == "test")

    @property
    def application_server_key(self) -> str:
        """What `PushManager.subscribe` takes as `applicationServerKey`: the public key, uncompressed, base64url."""
        return b64url(self.vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    def send_committed(self, session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """Start sending what this session committed; returns at once."""
        pushes = session.info.pop(READY, None)
        if not pushes:
            return
        loop = asyncio.get_running_loop()
        # A device gets its pushes in the order they were committed: "fermé" then "rouvert" must not arrive the
        # other way round (the push service keeps the last of a topic, and the lock screen shows it).
        posts = [loop.create_task(self._post_after(self._tails.get(p.endpoint), p)) for p in pushes]
        for push, post in zip(pushes, posts):
            self._tails[push.endpoint] = post
            post.add_done_callback(lambda done, endpoint=push.endpoint: self._untail(endpoint, done))
        task = loop.create_task(self.deliver(pushes, posts, sessionmaker))
        self._tasks.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._tasks.discard)

    async def _post_after(self, previous: asyncio.Task | None, push: Push) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is its own delivery's to report
        await asyncio.to_thread(self._post, push)

    def _untail(self, endpoint: str, done: asyncio.Task) -> None:
        if self._tails.get(endpoint) is done:
            del self._tails[endpoint]

    async def deliver(self, pushes: list[Push], posts: list[asyncio.Task],
                      sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        try:
            results = await asyncio.gather(*posts, return_exceptions=True)
            gone = [p.endpoint for p, result in zip(pushes, results) if self._failed(p, result)]
            if gone:
                await forget_devices(sessionmaker, gone)
        except Exception as exc:  # a background task has no one to raise to
            log.warning("web push delivery failed: %s", type(exc).__name__)

    def _post(self, push: Push) -> None:
        headers = {"Urgency": "normal" if push.topic else "high"}
        if push.topic:
            headers["Topic"] = push.topic
        webpush(
            subscription_info={"endpoint": push.endpoint, "keys": {"p256dh": push.p256dh, "auth": push.auth}},
            data=push.payload, vapid_private_key=self.vapid, vapid_claims={"sub": self.contact},
            ttl=PUSH_TTL, timeout=PUSH_TIMEOUT, headers=headers,
            # Only public addresses, checked when connecting (outbound.py): an endpoint is someone else's URL.
            requests_session=public_session(loopback_http=self.loopback_http),
        )

    @staticmethod
    def _failed(push: Push, result: object) -> bool:
        """Log a failed push; True when the device is gone for good (404 or 410, RFC 8030, 7.3)."""
        if not isinstance(result, BaseException):
            return False
        status = getattr(getattr(result, "response", None), "status_code", None)
        # The push service's host and the status only: an endpoint identifies a device, and
        # nothing here says whose it is or which dossier it was about.
        log.warning("web push to %s failed: %s", urlsplit(push.endpoint).hostname, status or type(result).__name__)
        return status in (404, 410)

    @property
    def pending(self) -> int:
        """Deliveries under way."""
        return len(self._tasks)

    async def drain(self, timeout: float = 15) -> None:
        """At shutdown: let the pushes under way on this event loop finish (the banner shows them anyway)."""
        loop = asyncio.get_running_loop()
        mine = {t for t in self._tasks if t.get_loop() is loop}
        if mine:
            await asyncio.wait(mine, timeout=timeout)


async def forget_devices(sessionmaker: async_sessionmaker[AsyncSession], endpoints: Iterable[str]) -> None:
    async with sessionmaker() as session:
        await session.exec(delete(PushSubscription).where(  # type: ignore[call-overload]
            PushSubscription.endpoint.in_(list(endpoints))))  # type: ignore[attr-defined]
        await session.commit()
