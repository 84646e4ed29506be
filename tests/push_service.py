"""A browser vendor's push service and a browser's push keys, played on this machine.

Carnet posts encrypted messages to a subscription's endpoint (RFC 8030). Here the endpoint is
an `http.server` on 127.0.0.1 that records each POST, and a `Device` holds the keys a browser
makes in `PushManager.subscribe` (a P-256 key pair and 16 random auth bytes, RFC 8291), so a
test can decrypt what arrived exactly as the phone would, and check the VAPID signature.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """Answers 201 Created, as push services do, or the status a test chose for one path."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, int] = {}
        self.delays: dict[str, list[float]] = {}  # seconds before answering, one per coming message to a path
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if service.delays.get(self.path):
                    time.sleep(service.delays[self.path].pop(0))
                service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(service.answers.get(self.path, 201))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def device(self, name: str, *, answer: int = 201) -> Device:
        self.answers[f"/push/{name}"] = answer
        return Device(endpoint=f"{self.origin}/push/{name}")

    def slow(self, device: Device, *seconds: float) -> None:
        """Answer the device's next messages after these delays (received when answered, as a device sees it)."""
        self.delays[device.endpoint.removeprefix(self.origin)] = list(seconds)

    def to(self, device: Device) -> list[Received]:
        path = device.endpoint.removeprefix(self.origin)
        return [r for r in self.received if r.path == path]

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """Block until `count` messages arrived (for callers outside an event loop)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Device:
    """A browser's side of one subscription: what `PushSubscription.toJSON()` gives, and the private half."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def read(self, message: Received) -> dict:
        """Decrypt a message as the browser does (aes128gcm, RFC 8188 and 8291) and parse its JSON."""
        assert message.headers["content-encoding"] == "aes128gcm"
        return json.loads(http_ece.decrypt(message.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


def vapid_claims(message: Received, *, application_server_key: str) -> dict:
    """The claims of the message's VAPID token (RFC 8292), once its signature checks with the site's public key."""
    scheme, _, params = message.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    assert values["k"] == application_server_key
    header, claims, signature = values["t"].split(".")
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(values["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    return json.loads(unb64url(claims))
