"""`carnet professional`: a registration desk's commands (register a professional, issue a new activation code)."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.group()
def professional() -> None:
    """Professionals: register one, or issue a new activation code."""


def _print_code(code: str, settings) -> None:
    click.echo(code)  # alone on stdout, for scripts; how to use it goes to stderr
    click.echo(f"À saisir avec le numéro RPPS sur {settings.origin}/pro/activer (valable 30 jours, une fois).", err=True)


@professional.command("add")
@click.option("--rpps", required=True, help="11 digits, with its Luhn key.")
@click.option("--given-name", required=True)
@click.option("--family-name", required=True)
@click.option("--profession", required=True, help="médecin, infirmier, pharmacien, masseur-kinésithérapeute…")
@click.option("--city", required=True)
@click.option("--issued-by", default="Guichet d'enregistrement des professionnels", show_default=True)
def professional_add(rpps, given_name, family_name, profession, city, issued_by) -> None:
    """Register a professional and print their activation code, as a registration desk would."""
    from ..auth.accounts import issue_activation_code
    from ..dossiers import PROFESSIONS, InvalidInput, create_professional
    from ..identifiers import is_valid_rpps
    from ..text_input import names_missing

    rpps = "".join(rpps.split())
    if not is_valid_rpps(rpps):
        raise click.ClickException("Ce numéro RPPS n'est pas valide (11 chiffres, clé de Luhn).")
    if names_missing({"--given-name": given_name, "--family-name": family_name}):
        raise click.ClickException("Donnez le prénom et le nom du professionnel (--given-name, --family-name).")
    if profession not in PROFESSIONS:
        raise click.ClickException(f"Profession inconnue. Professions possibles : {', '.join(PROFESSIONS)}.")

    async def work(session):
        found = await create_professional(session, rpps=rpps, given_name=given_name, family_name=family_name,
                                          profession=profession, city=city)  # cleaned there, as every path's
        return await issue_activation_code(session, professional=found, issued_by=issued_by)

    settings = cli_support.settings()
    try:
        code = asyncio.run(cli_support.with_db(settings, work))
    except InvalidInput as error:
        raise click.ClickException(f"{error} Pour un nouveau code : carnet professional code --rpps {rpps}") from None
    _print_code(code, settings)


@professional.command("code")
@click.option("--rpps", required=True)
@click.option("--issued-by", default="Guichet d'enregistrement des professionnels", show_default=True)
def professional_code(rpps, issued_by) -> None:
    """Issue a new activation code for a registered professional (a lost passkey, a new device)."""
    from sqlmodel import select

    from ..auth.accounts import issue_activation_code
    from ..models import Professional

    rpps = "".join(rpps.split())

    async def work(session):
        found = (await session.exec(select(Professional).where(Professional.rpps == rpps))).first()
        if found is None:
            raise click.ClickException("Aucun professionnel enregistré avec ce numéro RPPS.")
        return await issue_activation_code(session, professional=found, issued_by=issued_by)

    settings = cli_support.settings()
    _print_code(asyncio.run(cli_support.with_db(settings, work)), settings)
