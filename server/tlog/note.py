"""Signed notes as C2SP defines them (https://c2sp.org/signed-note), with Ed25519 keys.

Follows golang.org/x/mod/sumdb/note, the reference implementation, and its test vectors:

    <text ending in a newline>
    <blank line>
    — <key name> <base64(4-byte key ID || signature)>

Keys (Signer, Verifier) are in keys.py.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from .keys import MalformedKey, Signer, Verifier, b64decode_strict, is_valid_name

MAX_SIGNATURES = 100  # the spec asks to accept at least 16; Go's reference stops at 100
SIGNATURE_PREFIX = "— "  # em dash U+2014, space


class NoteError(ValueError):
    """A note or key that cannot be used."""


class MalformedNote(NoteError):
    """Not a signed note: bad syntax, control characters, bad names or base64."""


class BadSignature(NoteError):
    """A known key's signature fails to verify: the whole note is rejected ("Signatures")."""


class UnverifiedNote(NoteError):
    """A well-formed note that no trusted key signed; `.note` holds it, for evidence only."""

    def __init__(self, note: Note) -> None:
        super().__init__("no trusted key signed the note")
        self.note = note


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    base64: str  # 4-byte key ID then the signature, as on the line

    @property
    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {self.base64}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...] = ()  # verified by a trusted key
    unverified: tuple[Signature, ...] = ()  # from keys we do not know, kept as they came


def _check_characters(text: str) -> None:
    """Valid UTF-8, and no ASCII control character but the newline ("Format")."""
    if any(c < " " and c != "\n" for c in text):
        raise MalformedNote("a note has no control characters")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise MalformedNote("a note is UTF-8") from None


def sign(text: str, signers: Iterable[Signer], *, keep: Iterable[Signature] = ()) -> str:
    """The signed note: `keep` (others' signatures: a witness adds its own) then the new ones."""
    _check_characters(text)
    if not text.endswith("\n"):
        raise MalformedNote("a note's text ends with a newline")
    signers = list(signers)
    if not all(is_valid_name(s.name) for s in signers):
        raise MalformedKey("a key name has no spaces nor plus signs")
    replaced = {(s.name, s.key_id) for s in signers}
    lines = []
    for sig in keep:
        if not is_valid_name(sig.name):
            raise MalformedNote("a kept signature's name is malformed")
        if (sig.name, sig.key_id) in replaced:
            continue  # a signer's new signature replaces its old one, whatever that was
        try:
            raw = b64decode_strict(sig.base64)
        except ValueError:
            raise MalformedNote("a kept signature is not base64") from None
        if len(raw) < 5 or int.from_bytes(raw[:4], "big") != sig.key_id:
            raise MalformedNote("a kept signature does not match its key ID")
        lines.append(sig.line)
    for s in signers:
        raw = s.key_id.to_bytes(4, "big") + s.sign(text.encode())
        lines.append(Signature(s.name, s.key_id, base64.b64encode(raw).decode()).line)
    return text + "\n" + "".join(lines)


def open_note(message: str | bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse a signed note and check the signatures of trusted keys ("Signatures").

    Signatures from unknown keys are kept unverified; a bad one from a trusted key
    rejects the note; a note that no trusted key signed raises UnverifiedNote.
    """
    if isinstance(message, bytes):
        try:
            message = message.decode()
        except UnicodeDecodeError:
            raise MalformedNote("a note is UTF-8") from None
    _check_characters(message)
    split = message.rfind("\n\n")
    if split < 0 or not message.endswith("\n") or split + 2 == len(message):
        raise MalformedNote("a note ends with a blank line then signature lines")
    text, block = message[: split + 1], message[split + 2 :]
    known: dict[tuple[str, int], list[Verifier]] = {}
    for v in verifiers:
        known.setdefault((v.name, v.key_id), []).append(v)

    verified: list[Signature] = []
    unverified: list[Signature] = []
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote("too many signatures")
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote("a signature line starts with an em dash and a space")
        name, _, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            raw = b64decode_strict(b64)
        except ValueError:
            raise MalformedNote("a signature is not base64") from None
        if not is_valid_name(name) or len(raw) < 5:
            raise MalformedNote("a signature line is malformed")
        sig = Signature(name, int.from_bytes(raw[:4], "big"), b64)
        candidates = known.get((sig.name, sig.key_id), [])
        if not candidates:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if len(candidates) > 1:
            raise NoteError(f"ambiguous key {sig.name}+{sig.key_id:08x}: two trusted keys share it")
        if any((s.name, s.key_id) == (sig.name, sig.key_id) for s in verified):
            continue  # one key's repeated signature is checked once, as Go does
        if not candidates[0].verify(text.encode(), raw[4:]):
            raise BadSignature(f"invalid signature for key {sig.name}+{sig.key_id:08x}")
        verified.append(sig)
    note = Note(text, tuple(verified), tuple(unverified))
    if not verified:
        raise UnverifiedNote(note)
    return note
