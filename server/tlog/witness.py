"""A witness of transparency logs (https://c2sp.org/tlog-witness): it cosigns a log's checkpoint only if it extends the last one it cosigned.

Run by someone independent of the log's operator (a patients' association, an auditor), with its
own key and its own state file: for each log it knows (an origin and the log's verifier key), the
size and root hash of the last checkpoint it cosigned. A log that rewrites its history, even one
that re-signs with its own (stolen or not) key, cannot get a cosignature for the rewritten tree:
no consistency proof leads from the root the witness kept to the new one.

This module is the protocol ("add-checkpoint") and the state; witness_app.py serves it over
HTTP, witness_server.py holds the `carnet witness` commands. Bodies are the spec's: plain text, a size for a 409;
the refusals' sentences are French, for whoever reads the log's or the witness's logs.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..durable import sync_directory
from . import merkle
from .checkpoint import Checkpoint, CheckpointError, open_checkpoint
from .cosignature import CosignerSigner
from .keys import MalformedKey, Verifier, b64decode_strict
from .note import NoteError, UnverifiedNote, open_note

log = logging.getLogger("carnet.temoin")

SIZE_TYPE = "text/x.tlog.size"  # the 409's body: the size the witness knows ("add-checkpoint")
MAX_PROOF_LINES = 63  # "The client MUST NOT send more than 63 consistency proof lines"
MAX_BODY = 64 * 1024  # 63 hashes and a checkpoint with its signatures take a few kilobytes
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")  # "ASCII decimal with no leading zeroes"
STATE_VERSION = 1


class StateError(RuntimeError):
    """The witness's state file is missing, unreadable or not a witness's."""


@dataclass(frozen=True)
class Head:
    """The last checkpoint the witness cosigned for one log: its size and root hash."""

    size: int
    root: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    media_type: str = "text/plain"


class State:
    """The witness's key and its heads, one JSON file written whole and atomically (0600: it holds the key)."""

    def __init__(self, path: Path, signer: CosignerSigner, heads: dict[str, Head]) -> None:
        self.path, self.signer, self.heads = path, signer, heads

    @classmethod
    def create(cls, path: Path, *, name: str) -> State:
        if path.exists():
            raise StateError(f"{path} existe déjà : un témoin garde sa clé, il n'en change pas.")
        try:
            state = cls(path, CosignerSigner.generate(name), {})
        except MalformedKey:
            raise StateError("Le nom d'un témoin n'a ni espace ni signe «\u00a0+\u00a0» (par exemple "
                             "temoin.example.org/association).") from None
        state.save()
        return state

    @classmethod
    def load(cls, path: Path) -> State:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError("version")
            heads = {origin: Head(int(h["taille"]), b64decode_strict(h["racine"]))
                     for origin, h in data["journaux"].items()}
            return cls(path, CosignerSigner.from_key(data["cle"]), heads)
        except FileNotFoundError:
            raise StateError(f"{path} n'existe pas : créez le témoin avec «\u00a0carnet witness init\u00a0».") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, MalformedKey):
            raise StateError(f"{path} n'est pas le fichier d'état d'un témoin.") from None

    def save(self) -> None:
        """Write the whole state to a new file, flushed to disk, then rename it over the old one."""
        data = {"version": STATE_VERSION, "cle": self.signer.key,
                "journaux": {origin: {"taille": h.size, "racine": base64.b64encode(h.root).decode()}
                             for origin, h in sorted(self.heads.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        draft = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(draft, self.path)
        finally:
            draft.unlink(missing_ok=True)
        sync_directory(self.path.parent)  # the rename itself survives a crash


@dataclass(frozen=True)
class Request:
    old: int
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note, as sent


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.answer = Answer(status, message + "\n")


def parse_request(body: bytes) -> Request:
    """An add-checkpoint body: "old <size>", the consistency proof's hashes, an empty line, the checkpoint."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "La requête n'est pas du texte UTF-8.") from None
    head, blank, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    old = _OLD.fullmatch(lines[0])
    if not blank or old is None:
        raise Refused(400, "La requête commence par «\u00a0old <taille>\u00a0», puis les empreintes de la preuve de "
                           "cohérence, une ligne vide et le point de contrôle.")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise Refused(400, f"Une preuve de cohérence a au plus {MAX_PROOF_LINES} empreintes.")
    proof = []
    for line in lines[1:]:
        try:
            digest = b64decode_strict(line)
        except ValueError:
            digest = b""
        if len(digest) != merkle.HASH_SIZE:
            raise Refused(400, "Chaque ligne de la preuve de cohérence est une empreinte SHA-256 en base64.")
        proof.append(digest)
    return Request(int(old.group(1)), tuple(proof), checkpoint)


class Witness:
    """The add-checkpoint protocol over a State; `logs` are the logs' verifier keys, each named after its origin."""

    def __init__(self, state: State, logs: Iterable[Verifier], *, clock: Callable[[], float] = time.time,
                 evidence: Path | None = None) -> None:
        self.state, self.clock = state, clock
        self.logs = {v.name: v for v in logs}
        self.evidence = evidence  # where refused checkpoints that the log did sign are kept: proof of its misbehaviour
        self._lock = threading.Lock()  # checking `old` and recording the new head are one step ("add-checkpoint")

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            return self._add(parse_request(body), body)
        except Refused as refused:
            return refused.answer

    def _add(self, request: Request, body: bytes) -> Answer:
        checkpoint, text, log_key = self._open(request.checkpoint)
        if request.old > checkpoint.size:
            raise Refused(400, f"L'ancienne taille ({request.old}) dépasse celle du point de contrôle "
                               f"({checkpoint.size}).")
        with self._lock:
            head = self.state.heads.get(checkpoint.origin)
            known = Head(0, merkle.EMPTY_ROOT) if head is None else head
            if request.old != known.size:
                return Answer(409, f"{known.size}\n", SIZE_TYPE)
            if checkpoint.size == known.size and checkpoint.root != known.root:
                self._keep(checkpoint, body, "même taille, autre racine")
                return Answer(409, f"{known.size}\n", SIZE_TYPE)
            try:
                merkle.verify_consistency(old_size=known.size, new_size=checkpoint.size, old_root=known.root,
                                          new_root=checkpoint.root, proof=request.proof)
            except merkle.InvalidProof:
                self._keep(checkpoint, body, "preuve de cohérence invalide")
                raise Refused(422, f"La preuve de cohérence ne mène pas de l'arbre de taille {known.size} déjà "
                                   f"cosigné à celui de taille {checkpoint.size} : ce point de contrôle ne prolonge "
                                   "pas l'historique que ce témoin a vu.") from None
            self.state.heads[checkpoint.origin] = Head(checkpoint.size, checkpoint.root)
            self.state.save()  # "The witness MUST persist the new checkpoint before responding"
        cosignature = self.state.signer.cosign(text, timestamp=int(self.clock()))
        log.info("cosigné : %s, taille %d (clé du journal %s)", checkpoint.origin, checkpoint.size, log_key.key)
        return Answer(200, cosignature.line)

    def latest(self, origin: str) -> Answer:
        """The last checkpoint this witness cosigned for `origin`, cosigned afresh: what an auditor compares a
        log's database with (`carnet audit verify`), since the log's own copy of it can be rewritten."""
        head = self.state.heads.get(origin)
        if head is None:
            return Answer(404, "Ce témoin n'a encore rien cosigné pour ce journal.\n")
        text = Checkpoint(origin, head.size, head.root).text()
        return Answer(200, f"{text}\n{self.state.signer.cosign(text, timestamp=int(self.clock())).line}")

    def _open(self, signed: str) -> tuple[Checkpoint, str, Verifier]:
        """The checkpoint and its note text, if it is from a known log and that log's key signed it."""
        try:
            note = open_note(signed, [])
        except UnverifiedNote as unverified:
            note = unverified.note
        except NoteError:
            raise Refused(400, "Le point de contrôle n'est pas une note signée (c2sp.org/signed-note).") from None
        try:
            origin = Checkpoint.parse(note.text).origin
        except CheckpointError:
            raise Refused(400, "Le point de contrôle ne suit pas le format c2sp.org/tlog-checkpoint.") from None
        log_key = self.logs.get(origin)
        if log_key is None:  # "If the checkpoint origin is unknown, the witness MUST respond with a 404"
            raise Refused(404, f"Ce témoin ne suit pas le journal «\u00a0{origin}\u00a0».")
        try:
            checkpoint, verified = open_checkpoint(signed, log=log_key)
        except (NoteError, CheckpointError):
            raise Refused(403, f"Le point de contrôle n'est pas signé par la clé du journal «\u00a0{origin}\u00a0» que "
                               "ce témoin connaît.") from None
        return checkpoint, verified.text, log_key

    def _keep(self, checkpoint: Checkpoint, body: bytes, why: str) -> None:
        """The log signed a checkpoint that contradicts what the witness cosigned: keep the request as evidence."""
        log.warning("refusé : %s, taille %d : %s", checkpoint.origin, checkpoint.size, why)
        if self.evidence is None:
            return
        self.evidence.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]", "_", checkpoint.origin)
        (self.evidence / f"{name}-{checkpoint.size}-{time.time_ns()}.txt").write_bytes(body)


def log_keys(keys: Iterable[str]) -> list[Verifier]:
    """The logs a witness follows, from their verifier keys (as GET /journal/cle publishes them)."""
    verifiers = []
    for key in keys:
        try:
            verifiers.append(Verifier.from_key(key.strip()))
        except MalformedKey:
            raise MalformedKey(f"«\u00a0{key}\u00a0» n'est pas la clé de vérification d'un journal "
                                "(<origine>+<identifiant>+<base64>).") from None
    return verifiers
