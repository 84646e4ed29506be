"""`carnet professional`: a registration desk's commands (register a professional, issue a new activation code)."""

from __future__ import annotations

import asyncio

import click

from .. import cli_support


@click.group(cls=cli_support.Group)
def professional() -> None:
    """Les professionnels. En enregistrer un, écrire sa profession au féminin ou au masculin, ou lui émettre un nouveau
    code d'activation."""


def _print_code(code: str, settings) -> None:
    click.echo(code)  # alone on stdout, for scripts; how to use it goes to stderr
    click.echo(f"À saisir avec le numéro RPPS sur {settings.origin}/pro/activer (valable 30 jours, une fois).", err=True)


FORMS = {"feminine": True, "masculine": False}
FORM_HELP = ("Comment la profession s'écrit pour cette personne : au féminin (feminine : infirmière, pharmacienne…) "
             "ou au masculin (masculine : infirmier, pharmacien…).")


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
@click.option("--rpps", required=True, metavar="RPPS", help="Le numéro RPPS : 11 chiffres, clé de Luhn comprise.")
@click.option("--given-name", required=True, metavar="PRÉNOM", help="Le prénom du professionnel.")
@click.option("--family-name", required=True, metavar="NOM", help="Le nom de famille du professionnel.")
@click.option("--profession", required=True, metavar="PROFESSION",
              help="Sous l'une ou l'autre forme : médecin, infirmier ou infirmière, pharmacien ou pharmacienne, "
                   "masseur-kinésithérapeute…")
@click.option("--form", type=click.Choice(list(FORMS)),
              help=f"{FORM_HELP} Par défaut, celle dans laquelle --profession est écrite.")
@click.option("--city", required=True, metavar="VILLE", help="La ville où le professionnel exerce.")
@click.option("--issued-by", default="Guichet d'enregistrement des professionnels", show_default=True,
              metavar="GUICHET", help="Qui remet le code, enregistré avec lui.")
def professional_add(rpps, given_name, family_name, profession, form, city, issued_by) -> None:
    """Enregistrer un professionnel. Affiche son code d'activation, comme le ferait un guichet d'enregistrement."""
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
@click.option("--rpps", required=True, metavar="RPPS", help="Le numéro RPPS du professionnel.")
@click.option("--form", type=click.Choice(list(FORMS)), required=True, help=FORM_HELP)
def professional_form(rpps, form) -> None:
    """Écrire la profession d'un professionnel dans sa forme. Pour un professionnel enregistré, à partir de maintenant
    (infirmière) ; le journal garde ce qu'il a écrit avant."""
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
@click.option("--rpps", required=True, metavar="RPPS", help="Le numéro RPPS du professionnel.")
@click.option("--issued-by", default="Guichet d'enregistrement des professionnels", show_default=True,
              metavar="GUICHET", help="Qui remet le code, enregistré avec lui.")
def professional_code(rpps, issued_by) -> None:
    """Émettre un nouveau code d'activation pour un professionnel. Pour un professionnel déjà enregistré (une clé
    d'accès perdue, un nouvel appareil)."""
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
