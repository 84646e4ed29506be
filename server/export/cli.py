"""`carnet import dossier`: a dossier's copy ("Emporter mon dossier") read into another Carnet."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.command("dossier")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True), metavar="FICHIER",
                help="La copie du dossier : le fichier ZIP que son patient a téléchargé.")
@click.option("--ins", required=True, metavar="INS", help="L'INS du patient dont le dossier (vide) reçoit la copie.")
def import_dossier(path: str, ins: str) -> None:
    """Relire la copie d'un dossier dans un dossier vide. La copie (le ZIP que son patient télécharge) est relue dans
    le dossier vide du patient qui a cet INS : pour déplacer un dossier d'une installation de Carnet à une autre.
    Rien d'autre n'est créé : le patient, et chaque professionnel qui a écrit dans le dossier, doivent d'abord être
    enregistrés ici ; un proche qui y a ajouté des éléments est nommé tel que la copie l'écrit, sans être rattaché à
    un compte d'ici ; une copie refusée laisse tout en l'état."""
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
    if restored.hidden_care:
        hidden = ngettext("%(num)d soin remboursé que la copie dit masqué aux professionnels l'est ici aussi",
                          "%(num)d soins remboursés que la copie dit masqués aux professionnels le sont ici aussi",
                          restored.hidden_care)
        filed = ngettext(" (dont %(num)d repris de la copie, que l'Assurance Maladie n'a pas encore envoyé ici : il "
                         "restera masqué quand elle l'enverra)",
                         " (dont %(num)d repris de la copie, que l'Assurance Maladie n'a pas encore envoyés ici : ils "
                         "resteront masqués quand elle les enverra)", restored.care_from_copy)
        click.echo(f"{hidden}{filed if restored.care_from_copy else ''}.")
    if restored.undated_withdrawals:
        click.echo(ngettext(
            "%(num)d document retiré par son auteur l'est à la date d'aujourd'hui : l'historique de la copie ne dit "
            "pas quand il l'a été.",
            "%(num)d documents retirés par leur auteur le sont à la date d'aujourd'hui : l'historique de la copie ne "
            "dit pas quand ils l'ont été.", restored.undated_withdrawals))
    by_relatives = " et ".join(words for count, words in (
        (restored.relatives_documents, ngettext("%(num)d document", "%(num)d documents", restored.relatives_documents)),
        (restored.relatives_items, ngettext("%(num)d information", "%(num)d informations", restored.relatives_items)),
    ) if count)
    if by_relatives:  # the copy's word for who they are, not an account of this installation: an approximation, said
        click.echo(f"Les proches qui ont ajouté {by_relatives} sont nommés tels que la copie les écrit, sans être "
                   "rattachés à un compte d'ici : un compte ne se reconnaît pas d'une installation à l'autre.")
