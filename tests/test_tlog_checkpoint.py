"""Checkpoints and offline proofs (server.tlog.checkpoint): C2SP formats, signatures, tampering.

Vectors: the examples of c2sp.org/tlog-checkpoint and c2sp.org/tlog-proof, Go sumdb's
tree note (golang.org/x/mod sumdb/tlog note_test.go), and a checkpoint signed by
sum.golang.org's real key (google/trillian-examples formats/log/note_test.go).
"""

import base64

import pytest

from server.tlog.checkpoint import (
    Checkpoint,
    CheckpointError,
    TlogProof,
    open_checkpoint,
    sign_checkpoint,
    verify_checkpoint_consistency,
    verify_proof,
)
from server.tlog.keys import Signer, Verifier
from server.tlog.merkle import InvalidProof, MemoryTree, leaf_hash
from server.tlog.note import BadSignature, MalformedNote, UnverifiedNote, sign as sign_note

SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINT = (
    "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
    "— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n"
)
SPEC_PROOF = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
"""
ORIGIN = "carnet.example/log"
LOG = Signer.generate(ORIGIN)


def log_of(size):
    tree = MemoryTree(leaf_hash(f"event {n}".encode()) for n in range(size))
    return tree, sign_checkpoint(Checkpoint(ORIGIN, size, tree.root()), LOG)


def test_go_sumdb_tree_note_is_a_checkpoint_written_the_same_way():
    golden = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
    checkpoint = Checkpoint("go.sum database tree", 123456789012, leaf_hash(b"hello world"))
    assert checkpoint.text() == golden and Checkpoint.parse(golden) == checkpoint


def test_a_checkpoint_signed_by_sum_golang_org_opens_with_its_real_key():
    checkpoint, note = open_checkpoint(SUMDB_CHECKPOINT, log=Verifier.from_key(SUMDB_KEY), origin="go.sum database tree")
    assert (checkpoint.origin, checkpoint.size) == ("go.sum database tree", 6476701)
    assert checkpoint.root == base64.b64decode("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=")
    assert note.signatures[0].name == "sum.golang.org"
    with pytest.raises(CheckpointError):  # the origin defaults to the key's name, which sumdb's is not
        open_checkpoint(SUMDB_CHECKPOINT, log=Verifier.from_key(SUMDB_KEY))
    with pytest.raises(BadSignature):
        open_checkpoint(SUMDB_CHECKPOINT.replace("6476701", "6476702"), log=Verifier.from_key(SUMDB_KEY))


def test_the_spec_example_checkpoint_parses_and_extensions_round_trip():
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.text()) == ("example.com/behind-the-sofa", 20852163, text)
    extended = Checkpoint.parse(text + "time 1700000000\nanother line\n")
    assert extended.extensions == ("time 1700000000", "another line") and Checkpoint.parse(extended.text()) == extended


ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.mark.parametrize("text", [
    f"log\n5\n{ROOT}",  # no final newline
    f"log\n5\n{ROOT}\n\n",  # an empty extension line
    f"\n5\n{ROOT}\n",  # no origin
    "log\n5\n",  # no root hash
    f"log\n05\n{ROOT}\n", f"log\n-1\n{ROOT}\n", f"log\n+5\n{ROOT}\n", f"log\n 5\n{ROOT}\n", f"log\n0xabcdef\n{ROOT}\n",
    f"log\n{2**64}\n{ROOT}\n",  # beyond uint64
    "log\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",  # not 32 bytes
    "log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  # not canonical base64
    f"log\r\n5\r\n{ROOT}\r\n",
])
def test_checkpoint_bodies_are_parsed_strictly(text):
    with pytest.raises(CheckpointError):
        Checkpoint.parse(text)


def test_a_checkpoint_is_signed_with_a_key_named_after_its_origin():
    with pytest.raises(CheckpointError):
        sign_checkpoint(Checkpoint("another.example/log", 0, MemoryTree().root()), LOG)
    with pytest.raises(CheckpointError):
        Checkpoint(ORIGIN, -1, MemoryTree().root()).text()


def test_other_signatures_such_as_a_witness_s_stay_aside_for_their_own_check():
    _, signed = log_of(5)
    log_signature = open_checkpoint(signed, log=LOG.verifier)[1].signatures
    witness = Signer.generate("witness.example")  # a plain Ed25519 stand-in for a cosignature/v1 key
    cosigned = sign_note(signed.split("\n\n")[0] + "\n", [witness], keep=log_signature)
    assert cosigned.startswith(signed)  # the log's line first, then the witness's
    checkpoint, note = open_checkpoint(cosigned, log=LOG.verifier)
    assert checkpoint.size == 5 and note.signatures == log_signature
    assert [s.name for s in note.unverified] == ["witness.example"]


def test_a_checkpoint_signed_by_another_key_is_rejected():
    _, signed = log_of(5)
    impostor = Signer.generate(ORIGIN)  # same name, another key: another key ID
    forged = sign_checkpoint(Checkpoint.parse(signed.split("\n\n")[0] + "\n"), impostor)
    with pytest.raises(UnverifiedNote):
        open_checkpoint(forged, log=LOG.verifier)
    borrowed_id = forged.replace(forged.split()[-1], base64.b64encode(
        LOG.key_id.to_bytes(4, "big") + base64.b64decode(forged.split()[-1])[4:]).decode())
    with pytest.raises(BadSignature):  # another key's signature under our key's ID
        open_checkpoint(borrowed_id, log=LOG.verifier)


def test_consistency_between_checkpoints():
    tree, _ = log_of(20)
    old, new = Checkpoint(ORIGIN, 7, tree.root(7)), Checkpoint(ORIGIN, 20, tree.root(20))
    verify_checkpoint_consistency(old, new, tree.consistency_proof(7, 20))
    with pytest.raises(CheckpointError):
        verify_checkpoint_consistency(Checkpoint("other.example/log", 7, old.root), new, tree.consistency_proof(7, 20))
    rewritten = MemoryTree(leaf_hash(f"event {n}".encode() if n != 3 else b"rewritten") for n in range(20))
    with pytest.raises(InvalidProof):
        verify_checkpoint_consistency(old, Checkpoint(ORIGIN, 20, rewritten.root()), rewritten.consistency_proof(7, 20))


def test_the_spec_example_proof_parses_and_writes_back_the_same():
    proof = TlogProof.parse(SPEC_PROOF)
    assert proof.index == 73894 and len(proof.hashes) == 5
    assert proof.extra == base64.b64decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")
    assert proof.checkpoint.startswith("example.com/fancylog\n109482\n")
    assert proof.text() == SPEC_PROOF


@pytest.mark.parametrize("text", [  # transparency-dev/merkle's TestVerifyTLogProofErrors, and more
    "wrong-header\nindex 0\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 05\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)).decode() + "\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n" + (base64.b64encode(bytes(32)).decode() + "\n") * 65 + "\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n",
])
def test_malformed_offline_proofs_are_refused(text):
    with pytest.raises(CheckpointError):
        TlogProof.parse(text)


def test_every_event_s_offline_proof_verifies_with_the_log_key_alone():
    tree, signed = log_of(37)
    for index in range(37):
        text = TlogProof(index, tuple(tree.inclusion_proof(index)), signed, extra=b"dossier 42").text()
        proof, checkpoint = verify_proof(text, leaf_hash=tree.node(0, index), log=LOG.verifier)
        assert (proof.index, proof.extra, checkpoint.size) == (index, b"dossier 42", 37)


def test_tampered_offline_proofs_are_rejected():
    tree, signed = log_of(37)
    index, leaf = 11, tree.node(0, 11)
    hashes = tree.inclusion_proof(index)
    good = TlogProof(index, tuple(hashes), signed)
    verify_proof(good.text(), leaf_hash=leaf, log=LOG.verifier)
    flipped = (bytes([hashes[2][0] ^ 1]) + hashes[2][1:],)
    _, bigger = log_of(38)
    impostor = Signer.generate(ORIGIN)
    forged = sign_checkpoint(Checkpoint.parse(signed.split("\n\n")[0] + "\n"), impostor)
    cases = {
        "a hash flipped": (TlogProof(index, (*hashes[:2], *flipped, *hashes[3:]), signed), InvalidProof),
        "a wrong index": (TlogProof(index + 1, tuple(hashes), signed), InvalidProof),
        "a wrong size": (TlogProof(index, tuple(hashes), bigger), InvalidProof),
        "a missing hash": (TlogProof(index, tuple(hashes[:-1]), signed), InvalidProof),
        "another key's checkpoint": (TlogProof(index, tuple(hashes), forged), UnverifiedNote),
        "an edited checkpoint": (TlogProof(index, tuple(hashes), signed.replace("\n37\n", "\n36\n")), BadSignature),
        "no signature at all": (TlogProof(index, tuple(hashes), signed.split("\n\n")[0] + "\n"), MalformedNote),
    }
    for name, (proof, error) in cases.items():
        with pytest.raises(error):
            verify_proof(proof.text(), leaf_hash=leaf, log=LOG.verifier)
    with pytest.raises(InvalidProof):
        verify_proof(good.text(), leaf_hash=tree.node(0, 12), log=LOG.verifier)
    with pytest.raises(UnverifiedNote):
        verify_proof(good.text(), leaf_hash=leaf, log=impostor.verifier)
