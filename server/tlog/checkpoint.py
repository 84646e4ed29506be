"""Checkpoints (https://c2sp.org/tlog-checkpoint) and offline proofs (https://c2sp.org/tlog-proof).

A checkpoint is a signed note whose text is the log's tree head:

    <origin>
    <tree size, decimal>
    <base64 root hash>
    [extension lines]

An offline proof bundles an entry's index, its RFC 9162 inclusion proof and a signed
checkpoint, so that anyone holding the log's public key can check it without us.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import merkle
from .keys import Signer, Verifier, b64decode_strict
from .note import Note, Signature, open_note, sign

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 64  # an inclusion proof in a tree of fewer than 2**64 leaves
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # no leading zeroes


class CheckpointError(ValueError):
    """A checkpoint or an offline proof that does not follow its format."""


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) >= 2**64:
        raise CheckpointError(f"the {what} is not a decimal without leading zeroes")
    return int(text)


def _hash(text: str, what: str) -> bytes:
    try:
        raw = b64decode_strict(text)
    except ValueError:
        raise CheckpointError(f"the {what} is not base64") from None
    if len(raw) != merkle.HASH_SIZE:
        raise CheckpointError(f"the {what} is not a SHA-256 hash")
    return raw


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()  # opaque and NOT RECOMMENDED ("Note text"): Carnet writes none

    def text(self) -> str:
        """The note text ("Note text"), checked as strictly as `parse` checks."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        text = "\n".join(lines) + "\n"
        if Checkpoint.parse(text) != self:
            raise CheckpointError("this checkpoint cannot be written in the format")
        return text

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint's note text: at least three non-empty lines, each newline-terminated."""
        if not text.endswith("\n") or any(c < " " for c in text if c != "\n"):
            raise CheckpointError("a checkpoint is lines of text, each ending in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or "" in lines:
            raise CheckpointError("a checkpoint is an origin, a size, a root hash and extensions, none empty")
        origin, size, root, *extensions = lines
        return cls(origin, _decimal(size, "tree size"), _hash(root, "root hash"), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer, *, keep: Iterable[Signature] = ()) -> str:
    """The signed checkpoint; the log's key name matches the origin ("Signatures")."""
    if signer.name != checkpoint.origin:
        raise CheckpointError("the log signs with a key named after its origin")
    return sign(checkpoint.text(), [signer], keep=keep)


def open_checkpoint(signed: str | bytes, *, log: Verifier, origin: str | None = None) -> tuple[Checkpoint, Note]:
    """The checkpoint, if the log's key signed it and it names the expected origin (the key's name by default).

    Other signatures (witnesses' cosignatures) are left in the note's `unverified` for
    their own check.
    """
    note = open_note(signed, [log])
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != (log.name if origin is None else origin):
        raise CheckpointError(f"the checkpoint is from {checkpoint.origin!r}, not the expected log")
    return checkpoint, note


def verify_checkpoint_consistency(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Check that `new` extends `old`: same log, and an RFC 9162 consistency proof between them."""
    if old.origin != new.origin:
        raise CheckpointError("the checkpoints are from two logs")
    merkle.verify_consistency(old_size=old.size, new_size=new.size, old_root=old.root, new_root=new.root, proof=proof)


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: tuple[bytes, ...]  # RFC 9162 inclusion proof, from the leaf's sibling up
    checkpoint: str  # the signed checkpoint, verbatim
    extra: bytes | None = None  # opaque and unauthenticated ("Format")

    def text(self) -> str:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.hashes)
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str) -> TlogProof:
        """Read an offline proof ("Format"); the checkpoint is kept verbatim, checked by `verify_proof`."""
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or lines[0] != PROOF_HEADER or len(lines) < 2:
            raise CheckpointError(f"an offline proof starts with {PROOF_HEADER} and ends with a checkpoint")
        extra = None
        if lines[1].startswith("extra "):
            try:
                extra = b64decode_strict(lines.pop(1).removeprefix("extra "))
            except ValueError:
                raise CheckpointError("the extra data is not base64") from None
        if len(lines) < 2 or not lines[1].startswith("index "):
            raise CheckpointError("an offline proof gives the entry's index")
        index = _decimal(lines[1].removeprefix("index "), "index")
        if len(lines) - 2 > MAX_PROOF_HASHES:
            raise CheckpointError("the inclusion proof is too long")
        return cls(index, tuple(_hash(line, "proof hash") for line in lines[2:]), checkpoint, extra)


def verify_proof(
    text: str, *, leaf_hash: bytes, log: Verifier, origin: str | None = None
) -> tuple[TlogProof, Checkpoint]:
    """Check an offline proof: the log signed its checkpoint, and that tree holds `leaf_hash` at the index.

    `leaf_hash` is the RFC 9162 leaf hash (`merkle.leaf_hash(entry)`), never the entry
    itself: a 32-byte entry and a hash would otherwise be indistinguishable.
    """
    proof = TlogProof.parse(text)
    checkpoint, _ = open_checkpoint(proof.checkpoint, log=log, origin=origin)
    merkle.verify_inclusion(
        leaf_hash=leaf_hash, index=proof.index, size=checkpoint.size, proof=proof.hashes, root=checkpoint.root
    )
    return proof, checkpoint
