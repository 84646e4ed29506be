"""What a leaf of the transparency log holds: a salted commitment to one access event, revealing nothing of it.

leaf data = LEAF_PREFIX || salt (32 random bytes) || the event's chain hash (`audit.event_hash`,
32 bytes), and the leaf's hash is RFC 9162's `merkle.leaf_hash(leaf data)`. The prefix separates
these from any other data a SHA-256 could be asked about; the fixed lengths leave one reading.
The salt is stored with the leaf and given only to those who may read the event (in its offline
proof): without it, a leaf cannot be matched to a guess of the event (who, when, which dossier).
Pure, like the rest of the core: the command line checks proofs with it and no database.
"""

from __future__ import annotations

from . import merkle

SALT_SIZE = 32
LEAF_PREFIX = b"carnet/journal/access-event/v1\n"


def leaf_data(salt: bytes, event_hash: str | bytes) -> bytes:
    """The leaf's entry, from its salt and the event's hash (hex, as the log stores it, or bytes)."""
    digest = bytes.fromhex(event_hash) if isinstance(event_hash, str) else event_hash
    if len(salt) != SALT_SIZE or len(digest) != merkle.HASH_SIZE:
        raise ValueError("a leaf is a 32-byte salt and a SHA-256 event hash")
    return LEAF_PREFIX + salt + digest


def event_leaf_hash(salt: bytes, event_hash: str | bytes) -> bytes:
    return merkle.leaf_hash(leaf_data(salt, event_hash))
