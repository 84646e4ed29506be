"""`carnet audit verify`'s check of the transparency log: the tree the events make now, against what the log signed.

The per-dossier chains can be rewritten and rehashed whole by whoever holds the database; the
checkpoints cannot without the log's key (nor, once witnesses cosign, without them). So this
recomputes every leaf from its event as the event reads now, rebuilds the tree from those
leaves, and compares it with every stored node and every signed checkpoint: an event edited,
deleted, inserted or moved after it was integrated makes a checkpoint's root differ.

The whole tree is held in memory (a MemoryTree: about 100 bytes a leaf); a log of tens of
millions of events wants a streaming rebuild, left for later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from sqlalchemy import exists, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.audit import HASHED_FIELDS, event_hash
from ..config import Settings, SettingsError
from ..models import AccessEvent
from . import merkle
from .checkpoint import Checkpoint, CheckpointError, open_checkpoint, verify_checkpoint_consistency
from .integrator import settled_floor
from .leaf import event_leaf_hash
from .cosignature import BadCosignature, cosignatures
from .note import BadSignature, NoteError, Signature, UnverifiedNote, open_note
from .signing import load_verifier
from .store import TlogCheckpoint, TlogCosignature, TlogLeaf, TlogNode
from .witnessing import configured

PAGE = 10_000
SHOWN = 20  # problems named one by one; the rest counted


@dataclass
class TreeReport:
    size: int = 0
    checkpoints: int = 0
    pending: int = 0
    cosignatures: int = 0  # of configured witnesses, checked
    unchecked: int = 0  # of witnesses no longer configured: no key to check them with
    witnessed: list[str] = field(default_factory=list)  # witnesses whose last cosigned checkpoint the tree extends
    unasked: list[str] = field(default_factory=list)  # witnesses that did not answer
    problems: list[str] = field(default_factory=list)
    # Why the signed checkpoints could not be checked (no key, or a key of another origin): the site's configuration,
    # which says nothing of the history, and which the report must not take for its rewriting.
    unverified: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.problems or self.unverified)

    def lines(self) -> list[str]:
        shown = [f"Journal de transparence : {p}" for p in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            shown.append(f"Journal de transparence : … et {len(self.problems) - SHOWN} autre(s) anomalie(s).")
        if self.unverified:
            shown.append(f"Journal de transparence : {self.unverified}. Les points de contrôle signés n'ont pas été "
                         "vérifiés : donnez la clé du journal de ce site (journal/signing_key ou "
                         "CARNET_JOURNAL_SIGNING_KEY) et son adresse (CARNET_ORIGIN).")
        if self.problems:
            shown.append("Journal de transparence : la base ne dit plus ce que le journal a signé : l'historique a été "
                         "modifié, supprimé ou réécrit après son entrée au journal.")
        elif not self.unverified:
            shown.append(f"Journal de transparence : {self.size} entrée(s) et {self.checkpoints} point(s) de contrôle "
                         "signés, intacts : l'arbre que forment les événements est celui que le journal a signé.")
        if self.cosignatures or self.unchecked:
            shown.append(f"Témoins : {self.cosignatures} cosignature(s) vérifiée(s) avec les clés configurées"
                         + (f", {self.unchecked} d'un témoin qui ne l'est plus (non vérifiées)." if self.unchecked else "."))
        if self.witnessed:
            shown.append("Témoins interrogés : l'arbre prolonge ce que chacun a cosigné en dernier : "
                         + ", ".join(self.witnessed) + ".")
        if self.unasked:
            shown.append("Témoins injoignables (non interrogés) : " + ", ".join(self.unasked) + ".")
        if self.pending:
            shown.append(f"{self.pending} événement(s) pas encore dans le journal : le serveur en marche les y ajoute.")
        return shown


async def verify_tree(session: AsyncSession, settings: Settings, *, http: httpx.AsyncClient | None = None) -> TreeReport:
    """With `http`, each configured witness is also asked what it last cosigned: the one copy of the log's past
    that whoever holds the database and the log's key cannot rewrite."""
    report = TreeReport()
    tree = await _rebuild(session, report)
    await _compare_nodes(session, tree, report)
    await _check_checkpoints(session, tree, report, settings)
    await _check_cosignatures(session, report, settings)
    if http is not None:
        await _ask_witnesses(http, tree, report, settings)
    # Events outside the tree: recent ones wait for the integrator; below its floor, none is still to come.
    events, connection = AccessEvent.__table__, await session.connection()  # type: ignore[attr-defined]
    outside = ~exists().where(col(TlogLeaf.event_id) == events.c.id)
    lost = (await connection.execute(select(events.c.dossier_id, events.c.seq).where(
        outside, events.c.id < func.coalesce(settled_floor(), 0)).order_by(events.c.id))).all()
    report.problems += [f"l'événement n° {seq} du dossier {dossier} manque au journal" for dossier, seq in lost]
    outside_count = (await connection.execute(select(func.count()).select_from(events).where(outside))).scalar_one()
    report.pending = outside_count - len(lost)
    return report


