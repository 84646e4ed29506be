"""Witnesses' cosignatures (https://c2sp.org/tlog-cosignature), the Ed25519 kind: key type 0x04.

A cosignature is a signed-note signature line on a checkpoint, by a witness that checked the
checkpoint extends the last one it saw ("Format"):

    — <witness name> base64(key ID (4 bytes) || timestamp (8 bytes, big-endian) || Ed25519 signature (64))

key ID = SHA-256(name || "\\n" || 0x04 || 32-byte public key)[:4], and what is signed is
("Ed25519 signed message")

    cosignature/v1
    time <timestamp, decimal>
    <the checkpoint's note text: origin, size, root hash, extension lines>

Keys are written as note keys ("vkeys") with the type byte 0x04: "<name>+<key ID hex>+<base64(0x04
|| public key)>", and "PRIVATE+KEY+<name>+<key ID hex>+<base64(0x04 || seed)>" for the witness's
own, as transparency-dev/formats reads them. The message does not commit to the name, so one key
is one witness ("A cosigner operator that operates multiple Ed25519 cosigners ... MUST use distinct
public keys"). Signing and verifying are `cryptography`'s Ed25519.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .keys import MalformedKey, b64decode_strict, is_valid_name
from .note import Note, NoteError, Signature

COSIGNATURE_V1 = 0x04  # the key type byte of Ed25519 cosignatures ("Format")
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1  # "It MUST NOT exceed 2^63 - 1"
SIGNATURE_SIZE = 4 + 8 + 64  # key ID || timestamp || Ed25519 signature
_KEY_ID = re.compile(r"[0-9a-f]{8}")


class BadCosignature(NoteError):
    """A known witness's signature line that is malformed or does not verify on this checkpoint."""


def cosigner_key_id(name: str, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || 0x04 || public key)[:4], big-endian ("Format")."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def signed_message(body: str, timestamp: int) -> bytes:
    """What the witness signs: the header line, the time line, then the checkpoint's note text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError("a cosignature's time is 0 to 2**63 - 1 seconds")
    return f"{HEADER}time {timestamp}\n{body}".encode()


def _parse_key(name: str, hex_id: str, b64: str) -> tuple[str, int, bytes]:
    try:
        raw = b64decode_strict(b64)
    except ValueError:
        raise MalformedKey("the key is not base64") from None
    if not is_valid_name(name) or not _KEY_ID.fullmatch(hex_id) or len(raw) != 33 or raw[0] != COSIGNATURE_V1:
        raise MalformedKey("not an Ed25519 cosignature key (type 0x04)")
    return name, int(hex_id, 16), raw[1:]


def _encode_key(name: str, key_id: int, key: bytes) -> str:
    return f"{name}+{key_id:08x}+{base64.b64encode(bytes([COSIGNATURE_V1]) + key).decode()}"


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: whose, when, and its line as the witness wrote it."""

    name: str
    key_id: int
    timestamp: int
    base64: str

    @property
    def line(self) -> str:
        return Signature(self.name, self.key_id, self.base64).line


@dataclass(frozen=True)
class CosignerVerifier:
    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def from_key(cls, vkey: str) -> CosignerVerifier:
        """Parse "<name>+<key ID>+<base64(0x04 || public key)>", checking the ID against the key."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise MalformedKey("not a verifier key")
        verifier = cls(*_parse_key(*parts))
        if cosigner_key_id(verifier.name, verifier.public_key) != verifier.key_id:
            raise MalformedKey("the key ID does not match the key")
        return verifier

    @property
    def key(self) -> str:
        return _encode_key(self.name, self.key_id, self.public_key)

    def matches(self, signature: Signature) -> bool:
        return (signature.name, signature.key_id) == (self.name, self.key_id)

    def verify(self, body: str, signature: Signature) -> Cosignature:
        """The cosignature, if this witness's `signature` line is valid on the checkpoint text `body`."""
        if not self.matches(signature):
            raise BadCosignature("this signature is another key's")
        try:
            raw = b64decode_strict(signature.base64)
        except ValueError:
            raise BadCosignature("the cosignature is not base64") from None
        if len(raw) != SIGNATURE_SIZE:
            raise BadCosignature("a cosignature is a key ID, a timestamp and an Ed25519 signature")
        timestamp = int.from_bytes(raw[4:12], "big")
        if timestamp > MAX_TIMESTAMP:
            raise BadCosignature("the cosignature's time is beyond 2**63 - 1")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(raw[12:], signed_message(body, timestamp))
        except InvalidSignature:
            raise BadCosignature(f"invalid cosignature for key {self.name}+{self.key_id:08x}") from None
        return Cosignature(self.name, self.key_id, timestamp, signature.base64)


@dataclass(frozen=True)
class CosignerSigner:
    name: str
    key_id: int
    seed: bytes = field(repr=False)  # the 32-byte Ed25519 private key: never in a log line

    @classmethod
    def from_key(cls, skey: str) -> CosignerSigner:
        """Parse "PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>", checking the ID against the public key."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedKey("not a signer key")
        signer = cls(*_parse_key(*parts[2:]))
        if cosigner_key_id(signer.name, signer.verifier.public_key) != signer.key_id:
            raise MalformedKey("the key ID does not match the key")
        return signer

    @classmethod
    def generate(cls, name: str) -> CosignerSigner:
        if not is_valid_name(name):
            raise MalformedKey("a key name has no spaces nor plus signs")
        key = Ed25519PrivateKey.generate()
        return cls(name, cosigner_key_id(name, key.public_key().public_bytes_raw()), key.private_bytes_raw())

    @property
    def key(self) -> str:
        return "PRIVATE+KEY+" + _encode_key(self.name, self.key_id, self.seed)

    @property
    def verifier(self) -> CosignerVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return CosignerVerifier(self.name, self.key_id, public)

    def cosign(self, body: str, *, timestamp: int) -> Cosignature:
        """This witness's cosignature of the checkpoint text `body` at `timestamp` (POSIX seconds)."""
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(signed_message(body, timestamp))
        raw = self.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return Cosignature(self.name, self.key_id, timestamp, base64.b64encode(raw).decode())


def cosignatures(note: Note, witnesses: Iterable[CosignerVerifier]) -> list[Cosignature]:
    """The valid cosignatures of these witnesses among a note's signatures, one per witness (the newest).

    Lines of other keys are ignored ("The client MUST ignore any cosignatures from unknown keys",
    c2sp.org/tlog-witness); a known witness's bad line raises BadCosignature, as signed-note
    rejects a note on a known key's bad signature.
    """
    found: dict[tuple[str, int], Cosignature] = {}
    witnesses = list(witnesses)
    for signature in (*note.signatures, *note.unverified):
        for witness in witnesses:
            if witness.matches(signature):
                cosigned = witness.verify(note.text, signature)
                newest = found.get((witness.name, witness.key_id))
                if newest is None or cosigned.timestamp > newest.timestamp:
                    found[(witness.name, witness.key_id)] = cosigned
    return list(found.values())
