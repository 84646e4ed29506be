"""`carnet witness`: make a witness's key (init), show it (cle), and serve POST /add-checkpoint over HTTP (serve).

The witness is its own program, run by someone other than the log's operator: it reads no
database and no Carnet setting, only its state file (witness.py) and the logs' keys it is given.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

import click

from .. import cli_support
from .keys import MalformedKey
from .witness import State, StateError, Witness, log_keys


def _state_path() -> click.Option:
    return click.option("--etat", required=True, type=click.Path(dir_okay=False, path_type=Path),
                        help="Le fichier d'état du témoin : sa clé privée et le dernier point de contrôle "
                             "cosigné de chaque journal.")


@click.group("witness", cls=cli_support.Group)
def witness_command() -> None:
    """Témoin de journaux de transparence (C2SP tlog-witness). Il est tenu par quelqu'un d'indépendant du journal."""


@witness_command.command("init")
@click.option("--nom", required=True, metavar="NOM",
              help="Le nom du témoin, une URL sans schéma (temoin.example.org/association).")
@_state_path()
def init(nom: str, etat: Path) -> None:
    """Créer la clé du témoin et son fichier d'état vide."""
    try:
        state = State.create(etat, name=nom)
    except StateError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Témoin «\u00a0{nom}\u00a0» créé dans {etat}. Sa clé de vérification, à donner aux journaux qu'il suit :")
    click.echo(state.signer.verifier.key)


@witness_command.command("cle")
@_state_path()
def show_key(etat: Path) -> None:
    """Afficher la clé de vérification du témoin."""
    try:
        click.echo(State.load(etat).signer.verifier.key)
    except StateError as error:
        raise click.ClickException(str(error)) from None


@witness_command.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESSE",
              help="L'adresse sur laquelle écouter.")
@click.option("--port", default=7380, show_default=True, type=int, metavar="PORT", help="Le port sur lequel écouter.")
@_state_path()
@click.option("--journal", "journals", multiple=True, required=True, metavar="CLÉ",
              help="La clé de vérification d'un journal suivi, <origine>+<identifiant>+<base64> (GET /journal/cle) ; "
                   "répétable.")
def serve(host: str, port: int, etat: Path, journals: tuple[str, ...]) -> None:
    """Répondre aux demandes de contresignature (POST /add-checkpoint). Contresigne chaque point de contrôle qui
    prolonge le dernier contresigné."""
    try:
        state = State.load(etat)
        logs = log_keys(journals)
    except (StateError, MalformedKey) as error:
        raise click.ClickException(str(error)) from None
    lock = open(etat.with_name(f".{etat.name}.lock"), "w")  # noqa: SIM115  (held for the process's life)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise click.ClickException(f"Un autre témoin sert déjà {etat} : un fichier d'état, un seul processus.") from None
    witness = Witness(state, logs, evidence=etat.with_name(f"{etat.name}.preuves"))
    # What the log's operator configures is the prefix, to which Carnet adds /add-checkpoint itself (the spec's).
    click.echo(f"Témoin {state.signer.name} sur http://{host}:{port}/add-checkpoint, pour "
               f"{', '.join(v.name for v in logs)} ; à donner à l'exploitant de chaque journal "
               f"(CARNET_JOURNAL_WITNESSES, avec l'adresse où il le joint) : {state.signer.verifier.key} "
               f"http://{host}:{port}")
    # Loaded here, not with the module: every `carnet` command loads this one, and Litestar and uvicorn took 0.39 s
    # of the 0.54 s a command took to start (python -X importtime).
    import uvicorn

    from ..serving import ServerConfig
    from .witness_app import create_witness_app

    uvicorn.Server(ServerConfig(create_witness_app(witness), host=host, port=port, log_level="info")).run()