async def _ask_witnesses(http: httpx.AsyncClient, tree: merkle.MemoryTree, report: TreeReport,
                         settings: Settings) -> None:
    """The tree the events make now against the last checkpoint each witness cosigned (GET <url>/checkpoint), asked
    under the name the log's key bears (signing.spelled_before)."""
    try:
        verifier = load_verifier(settings)
    except SettingsError:
        verifier = None
    origin = verifier.name if verifier is not None else settings.journal_origin
    for witness in configured(settings):
        name = witness.verifier.name
        try:
            answer = await http.get(f"{witness.url}/checkpoint", params={"origine": origin}, timeout=10)
        except httpx.HTTPError:
            report.unasked.append(name)
            continue
        if answer.status_code == 404:  # it has cosigned nothing yet
            continue
        try:
            if answer.status_code != 200:
                raise NoteError(f"réponse {answer.status_code}")
            try:
                note = open_note(answer.text, [])
            except UnverifiedNote as unverified:
                note = unverified.note
            if not cosignatures(note, [witness.verifier]):
                raise NoteError("sans sa cosignature")
            cosigned = Checkpoint.parse(note.text)
        except (NoteError, CheckpointError) as error:
            report.problems.append(f"le témoin {name} a répondu par un point de contrôle illisible ({error})")
            continue
        if cosigned.size > tree.size or tree.root(cosigned.size) != cosigned.root:
            report.problems.append(f"le témoin {name} a cosigné un journal de {cosigned.size} entrée(s) que les "
                                   "événements de la base ne forment plus : l'historique a été réécrit depuis")
        else:
            report.witnessed.append(f"{name} ({cosigned.size} entrée(s))")


async def _rebuild(session: AsyncSession, report: TreeReport) -> merkle.MemoryTree:
    """The tree of the leaves recomputed from the events as they are now."""
    events, connection = AccessEvent.__table__, await session.connection()  # type: ignore[attr-defined]
    tree, start = merkle.MemoryTree(), 0
    while True:
        rows = (await connection.execute(
            select(TlogLeaf.leaf_index, TlogLeaf.salt, TlogLeaf.hash, events.c.id, *(events.c[n] for n in HASHED_FIELDS))
            .join(events, events.c.id == TlogLeaf.event_id, isouter=True)
            .where(col(TlogLeaf.leaf_index) >= start).order_by(col(TlogLeaf.leaf_index)).limit(PAGE))).all()
        for row in rows:
            while tree.size < row.leaf_index:  # a leaf deleted: its place is kept, its hash is lost
                report.problems.append(f"l'entrée n° {tree.size} a disparu")
                tree.append(bytes(merkle.HASH_SIZE))
            if row.id is None:
                report.problems.append(f"l'événement de l'entrée n° {row.leaf_index} a disparu")
                tree.append(row.hash)
                continue
            digest = event_leaf_hash(row.salt, event_hash(row))  # type: ignore[arg-type]
            if digest != row.hash:
                report.problems.append(f"l'événement n° {row.seq} du dossier {row.dossier_id} (entrée n° "
                                       f"{row.leaf_index}) a changé depuis son entrée au journal")
            tree.append(digest)
        if len(rows) < PAGE:
            return tree
        start = rows[-1].leaf_index + 1


