"""RFC 9162 Merkle proofs (server.tlog.merkle): known vectors, an independent implementation, tampering.

Vectors: the Certificate Transparency reference tree of 8 leaves, as kept by
transparency-dev/merkle (proof/verify_test.go, from Google's certificate-transparency
C++ tests), and the worked 7-leaf example of RFC 6962 §2.1.3 (RFC 9162 §2.1.5).
Independent implementation: pymerkle (RFC 9162 hashing: 0x00 / 0x01 prefixes, SHA-256).
"""

import hashlib
import random

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.tlog.merkle import (
    EMPTY_ROOT,
    InvalidProof,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    nodes_needed,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (  # sizes 1 to 8
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
# (leaf index counted from 0 — the source counts from 1 —, tree size, proof)
INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
REFERENCE = MemoryTree(leaf_hash(d) for d in LEAVES)
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def flipped(proof, i, bit):
    return [h if j != i else bytes([h[0] ^ bit]) + h[1:] for j, h in enumerate(proof)]


def assert_inclusion_rejects_tampering(leaf, index, size, proof, root):
    """The probes of transparency-dev's corruptInclusionProof: each must fail."""
    probes = [
        dict(index=index - 1), dict(index=index + 1), dict(index=index ^ 2),
        dict(size=size * 2), dict(size=size // 2),
        dict(leaf_hash=SOME_HASH), dict(root=EMPTY_ROOT), dict(root=SOME_HASH),
        dict(proof=[*proof, root]), dict(proof=[root, *proof]), dict(proof=[*proof, SOME_HASH]),
    ]
    probes += [dict(proof=flipped(proof, i, 8)) for i in range(len(proof))]
    if proof:
        probes.append(dict(proof=proof[:-1]))
    if len(proof) > 1:
        probes.append(dict(proof=[proof[0], SOME_HASH, *proof[1:]]))
    for probe in probes:
        args = dict(leaf_hash=leaf, index=index, size=size, proof=proof, root=root) | probe
        if (args["index"], args["size"], args["leaf_hash"], args["root"], args["proof"]) == (index, size, leaf, root, proof):
            continue  # a probe that changes nothing here (index ^ 2 == index + 1 ...)
        with pytest.raises(InvalidProof):
            verify_inclusion(**args)


def assert_consistency_rejects_tampering(old_size, new_size, old_root, new_root, proof):
    """The probes of transparency-dev's corruptConsistencyProof: each must fail."""
    probes = [
        dict(old_size=old_size - 1), dict(old_size=old_size + 1), dict(old_size=old_size ^ 2),
        dict(new_size=new_size * 2), dict(new_size=new_size // 2),
        dict(old_root=SOME_HASH), dict(new_root=SOME_HASH), dict(old_root=new_root, new_root=old_root),
        dict(proof=[]), dict(proof=[*proof, old_root]), dict(proof=[*proof, new_root]),
        dict(proof=[old_root, *proof]), dict(proof=[new_root, *proof]), dict(proof=[proof[0], *proof]),
        dict(proof=proof[:-1]),
    ]
    probes += [dict(proof=flipped(proof, i, 16)) for i in range(len(proof))]
    for probe in probes:
        args = dict(old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=proof) | probe
        with pytest.raises(InvalidProof):
            verify_consistency(**args)


def test_roots_of_the_reference_tree_for_every_size():
    assert REFERENCE.root(0) == EMPTY_ROOT == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert [REFERENCE.root(n) for n in range(1, 9)] == ROOTS


@pytest.mark.parametrize("index, size, proof", INCLUSION)
def test_inclusion_proofs_are_the_reference_ones_and_only_they_verify(index, size, proof):
    proof = [bytes.fromhex(h) for h in proof]
    assert REFERENCE.inclusion_proof(index, size) == proof
    leaf = leaf_hash(LEAVES[index])
    verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=proof, root=ROOTS[size - 1])
    assert_inclusion_rejects_tampering(leaf, index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize("old_size, new_size, proof", CONSISTENCY)
def test_consistency_proofs_are_the_reference_ones_and_only_they_verify(old_size, new_size, proof):
    proof = [bytes.fromhex(h) for h in proof]
    assert REFERENCE.consistency_proof(old_size, new_size) == proof
    old_root, new_root = ROOTS[old_size - 1], ROOTS[new_size - 1]
    verify_consistency(old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=proof)
    if proof:
        assert_consistency_rejects_tampering(old_size, new_size, old_root, new_root, proof)


def test_the_worked_example_of_rfc_6962_section_2_1_3():
    def h(*parts):
        return hashlib.sha256(b"".join(parts)).digest()

    a, b, c, d, e, f, j = (h(b"\x00", leaf) for leaf in LEAVES[:7])  # j is the lone d6
    g, hh, i = h(b"\x01", a, b), h(b"\x01", c, d), h(b"\x01", e, f)
    k, l = h(b"\x01", g, hh), h(b"\x01", i, j)
    tree = MemoryTree(leaf_hash(x) for x in LEAVES[:7])
    assert tree.root() == h(b"\x01", k, l)
    assert [tree.inclusion_proof(n) for n in (0, 3, 4, 6)] == [[b, hh, l], [c, g, l], [f, j, k], [i, k]]
    assert [tree.consistency_proof(m) for m in (3, 4, 6)] == [[c, d, g, l], [l], [i, j, k]]


def test_trivial_consistency_the_empty_tree_and_equal_sizes():
    verify_consistency(old_size=0, new_size=8, old_root=EMPTY_ROOT, new_root=ROOTS[7], proof=[])
    verify_consistency(old_size=8, new_size=8, old_root=ROOTS[7], new_root=ROOTS[7], proof=[])
    for bad in [dict(old_size=0, old_root=SOME_HASH), dict(old_size=8, old_root=ROOTS[6]),
                dict(old_size=8, proof=[EMPTY_ROOT]), dict(old_size=9), dict(old_size=-1)]:
        with pytest.raises(InvalidProof):
            verify_consistency(**(dict(old_size=8, new_size=8, old_root=ROOTS[7], new_root=ROOTS[7], proof=[]) | bad))


def test_hashes_of_the_wrong_length_and_impossible_indexes_are_refused():
    with pytest.raises(InvalidProof):
        verify_inclusion(leaf_hash=b"", index=0, size=1, proof=[], root=b"")
    for index, size in [(0, 0), (1, 0), (1, 1), (-1, 1)]:
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf_hash=SOME_HASH, index=index, size=size, proof=[], root=SOME_HASH)
        with pytest.raises(ValueError):
            REFERENCE.inclusion_proof(index, size)
    with pytest.raises(ValueError):
        REFERENCE.root(9)


def test_a_proof_reads_few_stored_nodes_and_only_those_it_announces():
    tree = MemoryTree(leaf_hash(n.to_bytes(4, "big")) for n in range(1000))
    for index, size in [(0, 1000), (999, 1000), (517, 777), (3, 4)]:
        wanted = nodes_needed(inclusion_proof, index, size)
        assert len(wanted) <= 2 * size.bit_length()
        stored = {key: tree.node(*key) for key in wanted}
        assert inclusion_proof(index, size, lambda *key: stored[key]) == tree.inclusion_proof(index, size)
    for old, new in [(1, 1000), (999, 1000), (300, 777), (512, 1000)]:
        wanted = nodes_needed(consistency_proof, old, new)
        assert len(wanted) <= 2 * new.bit_length()
        stored = {key: tree.node(*key) for key in wanted}
        assert consistency_proof(old, new, lambda *key: stored[key]) == tree.consistency_proof(old, new)


def test_every_tree_size_from_1_to_1000_agrees_with_pymerkle():
    """Roots, inclusion and consistency against pymerkle, an independent implementation.

    pymerkle's inclusion path is RFC 9162's preceded by the leaf hash. Its consistency
    proofs take another path through the tree than RFC 9162's, so ours are checked to
    lead from its root at the old size to its root at the new size, and its own proofs
    to be accepted by its verifier between our roots.
    """
    rng = random.Random(9162)
    entries = [rng.randbytes(rng.randrange(0, 40)) for _ in range(1000)]
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    ours = MemoryTree()
    for entry in entries:
        theirs.append_entry(entry)
        ours.append(leaf_hash(entry))
    for size in range(1, 1001):
        root = theirs.get_root(size)
        assert ours.root(size) == root
        for index in {0, size - 1, size // 2, rng.randrange(size)}:
            their_path = theirs.prove_inclusion(index + 1, size).path  # pymerkle counts leaves from 1
            assert their_path[0] == leaf_hash(entries[index])
            assert ours.inclusion_proof(index, size) == their_path[1:]
            verify_inclusion(leaf_hash=their_path[0], index=index, size=size, proof=their_path[1:], root=root)
        for old in {1, size - 1 or 1, 1 << (size.bit_length() - 1), rng.randrange(1, size + 1)}:
            old_root = theirs.get_root(old)
            proof = ours.consistency_proof(old, size)
            verify_consistency(old_size=old, new_size=size, old_root=old_root, new_root=root, proof=proof)
            pymerkle.verify_consistency(ours.root(old), ours.root(size), theirs.prove_consistency(old, size))
        if size % 97 == 0:  # tampering, on a sample of sizes to stay fast
            index = rng.randrange(size)
            proof = ours.inclusion_proof(index, size)
            assert_inclusion_rejects_tampering(leaf_hash(entries[index]), index, size, proof, root)
            old = rng.randrange(1, size)
            assert_consistency_rejects_tampering(old, size, ours.root(old), root, ours.consistency_proof(old, size))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=200), st.data())
def test_any_proof_verifies_and_any_flipped_bit_breaks_it(entries, data):
    tree = MemoryTree(leaf_hash(e) for e in entries)
    size = data.draw(st.integers(1, tree.size))
    index, old = data.draw(st.integers(0, size - 1)), data.draw(st.integers(1, size))
    root, old_root = tree.root(size), tree.root(old)
    proof = tree.inclusion_proof(index, size)
    verify_inclusion(leaf_hash=tree.node(0, index), index=index, size=size, proof=proof, root=root)
    cproof = tree.consistency_proof(old, size)
    verify_consistency(old_size=old, new_size=size, old_root=old_root, new_root=root, proof=cproof)
    if proof:
        at, bit = data.draw(st.integers(0, len(proof) - 1)), 1 << data.draw(st.integers(0, 7))
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf_hash=tree.node(0, index), index=index, size=size, proof=flipped(proof, at, bit), root=root)
    if cproof:
        at, bit = data.draw(st.integers(0, len(cproof) - 1)), 1 << data.draw(st.integers(0, 7))
        with pytest.raises(InvalidProof):
            verify_consistency(old_size=old, new_size=size, old_root=old_root, new_root=root, proof=flipped(cproof, at, bit))
