"""`carnet professional`: a registration desk's commands (register a professional, issue a new activation code)."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.group()
def professional() -> None:
    """Professionals: register one, write their profession in their form, or issue a new activation code."""


def _print_code(code: str, settings) -> None:
    click.echo(code)  # alone on stdout, for scripts; how to use it goes to stderr
    click.echo(f"À saisir avec le numéro RPPS sur {settings.origin}/pro/activer (valable 30 jours, une fois).", err=True)


FORMS = {"feminine": True, "masculine": False}
FORM_HELP = "How the profession is written for this person: infirmier or infirmière, pharmacien or pharmacienne…"


def _profession(word: str, form: str | None) -> tuple[str, bool]:
    """The profession's code and its form for this person, from the name the desk gave (either form) and `--form`."""
    from .professions import PROFESSIONS, profession_named

    named = profession_named(word.strip().lower())
    if named is None:
        possible = ", ".join(forms.masculine if forms.masculine == forms.feminine
                             else f"{forms.masculine} ou {forms.feminine}" for forms in PROFESSIONS.values())
        raise click.ClickException(f"Profession inconnue. Professions possibles : {possible}.")
    code, said_feminine = named
    # The masculine is also the profession's name (its code, the lists' word): "chirurgien-dentiste --form feminine"
    # names the profession, then her form. Only a feminine word asked in the masculine contradicts itself.
    if form is not None and said_feminine and not FORMS[form]:
        raise click.ClickException(f"« {word.strip()} » est la forme {'féminine' if said_feminine else 'masculine'} "
                                   f"de la profession : --form {form} la contredit.")
    return code, FORMS[form] if form is not None else bool(said_feminine)


def _print_profession(professional) -> None:
    """How patients will read the profession, and the other form where there is one, for the desk to check."""
    from .professions import PROFESSIONS, written_profession

    written = written_profession(professional)
    forms = PROFESSIONS[professional.profession]
    other = (f" (l'autre forme : --form {'masculine' if professional.profession_feminine else 'feminine'})"
             if forms.masculine != forms.feminine else "")
    click.echo(f"Profession telle que les patients la lisent : {written}{other}.", err=True)


@professional.command("add")
@click.option("--rpps", required=True, help="11 digits, with its Luhn key.")
@click.option("--given-name", required=True)
@click.option("--family-name", required=True)
@click.option("--profession", required=True,
              help="Either form: médecin, infirmier or infirmière, pharmacien or pharmacienne, masseur-kinésithérapeute…")
@click.option("--form", type=click.Choice(list(FORMS)), help=f"{FORM_HELP} (default: as --profession is written).")
@click.option("--city", required=True)
@click.option("--issued-by", default="Guichet d'enregistrement des professionnels", show_default=True)
def professional_add(rpps, given_name, family_name, profession, form, city, issued_by) -> None:
    """Register a professional and print their activation code, as a registration desk would."""
    from ..auth.accounts import issue_activation_code
    from ..dossiers import InvalidInput, create_professional
    from ..identifiers import is_valid_rpps
    from ..text_input import names_missing

    rpps = "".join(rpps.split())
    if not is_valid_rpps(rpps):
        raise click.ClickException("Ce numéro RPPS n'est pas valide (11 chiffres, clé de Luhn).")
    if names_missing({"--given-name": given_name, "--family-name": family_name}):
        raise click.ClickException("Donnez le prénom et le nom du professionnel (--given-name, --family-name).")
    code, feminine = _profession(profession, form)

    async def work(session):
        found = await create_professional(session, rpps=rpps, given_name=given_name, family_name=family_name,
                                          profession=code, feminine=feminine, city=city)  # cleaned there
        return found, await issue_activation_code(session, professional=found, issued_by=issued_by)

    settings = cli_support.settings()
    try:
        found, activation = asyncio.run(cli_support.with_db(settings, work))
    except InvalidInput as error:
        raise click.ClickException(f"{error} Pour un nouveau code : carnet professional code --rpps {rpps}") from None
    _print_code(activation, settings)
    _print_profession(found)


@professional.command("form")
@click.option("--rpps", required=True)
@click.option("--form", type=click.Choice(list(FORMS)), required=True, help=FORM_HELP)
def professional_form(rpps, form) -> None:
    """Write a registered professional's profession in their form (infirmière), from now on; the log keeps what it
    wrote before."""
    from sqlmodel import select

    from ..db import begin_write
    from ..models import Professional

    rpps = "".join(rpps.split())

    async def work(session):
        await begin_write(session)
        found = (await session.exec(select(Professional).where(Professional.rpps == rpps))).first()
        if found is None:
            raise click.ClickException("Aucun professionnel enregistré avec ce numéro RPPS.")
        found.profession_feminine = FORMS[form]
        session.add(found)
        await session.commit()
        return found

    _print_profession(asyncio.run(cli_support.with_db(cli_support.settings(), work)))


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
