"""`carnet logiciel`: software that calls the API on its own behalf (the insurer's system)."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.group()
def logiciel() -> None:
    """Software that calls the API on its own behalf (a professional's is registered from their pages)."""


@logiciel.command("assureur")
@click.option("--nom", required=True, help="Le nom du système, tel que le journal le montrera.")
@click.option("--jwk", "jwk_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Le fichier de sa clé publique (JWK, EC P-384 ou RSA).")
def register_insurer(nom: str, jwk_path: str) -> None:
    """Register the insurer's system, which sends reimbursed care to POST /api/remboursements."""
    from ..dossiers import InvalidInput
    from . import clients

    try:
        # utf-8-sig: a key saved by Windows' Notepad starts with a byte order mark, which JSON does not allow.
        # One character past the limit is enough for public_key to say the file is too long.
        with open(jwk_path, encoding="utf-8-sig") as file:
            jwk_text = file.read(clients.MAX_JWK + 1)
    except UnicodeDecodeError:
        raise click.ClickException("Ce fichier n'est pas du texte UTF-8 : ce n'est pas une clé publique "
                                   "(JWK).") from None

    async def work(session):
        return await clients.register(session, professional_id=None, name=nom, jwk_text=jwk_text, kind="insurer")

    try:
        client = asyncio.run(cli_support.with_db(cli_support.settings(), work))
    except InvalidInput as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"client_id : {client.id}\nportée : system/remboursements.c\njeton : POST /fhir/token")
