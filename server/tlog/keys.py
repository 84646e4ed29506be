"""Ed25519 keys of signed notes (https://c2sp.org/signed-note, "Ed25519 signatures").

In the string forms of golang.org/x/mod/sumdb/note, which logs and witnesses exchange:
verifier "<name>+<key ID hex>+<base64(0x01 || public key)>" and signer
"PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 || seed)>", where
key ID = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4].
Signing and verifying are `cryptography`'s Ed25519 (RFC 8032).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01  # signature type byte ("Signature types")
_KEY_ID = re.compile(r"[0-9a-f]{8}")  # as Go's GenerateKey writes it: %08x


class MalformedKey(ValueError):
    """Not a well-formed Ed25519 signer or verifier key, or a key ID that does not match."""


def b64decode_strict(text: str) -> bytes:
    """Standard base64 (RFC 4648 §4), padded and canonical: one text for each byte string."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
    if base64.b64encode(raw).decode() != text:
        raise ValueError("not canonical base64")
    return raw


def is_valid_name(name: str) -> bool:
    """Key names are non-empty UTF-8, without Unicode spaces, plus signs ("Format") or control characters."""
    try:
        name.encode()
    except UnicodeEncodeError:
        return False
    return bool(name) and "+" not in name and not any(c.isspace() or c < " " for c in name)


def key_id(name: str, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _parse_key(name: str, hex_id: str, b64: str) -> tuple[str, int, bytes]:
    """The name, key ID and 32 key bytes of "<name>+<key ID hex>+<base64(0x01 || key)>"."""
    try:
        raw = b64decode_strict(b64)
    except ValueError:
        raise MalformedKey("the key is not base64") from None
    if not is_valid_name(name) or not _KEY_ID.fullmatch(hex_id) or len(raw) != 33 or raw[0] != ED25519:
        raise MalformedKey("not an Ed25519 key")
    return name, int(hex_id, 16), raw[1:]


def _encode_key(name: str, key_id: int, key: bytes) -> str:
    return f"{name}+{key_id:08x}+{base64.b64encode(bytes([ED25519]) + key).decode()}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: int
    public_key: bytes  # the 32 bytes of RFC 8032

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """Parse "<name>+<key ID>+<base64(0x01 || public key)>"."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise MalformedKey("not a verifier key")
        verifier = cls(*_parse_key(*parts))
        if key_id(verifier.name, verifier.public_key) != verifier.key_id:
            raise MalformedKey("the key ID does not match the key")
        return verifier

    @property
    def key(self) -> str:
        return _encode_key(self.name, self.key_id, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    key_id: int
    seed: bytes = field(repr=False)  # the 32-byte private key of RFC 8032: never in a log line

    @classmethod
    def from_key(cls, skey: str) -> Signer:
        """Parse "PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>", checking the ID against the public key."""
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedKey("not a signer key")
        signer = cls(*_parse_key(*parts[2:]))
        if key_id(signer.name, signer.verifier.public_key) != signer.key_id:
            raise MalformedKey("the key ID does not match the key")
        return signer

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new key for `name`: keep `.key` secret, publish `.verifier.key`."""
        if not is_valid_name(name):
            raise MalformedKey("a key name has no spaces nor plus signs")
        key = Ed25519PrivateKey.generate()
        return cls(name, key_id(name, key.public_key().public_bytes_raw()), key.private_bytes_raw())

    @property
    def key(self) -> str:
        return "PRIVATE+KEY+" + _encode_key(self.name, self.key_id, self.seed)

    @property
    def verifier(self) -> Verifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return Verifier(self.name, self.key_id, public)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)
