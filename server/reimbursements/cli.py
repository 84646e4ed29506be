"""`carnet import remboursements`: the Assurance Maladie's reimbursed care, from a file."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.command("remboursements")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True), metavar="FICHIER",
                help="Le fichier de l'Assurance Maladie.")
def import_reimbursements(path: str) -> None:
    """Charger un fichier de soins remboursés. Chaque ligne rejoint le dossier de son INS ; le format du fichier est
    décrit dans server/reimbursements/layout.py.

    Charger à nouveau le même fichier ne change rien ; une ligne traitée plus tard remplace la précédente, une
    annulation (colonne `annulation`) la supprime ; les soins plus anciens que ce que Carnet garde (les 24 mois de
    la page Soins) sont écartés ; les lignes dont l'INS n'a pas encore de dossier sont gardées, jusqu'à dépasser cet
    âge, et rejoignent le dossier s'il est créé entre-temps."""
    from pathlib import Path

    from . import importer
    from .layout import LayoutError, read

    try:
        lines = read(Path(path).read_bytes())
        report = asyncio.run(cli_support.with_db(cli_support.settings(), lambda session: importer.load(session, lines)))
    except LayoutError as error:  # the file's layout, or a line that would change patient: nothing written
        raise click.ClickException("\n".join([error.headline, *error.said])) from None
    click.echo(report.summary())
