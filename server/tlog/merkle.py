"""Merkle tree hashing and proofs as RFC 9162 (Certificate Transparency 2.0) §2.1 defines them.

Leaf and interior nodes are hashed with domain separation (§2.1.1), so no leaf can be
passed off as a node. Leaves are numbered from 0, sizes count leaves.

Proofs are generated from `node(level, index)`: the hash of the complete subtree of
2**level leaves that starts at leaf index * 2**level, the nodes a stored tree keeps
once and never changes. A proof reads O(log n) of them: `nodes_needed` tells which, so
a database can fetch them in one query. `MemoryTree` keeps them in lists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = HASH() (§2.1.1)

NodeReader = Callable[[int, int], bytes]


class InvalidProof(ValueError):
    """A proof that does not prove what it claims."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0)) (§2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) (§2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n, for n > 1 (§2.1.1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_hash(start: int, end: int, node: NodeReader) -> bytes:
    """MTH(D[start:end]) for a subtree of the RFC's recursion: complete ones are read, others folded."""
    width = end - start
    if width & (width - 1) == 0:  # complete: the recursion only meets them aligned on their width
        level = width.bit_length() - 1
        return node(level, start >> level)
    k = _split(width)
    return node_hash(_subtree_hash(start, start + k, node), _subtree_hash(start + k, end, node))


def tree_hash(size: int, node: NodeReader) -> bytes:
    """The root MTH(D[size]) of the first `size` leaves (§2.1.1)."""
    if size < 0:
        raise ValueError("a tree size is never negative")
    return EMPTY_ROOT if size == 0 else _subtree_hash(0, size, node)


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """PATH(index, D[size]) (§2.1.3.1): the siblings from the leaf's up to the root's child."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path, start, end = [], 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(_subtree_hash(start + k, end, node))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(_subtree_hash(start, start + k, node))
            start += k
    return path[::-1]


def consistency_proof(old_size: int, new_size: int, node: NodeReader) -> list[bytes]:
    """PROOF(old_size, D[new_size]) (§2.1.4.1); empty when there is nothing to prove."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    proof, start, end, m, whole_old_tree = [], 0, new_size, old_size, True
    while m != end - start:  # SUBPROOF(m, D[start:end], whole_old_tree)
        k = _split(end - start)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            proof.append(_subtree_hash(start + k, end, node))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            proof.append(_subtree_hash(start, start + k, node))
            start, m, whole_old_tree = start + k, m - k, False
    if not whole_old_tree:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        proof.append(_subtree_hash(start, end, node))
    return proof[::-1]


def nodes_needed(proof: Callable[..., object], *sizes: int) -> set[tuple[int, int]]:
    """The (level, index) of every stored node that `proof(*sizes, node)` would read.

    The algorithms' path depends on sizes alone, never on hash values, so a dry run
    with blank hashes lists them: fetch these in one query, then run the proof for real.
    """
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return bytes(HASH_SIZE)

    proof(*sizes, record)
    return wanted


def _check_hashes(*hashes: bytes) -> None:
    if any(len(h) != HASH_SIZE for h in hashes):
        raise InvalidProof("a hash is not 32 bytes long")


def root_from_inclusion_proof(*, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to, by the verification algorithm of §2.1.3.2."""
    _check_hashes(leaf_hash, *proof)
    if not 0 <= index < size:
        raise InvalidProof(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise InvalidProof("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InvalidProof("the inclusion proof is too short")
    return r


def verify_inclusion(*, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that leaf `index` of the tree of `size` leaves with this root has this hash (§2.1.3.2)."""
    _check_hashes(root)
    if root_from_inclusion_proof(leaf_hash=leaf_hash, index=index, size=size, proof=proof) != root:
        raise InvalidProof("the inclusion proof does not lead to the root")


def verify_consistency(*, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of `old_size` leaves is a prefix of the one of `new_size` (§2.1.4.2).

    Beyond the RFC's case 0 < old_size < new_size: equal sizes need equal roots and an
    empty proof; the empty tree (whose root must be MTH({})) is a prefix of every tree.
    """
    _check_hashes(old_root, new_root, *proof)
    if not 0 <= old_size <= new_size:
        raise InvalidProof(f"a tree of {new_size} cannot extend one of {old_size}")
    if old_size in (0, new_size):
        expected = EMPTY_ROOT if old_size == 0 else new_root
        if proof or old_root != expected:
            raise InvalidProof("the roots of the two trees are inconsistent")
        return
    if not proof:
        raise InvalidProof("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a complete subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise InvalidProof("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise InvalidProof("the consistency proof does not lead to both roots")


class MemoryTree:
    """A tree held in lists, one per level of complete subtrees: for tests, tools and witnesses."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf_hash: bytes) -> int:
        """Add a leaf hash, complete the subtrees it closes, and return its index."""
        _check_hashes(leaf_hash)
        self.levels[0].append(leaf_hash)
        level = 0
        while len(self.levels[level]) % 2 == 0:
            if len(self.levels) == level + 1:
                self.levels.append([])
            self.levels[level + 1].append(node_hash(*self.levels[level][-2:]))
            level += 1
        return self.size - 1

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def _size(self, size: int | None) -> int:
        if size is not None and not 0 <= size <= self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")
        return self.size if size is None else size

    def root(self, size: int | None = None) -> bytes:
        return tree_hash(self._size(size), self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self._size(size), self.node)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self._size(new_size), self.node)
