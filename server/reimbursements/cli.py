"""`carnet import remboursements`: the Assurance Maladie's reimbursed care, from a file."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.command("remboursements")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_reimbursements(path: str) -> None:
    """Load a file of reimbursed care (layout: server/reimbursements/layout.py), matched to dossiers by INS.

    Loading the same file again changes nothing; a line processed later replaces the earlier one, a cancellation
    (column `annulation`) deletes it; care older than Carnet keeps (the Soins page's 24 months) is left out; lines
    whose INS has no dossier yet are kept, until they age past that, and join the dossier if it is created
    meanwhile."""
    from pathlib import Path

    from . import importer
    from .layout import LayoutError, read

    try:
        lines = read(Path(path).read_bytes())
        report = asyncio.run(cli_support.with_db(cli_support.settings(), lambda session: importer.load(session, lines)))
    except LayoutError as error:  # the file's layout, or a line that would change patient: nothing written
        raise click.ClickException("\n".join([error.headline, *error.said])) from None
    click.echo(report.summary())
