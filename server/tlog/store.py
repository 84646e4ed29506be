"""The transparency log in the database: its leaves, the nodes of its complete subtrees, its signed checkpoints.

A leaf stands for one access event without revealing it (leaf.py): a salted commitment to
the event's chain hash, its salt stored here and given to the Historique's readers only.

Nodes are stored as `merkle.MemoryTree` builds them, level 0 (the leaf hashes) included, so
any proof is `merkle.nodes_needed` then one query (`read_nodes`). Rows are only ever added:
the integrator (integrator.py) writes a batch of leaves, the nodes they complete and the
checkpoint that signs them in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, LargeBinary, Select, Text, and_, or_
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.audit import event_hash
from ..models import AccessEvent
from . import merkle
from .checkpoint import Checkpoint, TlogProof

TreeInt = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's INTEGER is 64 bits, and its rowid


class TlogLeaf(SQLModel, table=True):
    """Leaf `leaf_index` of the tree: one access event, in the order the integrator took them."""

    leaf_index: int = Field(sa_column=Column(TreeInt, primary_key=True, autoincrement=False))
    event_id: int = Field(foreign_key="accessevent.id", unique=True)  # an event is a leaf once at most
    salt: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # SALT_SIZE random bytes
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # merkle.leaf_hash(leaf_data(...))


class TlogNode(SQLModel, table=True):
    """The hash of the complete subtree of 2**level leaves starting at leaf node_index * 2**level."""

    level: int = Field(primary_key=True)
    node_index: int = Field(sa_column=Column(TreeInt, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class TlogCheckpoint(SQLModel, table=True):
    """A tree head the log signed (C2SP tlog-checkpoint), one per size the tree reached."""

    size: int = Field(sa_column=Column(TreeInt, primary_key=True, autoincrement=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))  # the signed note, verbatim
    created_at: datetime


class TlogCosignature(SQLModel, table=True):
    """A witness's cosignature of the checkpoint of `size` (C2SP tlog-cosignature): the newest it gave (tlog/witnessing.py)."""

    size: int = Field(sa_column=Column(TreeInt, ForeignKey("tlogcheckpoint.size"), primary_key=True, autoincrement=False))
    witness: str = Field(primary_key=True)  # the witness's key name
    key_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))  # a uint32
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))  # POSIX seconds, as the witness signed
    signature: str = Field(sa_column=Column(Text, nullable=False))  # base64, as on the signature line


class TlogWitness(SQLModel, table=True):
    """A witness the log submits to: the size it last said it cosigned, and until when a process holds it."""

    key: str = Field(primary_key=True)  # its cosigner verifier key
    size: int = Field(sa_column=Column(TreeInt, nullable=False))
    busy_until: datetime | None = None  # a process submitting to it, or after a failure, the next try


async def latest_checkpoint(session: AsyncSession) -> TlogCheckpoint | None:
    return (await session.exec(select(TlogCheckpoint).order_by(col(TlogCheckpoint.size).desc()).limit(1))).first()


async def latest_size(session: AsyncSession) -> int | None:
    """The size of the latest checkpoint (None: none signed yet), where the checkpoint itself is not needed."""
    return (await session.exec(_latest_size())).first()


@cache
def _latest_size() -> Select:
    """Built once: the integrator asks it twice a round (listing says why)."""
    return select(TlogCheckpoint.size).order_by(col(TlogCheckpoint.size).desc()).limit(1)


async def read_nodes(session: AsyncSession, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """These stored nodes, in one query."""
    query = nodes_query(wanted)
    if query is None:
        return {}
    return {(level, index): digest for level, index, digest in (await session.exec(query)).all()}


def nodes_query(wanted: Iterable[tuple[int, int]]) -> Select | None:
    """Level by level: SQLite reads a row-value IN list, `(level, node_index) IN (...)`, by scanning the whole
    table (25 ms at 214,000 nodes, growing with the log); `level = ? AND node_index IN (...)` goes through the
    primary key on both engines."""
    by_level: dict[int, list[int]] = {}
    for level, index in sorted(set(wanted)):
        by_level.setdefault(level, []).append(index)
    if not by_level:
        return None
    return select(TlogNode.level, TlogNode.node_index, TlogNode.hash).where(or_(*(
        and_(col(TlogNode.level) == level, col(TlogNode.node_index).in_(indexes)) for level, indexes in by_level.items())))


def reader(nodes: dict[tuple[int, int], bytes]) -> merkle.NodeReader:
    def node(level: int, index: int) -> bytes:
        try:
            return nodes[(level, index)]
        except KeyError:  # a node of a signed size missing: the store is damaged, never the caller's input
            raise LookupError(f"the log's node ({level}, {index}) is missing") from None
    return node


async def prove(session: AsyncSession, proof: Callable[..., list[bytes]], *sizes: int) -> list[bytes]:
    """`merkle.inclusion_proof` or `merkle.consistency_proof` over the stored tree: one query for its nodes.

    The caller checks the sizes against a checkpoint: every node of a tree it signed is stored.
    """
    nodes = await read_nodes(session, merkle.nodes_needed(proof, *sizes))
    return proof(*sizes, reader(nodes))


async def leaf_of(session: AsyncSession, event: AccessEvent) -> TlogLeaf | None:
    """The event's leaf; None while it is not integrated (a second or two after it was appended)."""
    return (await session.exec(select(TlogLeaf).where(TlogLeaf.event_id == event.id))).first()


async def event_proof(session: AsyncSession, event: AccessEvent, signed: str | None = None) -> TlogProof | None:
    """The event's offline proof (C2SP tlog-proof) in `signed`, a checkpoint with the witnesses' cosignatures it carries
    (what /journal/checkpoint serves), else the latest; None while the event is not in that tree yet.

    Its extra line is the leaf's salt then the event's hash as it reads now (32 bytes each): what
    a third party needs to recompute the leaf, and what makes an edited event's proof fail.
    """
    leaf = await leaf_of(session, event)
    if signed is None:
        latest = await latest_checkpoint(session)
        signed = None if latest is None else latest.note
    if leaf is None or signed is None:
        return None
    size = Checkpoint.parse(signed[:signed.index("\n\n") + 1]).size  # the note's body, its signatures after
    if size <= leaf.leaf_index:
        return None
    hashes = await prove(session, merkle.inclusion_proof, leaf.leaf_index, size)
    return TlogProof(leaf.leaf_index, tuple(hashes), signed, extra=leaf.salt + bytes.fromhex(event_hash(event)))
