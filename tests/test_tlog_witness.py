"""`carnet witness` (server.tlog.witness): it cosigns a log's checkpoint only if it extends the last one it cosigned (C2SP tlog-witness)."""

import base64
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from server.config import load_settings
from server.tlog import merkle
from server.tlog.checkpoint import Checkpoint, sign_checkpoint
from server.tlog.cosignature import CosignerSigner, cosignatures
from server.tlog.keys import Signer
from server.tlog.note import UnverifiedNote, open_note
from server.tlog.witness import SIZE_TYPE, State, Witness
from tests.live_server import ROOT, free_port

LOG = Signer.generate("carnet.example.fr/carnet-journal")


def entries(*names: str) -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(name.encode()) for name in names)


def signed(tree: merkle.MemoryTree, size: int | None = None, *, signer: Signer = LOG) -> str:
    size = tree.size if size is None else size
    return sign_checkpoint(Checkpoint(signer.name, size, tree.root(size)), signer)


def body(old: int, proof: list[bytes], checkpoint: str) -> bytes:
    return (f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + checkpoint).encode()


def cosigned_by(witness: CosignerSigner, checkpoint: str, answer: str):
    """The witness's cosignatures in its answer, checked on the checkpoint it answered for."""
    with pytest.raises(UnverifiedNote) as raised:
        open_note(checkpoint + answer, [])
    return cosignatures(raised.value.note, [witness.verifier])


@pytest.fixture
def witness(tmp_path) -> Witness:
    state = State.create(tmp_path / "etat.json", name="temoin.example.org/association")
    return Witness(state, [LOG.verifier], evidence=tmp_path / "preuves")


def test_a_witness_cosigns_each_checkpoint_that_extends_the_last_it_cosigned(witness, tmp_path):
    tree = entries("a", "b", "c")
    first = witness.add_checkpoint(body(0, [], signed(tree)))
    assert first.status == 200 and first.body.startswith("— temoin.example.org/association ")
    [cosignature] = cosigned_by(witness.state.signer, signed(tree), first.body)
    assert abs(cosignature.timestamp - time.time()) < 5
    for name in "defg":
        tree.append(merkle.leaf_hash(name.encode()))
    grown = witness.add_checkpoint(body(3, tree.consistency_proof(3, 7), signed(tree)))
    assert grown.status == 200 and cosigned_by(witness.state.signer, signed(tree), grown.body)
    again = witness.add_checkpoint(body(7, [], signed(tree)))  # the same tree, cosigned anew at a later time
    assert again.status == 200 and cosigned_by(witness.state.signer, signed(tree), again.body)
    kept = State.load(tmp_path / "etat.json")  # persisted before answering, the key with it, readable by no one else
    assert kept.heads[LOG.name].size == 7 and kept.heads[LOG.name].root == tree.root()
    assert kept.signer == witness.state.signer
    assert stat.S_IMODE(os.stat(tmp_path / "etat.json").st_mode) == 0o600


def test_a_stale_old_size_or_a_smaller_tree_gets_409_with_the_size_the_witness_cosigned(witness):
    tree = entries("a", "b", "c")
    assert witness.add_checkpoint(body(0, [], signed(tree))).status == 200
    stale = witness.add_checkpoint(body(0, [], signed(tree)))
    assert (stale.status, stale.body, stale.media_type) == (409, "3\n", SIZE_TYPE)
    smaller = witness.add_checkpoint(body(2, [], signed(tree, 2)))
    assert (smaller.status, smaller.body) == (409, "3\n")
    backwards = witness.add_checkpoint(body(3, [], signed(tree, 2)))
    assert backwards.status == 400 and "dépasse" in backwards.body


def test_a_history_rewritten_and_resigned_with_the_logs_stolen_key_gets_422_and_is_kept(witness, tmp_path):
    honest = entries("lecture 1", "lecture 2", "lecture 3", "lecture 4", "lecture 5")
    assert witness.add_checkpoint(body(0, [], signed(honest))).status == 200
    # The operator deletes the third read, rebuilds the tree, adds reads so it grows, and signs with the log's key.
    rewritten = entries("lecture 1", "lecture 2", "lecture 4", "lecture 5", "lecture 6", "lecture 7")
    refused = witness.add_checkpoint(body(5, rewritten.consistency_proof(5, 6), signed(rewritten)))
    assert refused.status == 422 and "ne prolonge pas" in refused.body
    forged = witness.add_checkpoint(body(5, honest.consistency_proof(4, 5), signed(rewritten)))
    assert forged.status == 422
    same_size = witness.add_checkpoint(body(5, [], signed(rewritten, 5)))  # a fork at the very size it cosigned
    assert (same_size.status, same_size.body) == (409, "5\n")
    assert witness.state.heads[LOG.name].root == honest.root()  # nothing moved
    assert len(list((tmp_path / "preuves").iterdir())) == 3  # three signed contradictions, kept as evidence
    honest.append(merkle.leaf_hash(b"lecture 6"))
    assert witness.add_checkpoint(body(5, honest.consistency_proof(5, 6), signed(honest))).status == 200