async def _compare_nodes(session: AsyncSession, tree: merkle.MemoryTree, report: TreeReport) -> None:
    seen, connection = 0, await session.connection()
    for level, index, digest in (await connection.execute(select(TlogNode.level, TlogNode.node_index, TlogNode.hash))):
        seen += 1
        if level >= len(tree.levels) or index >= len(tree.levels[level]) or tree.levels[level][index] != digest:
            report.problems.append(f"le nœud ({level}, {index}) de l'arbre ne correspond pas aux événements")
    if seen != sum(len(level) for level in tree.levels):
        report.problems.append(f"l'arbre a {seen} nœud(s) enregistré(s) au lieu de {sum(len(lv) for lv in tree.levels)}")


async def _check_checkpoints(session: AsyncSession, tree: merkle.MemoryTree, report: TreeReport,
                             settings: Settings) -> None:
    rows = (await session.exec(select(TlogCheckpoint).order_by(col(TlogCheckpoint.size)))).all()
    report.size, report.checkpoints = tree.size, len(rows)
    if not rows:
        return
    try:
        verifier = load_verifier(settings)
    except SettingsError as error:
        report.unverified = str(error)
        return
    if verifier is None:
        report.unverified = "la clé du journal est introuvable"
        return
    previous = None
    for row in rows:
        try:
            checkpoint, _ = open_checkpoint(row.note, log=verifier)
        except (UnverifiedNote, BadSignature):
            report.problems.append(f"le point de contrôle de taille {row.size} n'est pas signé par la clé du journal")
            continue
        except (NoteError, CheckpointError):  # their messages are English, for developers: the report says it in French
            report.problems.append(f"le point de contrôle de taille {row.size} est illisible ou d'un autre journal")
            continue
        if (checkpoint.size, checkpoint.root) != (row.size, row.root):
            report.problems.append(f"le point de contrôle de taille {row.size} ne dit pas ce que sa ligne enregistre")
        elif checkpoint.size > tree.size or tree.root(checkpoint.size) != checkpoint.root:
            report.problems.append(f"l'arbre ne correspond plus au point de contrôle signé de taille {row.size}")
        elif previous is not None:
            try:
                verify_checkpoint_consistency(previous, checkpoint, tree.consistency_proof(previous.size, checkpoint.size))
            except (merkle.InvalidProof, CheckpointError):
                report.problems.append(f"le point de contrôle de taille {row.size} ne prolonge pas le précédent")
        previous = checkpoint
    if rows[-1].size != tree.size:
        report.problems.append(f"l'arbre a {tree.size} entrée(s), le dernier point de contrôle en signe {rows[-1].size}")


async def _check_cosignatures(session: AsyncSession, report: TreeReport, settings: Settings) -> None:
    """Each stored cosignature against its witness's configured key, on the checkpoint it is stored for."""
    witnesses = {(w.verifier.name, w.verifier.key_id): w.verifier for w in configured(settings)}
    rows = await session.exec(select(TlogCosignature, TlogCheckpoint.note)
                              .join(TlogCheckpoint, col(TlogCheckpoint.size) == col(TlogCosignature.size))
                              .order_by(col(TlogCosignature.size), col(TlogCosignature.witness)))
    for cosigned, note in rows:
        witness = witnesses.get((cosigned.witness, cosigned.key_id))
        if witness is None:
            report.unchecked += 1
            continue
        try:
            witness.verify(note[: note.rfind("\n\n") + 1], Signature(cosigned.witness, cosigned.key_id, cosigned.signature))
        except BadCosignature:
            report.problems.append(f"la cosignature du témoin {cosigned.witness} sur le point de contrôle de taille "
                                   f"{cosigned.size} n'est pas valide")
            continue
        report.cosignatures += 1
