"""How a reader's pages name events of the log: by their number in the dossier's chain, or by nothing they can count.

A page of the Historique goes on from an event (`?avant=`), tells the fragments it asks for how far its reader had
seen (a header), and names each line. The patient, and a caregiver, read the dossier's own numbers (`seq`), as the
CSV, the proofs and the chain do. A minor's legal representative must not: events kept from them (CSP L1111-5,
caregivers/confidential.py) leave gaps in those numbers, which would tell them that something is kept, and when.
So for every representative alike (or its absence would tell as much), a number leaves the server as a token: the
number enciphered, one AES block under a key of this reader and this dossier (a pseudorandom permutation: two tokens
say nothing of the distance between their numbers, and only this reader's pages read them back).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN = re.compile(r"[0-9a-f]{32}")
NUMBER = re.compile(r"[0-9]{1,10}")  # ASCII digits ("²" is not 2), small enough for the database
MAX_INT = 2**31 - 1


@dataclass(frozen=True)
class Numbering:
    """`out` a number as this reader's pages write it; `read` it back (None: not one of theirs)."""

    key: bytes | None = None  # None: the dossier's own numbers

    @classmethod
    def for_reader(cls, *, secret: str, account_id: str, dossier_id: str, representative: bool) -> Numbering:
        if not representative:
            return SEQ
        key = hmac.new(secret.encode(), f"carnet-log-numbers/{account_id}/{dossier_id}".encode(), hashlib.sha256)
        return cls(key.digest()[:16])

    @property
    def shows_chain(self) -> bool:
        """Whether this reader sees the chain: numbers, hashes, a proof of each event."""
        return self.key is None

    def out(self, seq: int) -> str:
        if self.key is None:
            return str(seq)
        # One block: ECB is the permutation itself, with nothing to chain.
        encryptor = Cipher(algorithms.AES(self.key), modes.ECB()).encryptor()  # noqa: S305
        return (encryptor.update(seq.to_bytes(16, "big")) + encryptor.finalize()).hex()

    def read(self, text: str | None) -> int | None:
        text = (text or "").strip()
        if self.key is None:
            return int(text) if NUMBER.fullmatch(text) and int(text) <= MAX_INT else None
        if not text or not TOKEN.fullmatch(text):
            return None
        decryptor = Cipher(algorithms.AES(self.key), modes.ECB()).decryptor()  # noqa: S305
        value = int.from_bytes(decryptor.update(bytes.fromhex(text)) + decryptor.finalize(), "big")
        return value if value <= MAX_INT else None  # another key's token reads as noise


SEQ = Numbering()
