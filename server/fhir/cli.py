"""`carnet logiciel`: software that calls the API on its own behalf (the insurer's system)."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support
from ..i18n.formats import date_fr


@click.group(cls=cli_support.Group)
def logiciel() -> None:
    """Les logiciels qui appellent l'API en leur propre nom. Celui d'un professionnel s'enregistre depuis ses pages."""


@logiciel.command("assureur")
@click.option("--nom", required=True, metavar="NOM", help="Le nom du système, tel que le journal le montrera.")
@click.option("--jwk", "jwk_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Le fichier de sa clé publique (JWK, EC P-384 ou RSA).")
def register_insurer(nom: str, jwk_path: str) -> None:
    """Enregistrer le système de l'assureur. Il envoie les soins remboursés à POST /api/remboursements."""
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
        client = await clients.register(session, professional_id=None, name=nom, jwk_text=jwk_text, kind="insurer")
        return client, [c for c in await clients.insurers(session)
                        if c.name == client.name and c.id != client.id and c.revoked_at is None]

    try:
        client, namesakes = asyncio.run(cli_support.with_db(cli_support.settings(), work))
    except InvalidInput as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"client_id : {client.id}\nportée : system/remboursements.c\njeton : POST /fhir/token")
    # A new key under the same name is a rotation: the old one keeps working until it is revoked, which is said.
    for other in namesakes:
        click.echo(f"« {client.name} » a aussi le client_id {other.id} (enregistré le {date_fr(other.created_at)}) : "
                   f"une fois la nouvelle clé en service, révoquez l'ancienne (carnet logiciel revoquer --client-id "
                   f"{other.id}).", err=True)


@logiciel.command("liste")
def list_insurers() -> None:
    """Lister les systèmes d'assureur enregistrés. Pour chacun : client_id, nom, date d'enregistrement, dernier usage,
    révocation."""
    from . import clients

    async def work(session):
        return await clients.insurers(session)

    found = asyncio.run(cli_support.with_db(cli_support.settings(), work))
    if not found:
        click.echo("Aucun système d'assureur enregistré.")
    for client in found:
        state = f"révoqué le {date_fr(client.revoked_at)}" if client.revoked_at else "en service"
        used = f"dernier usage le {date_fr(client.last_used_at)}" if client.last_used_at else "jamais utilisé"
        click.echo(f"{client.id}  « {client.name} »  enregistré le {date_fr(client.created_at)}, {used}, {state}")


@logiciel.command("revoquer")
@click.option("--client-id", "client_id", required=True, metavar="CLIENT_ID",
              help="Le client_id du système (carnet logiciel liste).")
def revoke_insurer(client_id: str) -> None:
    """Révoquer le système d'un assureur. Il n'obtient plus de jeton, et ceux qu'il détient cessent aussitôt de valoir
    (une clé divulguée, une clé remplacée). Le logiciel d'un professionnel se révoque depuis sa page « Logiciels »."""
    from . import clients

    async def work(session):
        found = next((c for c in await clients.insurers(session) if c.id == client_id.strip()), None)
        if found is not None and found.revoked_at is None:
            await clients.revoke(session, client=found)
        return found

    client = asyncio.run(cli_support.with_db(cli_support.settings(), work))
    if client is None:
        raise click.ClickException("Aucun système d'assureur n'a ce client_id (carnet logiciel liste les donne).")
    click.echo(f"« {client.name} » ({client.id}) est révoqué depuis le {date_fr(client.revoked_at)} : il n'obtient "
               "plus de jeton, et ceux qu'il avait ne valent plus.")
