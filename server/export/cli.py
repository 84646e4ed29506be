"""`carnet import dossier`: a dossier's copy ("Emporter mon dossier") read into another Carnet."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.command("dossier")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--ins", required=True, help="The INS of the patient whose (empty) dossier receives the copy.")
def import_dossier(path: str, ins: str) -> None:
    """Read a dossier's copy (the ZIP its patient downloads) into the empty dossier of the patient with this INS:
    for moving a dossier between Carnet installations. Creates nothing else: the patient, and every professional
    who wrote in the dossier, must be registered here first; a copy refused leaves everything as it was."""
    from datetime import datetime

    from sqlmodel import select

    from ..dossiers import InvalidInput
    from ..i18n import ngettext
    from .restore import TRANSFER, restore
    from ..files.store import DiskStorage
    from ..identifiers import normalize_ins
    from ..models import Dossier, Patient
    from ..templating import PARIS

    settings = cli_support.settings()
    storage = DiskStorage(settings.data_dir / "files")

    async def work(session):
        patient = (await session.exec(select(Patient).where(Patient.ins == normalize_ins(ins)))).first()
        if patient is None:
            raise click.ClickException("Aucun patient n'a cet INS ici : créez d'abord son dossier "
                                       "(carnet activation-code --ins … --given-name …).")
        dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == patient.id))).one()
        with open(path, "rb") as copy:
            return await restore(session, storage, zip_bytes=copy, dossier=dossier, actor=TRANSFER,
                                 today=datetime.now(PARIS).date())

    try:
        restored = asyncio.run(cli_support.with_db(settings, work))
    except InvalidInput as refused:
        raise click.ClickException(f"Copie refusée, rien n'a été écrit : {refused}") from None
    documents = ngettext("%(num)d document", "%(num)d documents", restored.documents)
    items = ngettext("%(num)d information", "%(num)d informations", restored.items)
    click.echo(f"{documents} et {items} du profil médical relus dans le dossier.")