def test_a_checkpoint_the_logs_key_did_not_sign_gets_403_and_an_unknown_log_404(witness):
    tree = entries("a", "b")
    impostor = Signer.generate(LOG.name)  # the log's name, not its key
    assert witness.add_checkpoint(body(0, [], signed(tree, signer=impostor))).status == 403
    edited = signed(tree).replace("\n2\n", "\n1\n", 1)  # the size changed under the log's signature
    assert witness.add_checkpoint(body(0, [], edited)).status == 403
    unknown = witness.add_checkpoint(body(0, [], signed(tree, signer=Signer.generate("ailleurs.example/journal"))))
    assert unknown.status == 404 and "ne suit pas" in unknown.body
    assert witness.state.heads == {}


@pytest.mark.parametrize("request_body", [
    b"\xff\xfe", b"old 0\n", b"old 01\n\n", b"ancien 0\n\n", b"old 0\npas-du-base64\n\n",
    b"old 0\n" + b"AAAA\n" + b"\n", body(0, [bytes(32)] * 64, "x\n"), body(0, [], "pas une note"),
    body(0, [], "une note\n\n— quelqu'un AAAAAAA=\n"),
])
def test_a_malformed_request_gets_400(witness, request_body):
    answer = witness.add_checkpoint(request_body)
    assert answer.status == 400 and answer.body.endswith("\n")


@contextmanager
def serving_witness(state: Path, *log_keys: str) -> Iterator[str]:
    """`carnet witness serve` in a process of its own, on a free port; its URL."""
    port = free_port()
    journals = [arg for key in log_keys for arg in ("--journal", key)]
    out = state.with_name(state.name + ".log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", "from server.cli import main; main()", "witness", "serve",
                                "--port", str(port), "--etat", str(state), *journals],
                               cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        # The bound catches a witness that never starts, not a slow one: its process imports the whole server, which
        # a loaded machine took over 30 s to do (tests/live_server.py).
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the witness did not start: " + state.with_name(state.name + ".log").read_text())
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        out.close()


def post(url: str, data: bytes) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "/add-checkpoint", data=data, method="POST")) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read().decode()


def test_carnet_witness_serve_answers_add_checkpoint_over_http_as_the_spec_says(tmp_path):
    init = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "witness", "init",
                           "--nom", "temoin.example.org/asso", "--etat", str(tmp_path / "etat.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert init.returncode == 0, init.stderr
    key = init.stdout.strip().splitlines()[-1]
    tree = entries("a", "b", "c")
    with serving_witness(tmp_path / "etat.json", LOG.verifier.key) as url:
        with urllib.request.urlopen(url + "/") as about:
            assert key in about.read().decode()
        # What it says to configure is what Carnet's setting takes, and posts add-checkpoint to.
        said = (tmp_path / "etat.json.log").read_text()
        assert f"CARNET_JOURNAL_WITNESSES, avec l'adresse où il le joint) : {key} {url}\n" in said
        configured = load_settings({"CARNET_DATA_DIR": str(tmp_path), "CARNET_JOURNAL_WITNESSES": f"{key} {url}"})
        assert configured.journal_witnesses == ((key, url),)
        status, kind, text = post(url, body(0, [], signed(tree)))
        assert (status, kind) == (200, "text/plain; charset=utf-8")
        witness = State.load(tmp_path / "etat.json").signer
        assert witness.verifier.key == key and cosigned_by(witness, signed(tree), text)
        assert post(url, body(0, [], signed(tree))) == (409, SIZE_TYPE, "3\n")
        tree.append(merkle.leaf_hash(b"d"))
        assert post(url, body(3, [bytes(32)], signed(tree)))[0] == 422
        assert post(url, body(3, tree.consistency_proof(3, 4), signed(tree, signer=Signer.generate(LOG.name))))[0] == 403
        assert post(url, b"old 0\n\n" + b"x" * 70_000)[0] == 413
        second = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "witness", "serve",
                                 "--port", str(free_port()), "--etat", str(tmp_path / "etat.json"),
                                 "--journal", LOG.verifier.key], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and "Un autre témoin" in second.stderr  # one process per state file
