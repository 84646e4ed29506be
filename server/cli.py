"""The `carnet` command: serve, migrate, demo data, activation codes, professionals, the log; the import,
software and witness commands live with their areas (reimbursements/, export/, fhir/, tlog/)."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import date

import click

from . import cli_support

cli_support.click_in_french()  # before the commands' options are made: a file option's name is translated then
from .export.cli import import_dossier
from .fhir.cli import logiciel
from .professionals.cli import professional
from .reimbursements.cli import import_reimbursements
from .tlog.cli import verify_proof_command
from .tlog.witness_server import witness_command


@click.group(cls=cli_support.Carnet)
def main() -> None:
    """Carnet : le dossier médical partagé du patient."""
    # What Carnet writes is its user's alone, whatever the umask it was started with (022 gave the SQLite database,
    # its WAL and a copy made from it to every local account: an operator's probe): the documents' files and the keys
    # were made private one by one; the database, by SQLite, was not.
    os.umask(0o077)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a dozen lines before every command


@main.command()
def migrate() -> None:
    """Mettre à jour le schéma de la base de données."""
    settings = cli_support.settings()
    cli_support.private_data_dir(settings)

    async def nothing(_session):
        return None

    asyncio.run(cli_support.with_db(settings, nothing))
    click.echo("Base de données à jour.")


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESSE",
              help="L'adresse sur laquelle écouter.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), metavar="PORT",
              help="Le port sur lequel écouter.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), metavar="NOMBRE",
              help="Le nombre de processus qui servent les requêtes.")
def serve(host: str, port: int, workers: int) -> None:
    """Lancer le serveur web. La base de données est d'abord mise à jour."""
    import uvicorn

    settings = cli_support.settings()
    if settings.env == "production" and "*" in settings.trusted_proxies.split(",") and host not in LOOPBACK:
        # Any client that reaches it could name itself in X-Forwarded-For, and start afresh the attempts a
        # form counts by address (an operator's probe): "*" is for a Carnet no one but its proxy reaches.
        raise click.ClickException(f"CARNET_TRUSTED_PROXIES=* croit l'adresse que donne n'importe quel client, et "
                                   f"Carnet écouterait sur {host} : donnez les adresses du proxy, ou écoutez sur "
                                   "127.0.0.1 derrière lui.")
    cli_support.private_data_dir(settings)

    async def keys(session):
        # Here, before any worker: a key missing or wrong is said in one line, not in each worker's traceback.
        from .notifications.webpush import load_vapid
        from .tlog.signing import log_signer, signed_by

        await signed_by(session, settings, await log_signer(session, settings))
        load_vapid(settings)

    asyncio.run(cli_support.with_db(settings, keys))
    cli_support.address_free(host, port)
    click.echo(f"Carnet sur {settings.origin} (écoute {host}:{port}, environnement {settings.env})")
    from .serving import ServerConfig

    config = ServerConfig(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our own log line leaves out query strings and personal data
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
        log_level="info",
    )
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


