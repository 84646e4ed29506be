"""`carnet witness`: make a witness's key (init), show it (cle), and serve POST /add-checkpoint over HTTP (serve).

The witness is its own program, run by someone other than the log's operator: it reads no
database and no Carnet setting, only its state file (witness.py) and the logs' keys it is given.
"""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path

import click
import uvicorn
from litestar import Litestar, Response, get, post

from ..serving import ServerConfig
from .keys import MalformedKey
from .witness import MAX_BODY, SIZE_TYPE, State, StateError, Witness, log_keys


def create_witness_app(witness: Witness) -> Litestar:
    @post("/add-checkpoint")
    async def add_checkpoint(body: bytes) -> Response:
        # In a thread: the state is written and flushed to disk before the answer (witness.State.save).
        answer = await asyncio.to_thread(witness.add_checkpoint, body)
        # The 409's type is exactly the spec's: Litestar would append "; charset=utf-8" to a text/ media type.
        exact = {"content-type": SIZE_TYPE} if answer.media_type == SIZE_TYPE else None
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=exact)

    @get("/checkpoint")
    async def latest(origine: str) -> Response:
        """Not in tlog-witness: the last checkpoint cosigned for a log (?origine=<origin>), for its auditors."""
        answer = witness.latest(origine)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    @get("/")
    async def about() -> Response:
        heads = witness.state.heads
        lines = [f"Témoin {witness.state.signer.name}", f"Clé de vérification : {witness.state.signer.verifier.key}",
                 "Journaux suivis :"]
        lines += [f"  {key.key} : dernier point de contrôle cosigné de taille "
                  f"{heads[origin].size if origin in heads else 0}" for origin, key in sorted(witness.logs.items())]
        return Response("\n".join(lines) + "\n", media_type="text/plain")

    return Litestar([add_checkpoint, latest, about], request_max_body_size=MAX_BODY)


def _state_path() -> click.Option:
    return click.option("--etat", required=True, type=click.Path(dir_okay=False, path_type=Path),
                        help="Le fichier d'état du témoin : sa clé privée et le dernier point de contrôle "
                             "cosigné de chaque journal.")


@click.group("witness")
def witness_command() -> None:
    """A witness of transparency logs (C2SP tlog-witness), run by someone independent of the log."""


@witness_command.command("init")
@click.option("--nom", required=True, help="Le nom du témoin, une URL sans schéma (temoin.example.org/association).")
@_state_path()
def init(nom: str, etat: Path) -> None:
    """Make the witness's key and its empty state file."""
    try:
        state = State.create(etat, name=nom)
    except StateError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Témoin «\u00a0{nom}\u00a0» créé dans {etat}. Sa clé de vérification, à donner aux journaux qu'il suit :")
    click.echo(state.signer.verifier.key)


@witness_command.command("cle")
@_state_path()
def show_key(etat: Path) -> None:
    """Print the witness's verifier key."""
    try:
        click.echo(State.load(etat).signer.verifier.key)
    except StateError as error:
        raise click.ClickException(str(error)) from None


@witness_command.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7380, show_default=True, type=int)
@_state_path()
@click.option("--journal", "journals", multiple=True, required=True,
              help="La clé de vérification d'un journal suivi, <origine>+<identifiant>+<base64> (GET /journal/cle) ; "
                   "répétable.")
def serve(host: str, port: int, etat: Path, journals: tuple[str, ...]) -> None:
    """Answer POST /add-checkpoint: cosign each checkpoint that extends the last one cosigned."""
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
    click.echo(f"Témoin {state.signer.name} sur http://{host}:{port}/add-checkpoint, pour "
               f"{', '.join(v.name for v in logs)} ; sa clé de vérification : {state.signer.verifier.key}")
    uvicorn.Server(ServerConfig(create_witness_app(witness), host=host, port=port, log_level="info")).run()
