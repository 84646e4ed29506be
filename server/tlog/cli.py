"""`carnet audit verify-proof`: check an event's offline proof with the log's public key alone, no database.

The file is what the Historique hands out (views/transparency.py): a C2SP tlog-proof whose extra
line is the leaf's salt and the event's hash, 32 bytes each. Anyone (the patient, her lawyer, an
auditor) checks that the log signed a tree holding that event, and, with --evenement-hash (the
"hash" column of the Historique's CSV), that the proof is about that very event; with --temoin, that
these witnesses cosigned that tree too (the log's key alone signs whatever its holder wants).
"""

from __future__ import annotations

import re

import click

from . import merkle
from .checkpoint import CheckpointError, TlogProof, open_checkpoint, verify_proof
from .cosignature import BadCosignature, CosignerVerifier, cosignatures
from .keys import MalformedKey, Verifier
from .note import BadSignature, NoteError, UnverifiedNote
from .leaf import SALT_SIZE, event_leaf_hash

_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")


class ProofRefused(Exception):
    """Why a proof does not prove anything, in a sentence for whoever checks it."""


def check_offline_proof(text: str, *, key: str, event_hash: str | None = None, witnesses: tuple[str, ...] = ()) -> str:
    """What the proof proves, in French; ProofRefused when it does not."""
    try:
        verifier = Verifier.from_key(key.strip())
    except MalformedKey:
        raise ProofRefused("La clé donnée n'est pas une clé de vérification Ed25519 (<nom>+<identifiant>+<base64>).") from None
    cosigners = []
    for witness in witnesses:
        try:
            cosigners.append(CosignerVerifier.from_key(witness.strip()))
        except MalformedKey:
            raise ProofRefused(f"« {witness} » n'est pas la clé d'un témoin "
                               "(<nom>+<identifiant>+<base64>).") from None
    if event_hash is not None and not _HEX_HASH.fullmatch(event_hash.strip()):
        raise ProofRefused("L'empreinte de l'événement s'écrit en 64 chiffres hexadécimaux.")
    try:
        proof = TlogProof.parse(text)
    except CheckpointError:
        raise ProofRefused("Ce fichier n'est pas une preuve du journal (format c2sp.org/tlog-proof).") from None
    if proof.extra is None or len(proof.extra) != SALT_SIZE + merkle.HASH_SIZE:
        raise ProofRefused("Cette preuve ne porte pas le sel et l'empreinte d'un événement de Carnet.")
    salt, proven = proof.extra[:SALT_SIZE], proof.extra[SALT_SIZE:].hex()
    if event_hash is not None and event_hash.strip().lower() != proven:
        raise ProofRefused(f"Cette preuve concerne l'événement d'empreinte {proven}, pas celui qui est donné.")
    try:
        _, checkpoint = verify_proof(text, leaf_hash=event_leaf_hash(salt, proven), log=verifier)
    except (UnverifiedNote, BadSignature):
        raise ProofRefused("Le point de contrôle de la preuve n'est pas signé par cette clé.") from None
    except (NoteError, CheckpointError) as error:
        raise ProofRefused(f"Le point de contrôle de la preuve est illisible ou d'un autre journal ({error}).") from None
    except merkle.InvalidProof:
        raise ProofRefused("La preuve d'inclusion ne mène pas à la racine signée : cet événement n'est pas "
                           "dans l'arbre que le journal a signé.") from None
    try:
        found = {c.name for c in cosignatures(open_checkpoint(proof.checkpoint, log=verifier)[1], cosigners)}
    except BadCosignature:
        raise ProofRefused("Une contresignature de témoin jointe au point de contrôle de la preuve "
                           "n'est pas valide.") from None
    missing = [c.name for c in cosigners if c.name not in found]
    if missing:
        raise ProofRefused(f"Le point de contrôle de la preuve n'est pas contresigné par {', '.join(missing)} : "
                           "seule la clé du journal en répond.")
    cosigned = f", contresigné par {', '.join(c.name for c in cosigners)}" if cosigners else ""
    # The leaf's index counts every dossier's events from 0: said as the place it is, never as "n°", which the
    # Historique gives each event in its own dossier (the number in the downloaded file's name).
    entries = "1 entrée" if checkpoint.size == 1 else f"{checkpoint.size} entrées"
    return (f"Preuve valide : l'événement d'empreinte {proven} est inscrit au journal {checkpoint.origin}, "
            f"{ordinal(proof.index + 1)} de ses {entries} dans l'arbre que la clé "
            f"{verifier.name}+{verifier.key_id:08x} a signé{cosigned}. Cette place compte les événements de tous "
            "les dossiers : ce n'est pas le numéro de l'événement dans l'historique, que donne le nom du fichier.")


def ordinal(place: int) -> str:
    """"1re", "122e": a place in the log, in French."""
    return "1re" if place == 1 else f"{place}e"


@click.command("verify-proof")
# A path, not click.File: its "No such file or directory" was the system's English, where Path's is in Click's French.
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, allow_dash=True), metavar="FICHIER",
                help="La preuve que l'Historique donne à télécharger ; - pour la lire sur l'entrée standard.")
@click.option("--cle", required=True, metavar="CLÉ",
              help="La clé de vérification du journal, telle que GET /journal/cle la publie.")
@click.option("--evenement-hash", "event_hash", metavar="EMPREINTE",
              help="L'empreinte de l'événement (colonne « hash » du CSV de l'Historique), 64 chiffres hexadécimaux.")
@click.option("--temoin", "witnesses", multiple=True, metavar="CLÉ",
              help="La clé de cosignature d'un témoin qui doit avoir contresigné le point de contrôle de la preuve ; "
                   "répétable.")
def verify_proof_command(file, cle: str, event_hash: str | None, witnesses: tuple[str, ...]) -> None:
    """Vérifier la preuve hors ligne d'un événement. La preuve (C2SP tlog-proof) est vérifiée avec la clé publique du
    journal, sans aucune base de données."""
    try:
        with click.open_file(file, encoding="utf-8") as opened:
            text = opened.read(1_000_000)
        click.echo(check_offline_proof(text, key=cle, event_hash=event_hash, witnesses=witnesses))
    except UnicodeDecodeError:
        raise click.ClickException("Ce fichier n'est pas du texte UTF-8 : ce n'est pas une preuve du journal.") from None
    except ProofRefused as refused:
        raise click.ClickException(str(refused)) from None