@main.command()
@click.option("--reset/--no-reset", default=False, help="Vider d'abord la base de données et les fichiers.")
def demo(reset: bool) -> None:
    """Charger les dossiers de démonstration. Affiche ensuite leurs codes d'activation."""
    import shutil

    from .demo import load_demo
    from .files.store import DiskStorage

    settings = cli_support.settings()
    if settings.env == "production":
        raise click.ClickException("Pas de données de démonstration en production.")
    if reset and settings.is_sqlite:
        for suffix in ("", "-wal", "-shm"):
            (settings.data_dir / f"carnet.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.rmtree(settings.data_dir / "files", ignore_errors=True)
    cli_support.private_data_dir(settings)
    storage = DiskStorage(settings.data_dir / "files")
    result = asyncio.run(cli_support.with_db(settings, lambda session: load_demo(session, storage)))
    click.echo(result.summary())


@main.command("activation-code")
@click.option("--ins", required=True, metavar="INS", help="Le matricule INS du patient (15 caractères).")
@click.option("--given-name", metavar="PRÉNOM",
              help="Le prénom du patient. Avec --family-name, --birth-date et --sex, crée le patient si l'INS est "
                   "nouveau.")
@click.option("--family-name", metavar="NOM", help="Le nom de famille du patient.")
@click.option("--birth-date", type=cli_support.DAY, help="La date de naissance du patient (AAAA-MM-JJ ou JJ/MM/AAAA).")
@click.option("--sex", type=click.Choice(["F", "M"]), help="Le sexe du patient.")
@click.option("--issued-by", default="Guichet CPAM", show_default=True, metavar="GUICHET",
              help="Qui remet le code, enregistré avec lui.")
def activation_code(ins, given_name, family_name, birth_date, sex, issued_by) -> None:
    """Émettre le code d'activation d'un patient. Comme le ferait un guichet de l'Assurance Maladie."""
    from sqlmodel import select

    from .auth.accounts import issue_activation_code
    from .dossiers import InvalidInput, create_patient
    from .i18n.formats import date_fr
    from .identifiers import is_valid_ins, normalize_ins
    from .models import Patient, paris_today
    from .professionals.opening import Identity, check_identity
    from .search import fold

    if not is_valid_ins(normalize_ins(ins)):  # before anything is asked: not "Patient inconnu"
        raise click.ClickException("Ce matricule INS n'est pas valide : vérifiez les 15 caractères.")

    async def work(session):
        found = (await session.exec(select(Patient).where(Patient.ins == normalize_ins(ins)))).first()
        if found is not None:
            # The identity given for a known INS is its patient's, or nothing is issued: a mistyped INS gave a code
            # to someone else's dossier, and ended the code its patient held (an operator's probe).
            differ = [said for said, given, held in (
                ("le prénom", given_name and fold(given_name), fold(found.given_name)),
                ("le nom", family_name and fold(family_name), fold(found.family_name)),
                ("la date de naissance", birth_date, found.birth_date), ("le sexe", sex, found.sex))
                if given and given != held]
            if differ:
                raise click.ClickException(
                    f"Ce matricule INS est celui d'un patient dont {' et '.join(differ)} ne correspond"
                    f"{'ent' if len(differ) > 1 else ''} pas à ce qui est donné : vérifiez le matricule. Aucun code n'a "
                    "été émis ; celui du patient vaut toujours.")
        if found is None:
            if not (given_name and family_name and birth_date and sex):
                raise click.ClickException("Patient inconnu : donnez --given-name, --family-name, --birth-date et --sex.")
            # As the professional's form checks them (the INS carries the sex, the year and month of birth).
            identity = Identity(ins=ins, given_name=given_name, family_name=family_name, sex=sex, consent=True,
                                birth_date=birth_date)
            check_identity(identity, today=paris_today())
            found, _ = await create_patient(
                session, ins=ins, given_name=given_name, family_name=family_name, birth_date=identity.birth_date,
                sex=sex,
            )
        return await issue_activation_code(session, patient=found, issued_by=issued_by), found

    settings = cli_support.settings()
    try:
        code, patient = asyncio.run(cli_support.with_db(settings, work))
    except (InvalidInput, ValueError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(code)  # alone on its line, for a script; whose, and where, for the person at the counter:
    born = "née" if patient.sex == "F" else "né"
    click.echo(f"Pour {patient.given_name} {patient.family_name}, {born} le {date_fr(patient.birth_date)} : à saisir avec "
               f"sa date de naissance sur {settings.origin}/activer (valable 30 jours, une fois). Un code émis avant "
               "pour ce dossier ne vaut plus.", err=True)


@main.group()
def files() -> None:
    """Les fichiers des documents."""


@files.command("check")
@click.option("--repair", is_flag=True,
              help="Supprimer les fichiers qui ne sont plus ceux d'aucun document (documents supprimés), et les "
                   "écritures interrompues.")
def files_check(repair: bool) -> None:
    """Vérifier les fichiers des documents. Compare le stockage à la base de données : fichiers manquants, endommagés
    ou inutiles ; code de sortie 1 si un fichier manque ou est endommagé."""
    from .files.check import check_store, repair_store
    from .files.store import DiskStorage

    settings = cli_support.settings()
    storage = DiskStorage(settings.data_dir / "files")

    async def work(session):
        report = await check_store(session, storage)
        if repair:
            await repair_store(session, storage, report)
        return report

    report = asyncio.run(cli_support.with_db(settings, work))
    click.echo(f"{report.files} fichier(s) examiné(s).")
    for label, key in report.missing:
        click.echo(f"Manquant : {key} ({label}) — à restaurer depuis une sauvegarde")
    for key in report.damaged:
        click.echo(f"Endommagé : {key} (son contenu ne correspond plus à son empreinte SHA-256)")
    for stray in report.strays:
        click.echo(f"Inattendu : {stray.path} (laissé en place)")
    unreferenced = len(report.unreferenced) + len(report.temporary)
    if repair:
        click.echo(f"{report.removed} fichier(s) inutile(s) supprimé(s).")
    elif unreferenced:
        click.echo(f"{unreferenced} fichier(s) inutile(s) (documents supprimés, écritures interrompues) : "
                   "carnet files check --repair les supprime.")
    if not report.healthy:
        raise SystemExit(1)
    click.echo("Chaque document a ses fichiers, intacts.")


@main.group()
def caregivers() -> None:
    """Les aidants et les parents d'un mineur."""


@caregivers.command("majority")
@click.option("--at", "at", type=cli_support.DAY,
              help="Comme si l'on était ce jour-là (AAAA-MM-JJ, à midi heure de Paris) : pour les tests et les "
                   "rattrapages.")
def caregivers_majority(at: date | None) -> None:
    """Traiter les droits des parents d'un enfant devenu majeur. Met fin aux droits des parents dont l'enfant a eu
    18 ans, ou les maintient si le jeune adulte l'a choisi.

    Chaque processus de l'application le fait aussi toutes les dix minutes ; cette commande sert à une tâche cron,
    ou à une vérification.
    """
    from datetime import datetime, time

    from .caregivers.majority import apply_majority
    from .db import make_sessionmaker
    from .models import clock_at
    from .notifications.webpush import Pusher
    from .templating import PARIS

    settings = cli_support.settings()
    moment = datetime.combine(at, time(12), tzinfo=PARIS) if at else None
    if moment is not None and moment > datetime.now(PARIS) and settings.env != "test":
        # A day to come would record ends and tell parents before it happens: only tests travel in time.
        raise click.ClickException("--at ne peut pas être dans le futur (sauf avec CARNET_ENV=test).")

    async def work(session):
        if moment is None:
            count = await apply_majority(session)
        else:
            with clock_at(moment):
                count = await apply_majority(session)
        # The patients' devices are told as the app's own round tells them, after each commit; the command ends once
        # the pushes have gone (or failed: the banner tells anyway).
        pusher = Pusher.from_settings(settings)
        pusher.send_committed(session, make_sessionmaker(session.bind))
        await pusher.drain()
        return count

    count = asyncio.run(cli_support.with_db(settings, work))
    click.echo(f"{count} accès de parent traité(s).")


@main.group()
def audit() -> None:
    """Le journal des accès."""


@audit.command()
def verify() -> None:
    """Vérifier l'intégrité du journal des accès. Contrôle la chaîne d'empreintes de chaque dossier, et le journal de
    transparence au regard de ce qu'il a signé ; nomme ce qui est rompu."""
    import httpx
    from sqlmodel import select

    from .accesslog.verify import verify_chain
    from .models import Dossier
    from .tlog.verify import verify_tree

    settings = cli_support.settings()

    async def work(session):
        ids = (await session.exec(select(Dossier.id))).all()
        breaks = [b for b in [await verify_chain(session, dossier_id=i) for i in ids] if b]
        async with httpx.AsyncClient() as http:  # the witnesses are asked what they last cosigned
            return len(ids), breaks, await verify_tree(session, settings, http=http)

    count, breaks, tree = asyncio.run(cli_support.with_db(settings, work))
    for broken in breaks:
        click.echo(f"Dossier {broken.dossier_id} : chaîne rompue à l'événement n° {broken.seq} ({broken.reason})")
    if not breaks:
        click.echo(f"{count} dossier(s) vérifié(s) : toutes les chaînes sont intactes.")
    click.echo("\n".join(tree.lines()))
    if breaks or tree.failed:
        raise SystemExit(1)


@main.group("import")
def import_group() -> None:
    """Importer des données envoyées par d'autres. Les soins remboursés par l'Assurance Maladie, la copie d'un dossier
    venue d'un autre Carnet."""


audit.add_command(verify_proof_command)
main.add_command(witness_command)
import_group.add_command(import_reimbursements)
import_group.add_command(import_dossier)
main.add_command(logiciel)
main.add_command(professional)


if __name__ == "__main__":  # python -m server.cli, as the console script `carnet`
    main()
