"""French and English: every text of the interface has its English, chosen from the browser or the page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from server import i18n
from server.i18n import formats
from tests.conftest import activate, post_form

ROOT = Path(__file__).parent.parent
ENGLISH = i18n.translations("en")


def extracted() -> list[tuple[str, int, object, str | None]]:
    """Every text the code marks for translation, as scripts/catalogue extracts it."""
    with (ROOT / "server/i18n/babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    return [
        (filename, lineno, message, context)
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords, strip_comment_tags=True
        )
    ]


def test_every_text_of_the_interface_has_its_english():
    catalogue = i18n._catalogue("en")
    missing = []
    for filename, lineno, message, context in extracted():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalogue.get(message if isinstance(message, str) else message[0], context=context)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(f"{filename}:{lineno}: {msgid!r}")
    assert not missing, "run scripts/catalogue and translate:\n" + "\n".join(missing)


def test_the_english_keeps_every_placeholder_of_the_french():
    """All but French's own: "%(de_name)s" ("de Léo", "d'Inès") is the French form of a name."""
    problems = [(message.id, errors) for message, errors in i18n._catalogue("en").check()
                if errors and "%(de_" not in str(message.id)]
    assert not problems


@pytest.mark.parametrize(("cookie", "header", "chosen"), [
    (None, "en-GB,en;q=0.9,fr;q=0.8", "en"),
    (None, "fr-FR,fr;q=0.9,en;q=0.8", "fr"),
    (None, "de-DE, en;q=0.5", "en"),
    (None, "de-DE", "fr"),
    (None, "en;q=0, fr", "fr"),
    (None, "en;q=nonsense", "fr"),
    (None, "fr;q=0.9, en;q=inf", "fr"),  # float() reads "inf", "1e3" and Arabic-Indic digits: no weight does
    (None, "fr;q=0.9, en;q=1e3", "fr"),
    (None, "fr;q=0.5, en;q=\u0661", "fr"),
    (None, "fr;q=0.5, en;q=0.9", "en"),
    (None, None, "fr"),
    ("en", "fr-FR", "en"),
    ("fr", "en-GB", "fr"),
    ("xx", "en-GB", "en"),
])
def test_the_language_is_the_persons_choice_else_the_browsers(cookie, header, chosen):
    assert i18n.choose(cookie, header) == chosen


def test_dates_amounts_and_sizes_are_written_as_each_language_writes_them():
    moment = datetime(2026, 3, 1, 13, 59, tzinfo=UTC)  # 14:59 in Paris
    expected = {
        "fr": ("1er\u00a0mars 2026", "1er\u00a0mars 2026 à 14\u00a0h\u00a059", "mars 2026", "1\u202f234,56\u00a0€", "3,1\u00a0Mo",
               "«\u00a0IRM\u00a0»"),
        "en": ("1\u00a0March 2026", "1\u00a0March 2026 at 14:59", "March 2026", "€1,234.56", "3.1\u00a0MB", "\u201cIRM\u201d"),
    }
    for language, said in expected.items():
        i18n.use(language)
        try:
            assert (formats.long_date(moment), formats.long_datetime(moment), formats.month_year(date(2026, 3, 5)),
                    formats.money(123456), formats.filesize(3_250_000), formats.quoted("IRM")) == said
        finally:
            i18n.use(i18n.SOURCE)


async def test_a_browser_in_english_gets_the_pages_in_english(client):
    page = await client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert page.headers["content-language"] == "en"
    assert '<html lang="en">' in page.text
    log_in = "Se connecter avec une clé d'accès"
    assert ENGLISH.gettext(log_in) != log_in and ENGLISH.gettext(log_in) in page.text
    french = await client.get("/", headers={"accept-language": "fr-FR"})
    assert '<html lang="fr">' in french.text and log_in in french.text


async def test_the_footer_switches_the_language_and_comes_back_to_the_same_page(client):
    await client.get("/connexion")
    answer = await post_form(client, "/langue", {"langue": "en", "retour": "/connexion"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/connexion"
    page = await client.get("/connexion", headers={"accept-language": "fr-FR"})  # the choice wins over the browser
    assert '<html lang="en">' in page.text
    assert '<button class="link" type="submit" name="langue" value="fr" lang="fr">Français</button>' in page.text
    # The login page's way back to the page that sent there (views/auth.py) stays through the switch too.
    login = await client.get("/connexion?suite=/pro/code")
    back = re.search(r'name="retour" value="([^"]+)"', login.text).group(1)
    switched = await post_form(client, "/langue", {"langue": "en", "retour": html.unescape(back)}, follow_redirects=False)
    assert 'data-next="/pro/code"' in (await client.get(switched.headers["location"])).text


async def test_the_switch_keeps_the_pages_filters(client, db, patient):
    """A filtered list switched to English was the whole dossier's, the filters dropped (an outside tester's print)."""
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}/imprimer?categorie=biologie"
    page = await client.get(url)
    assert f'name="retour" value="{url}"' in page.text
    answer = await post_form(client, "/langue", {"langue": "en", "retour": url}, follow_redirects=False)
    assert answer.headers["location"] == url
    # A query of other characters is left behind; the page stays.
    odd = await post_form(client, "/langue", {"langue": "fr", "retour": "/connexion?x=<b>"}, follow_redirects=False)
    assert odd.headers["location"] == "/connexion"


@pytest.mark.parametrize("back", ["//evil.example/", "//evil.example/?a=1", "https://evil.example/?x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""])
async def test_the_switch_never_sends_anyone_to_another_site(client, back):
    await client.get("/connexion")
    answer = await post_form(client, "/langue", {"langue": "en", "retour": back}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


async def test_an_unknown_language_falls_back_to_french(client):
    await client.get("/connexion")
    await post_form(client, "/langue", {"langue": "klingon", "retour": "/connexion"})
    assert '<html lang="fr">' in (await client.get("/connexion", headers={"accept-language": "en"})).text


async def test_the_scripts_get_their_english_in_a_meta_not_an_inline_script(client):
    english = (await client.get("/connexion", headers={"accept-language": "en"})).text
    assert '<meta name="carnet-textes" content=\'{' in english and "<script>" not in english
    assert ENGLISH.gettext("L'opération a été annulée ou a expiré. Réessayez.") in english  # passkeys.js's
    french = (await client.get("/connexion", headers={"accept-language": "fr"})).text
    assert "carnet-textes" not in french  # French is the scripts' own text


async def test_a_professions_name_is_in_the_readers_language(client, db, patient):
    """Stored in French, as the RPPS directory names it; shown in English to an English reader, wherever it is."""
    from server.access import grants
    from server.accesslog.audit import Actor
    from server.dossiers import create_professional
    from server.identifiers import rpps_with_key
    from tests.conftest import activate

    kine = await create_professional(db, rpps=rpps_with_key("1000951238"), given_name="Léa", family_name="Fontaine",
                                     profession="masseur-kinésithérapeute", city="Lyon")
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="1m",
                              actor=Actor(None, "patient", "Camille Martin"))
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"

    async def pages() -> list[str]:
        found = await post_form(client, f"{dossier}/annuaire", {"q": "fontaine"})  # the directory's search
        return [(await client.get(f"{dossier}/acces")).text, (await client.get(f"{dossier}/professionnels/{kine.id}")).text,
                found.text]

    assert all("masseur-kinésithérapeute" in page for page in await pages())
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    assert all("physiotherapist" in page and "kinésithérapeute" not in page for page in await pages())


async def test_the_historique_names_a_profession_in_the_readers_language(client, db, patient):
    from tests.conftest import activate, logged_read

    await activate(client, patient)
    await logged_read(db, patient.dossier)
    historique = f"/dossiers/{patient.dossier.id}/historique"
    assert "Léa Fontaine, masseur-kinésithérapeute," in (await client.get(historique)).text
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    assert "Léa Fontaine, physiotherapist," in (await client.get(historique)).text


async def test_a_new_events_badge_is_followed_by_the_readers_colon(client, db, patient):
    """A screen reader hears "Nouveau : Léa Fontaine…" and "New: Léa Fontaine…" (the English page said " :")."""
    from tests.conftest import activate, logged_read

    await activate(client, patient)
    historique = f"/dossiers/{patient.dossier.id}/historique"
    await logged_read(db, patient.dossier)
    assert '>Nouveau</span><span class="visually-hidden">\u00a0: </span><span' in (await client.get(historique)).text
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    await logged_read(db, patient.dossier)
    assert '>New</span><span class="visually-hidden">: </span><span' in (await client.get(historique)).text


async def test_the_historique_says_its_filter_and_the_software_in_the_readers_language(client, db, patient):
    from server.accesslog.audit import Actor, append, begin_chained, commit_chained

    await begin_chained(db)
    await append(db, dossier_id=patient.dossier.id, action="read_timeline", detail="via le logiciel «\u00a0Médilog\u00a0»",
                 actor=Actor(None, "professional", "Léa Fontaine", profession="masseur-kinésithérapeute",
                             rpps="10009512384"))
    await commit_chained(db)
    await activate(client, patient)
    historique = f"/dossiers/{patient.dossier.id}/historique"
    french = (await client.get(historique)).text
    assert ">Léa Fontaine, masseur-kinésithérapeute</option>" in french
    assert "via le logiciel «\u00a0Médilog\u00a0»." in french
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    english = (await client.get(historique)).text
    assert ">Léa Fontaine, physiotherapist</option>" in english  # the name as logged, the profession translated
    sentences = " ".join(re.findall(r'<span class="log-text"[^>]*>(?:<span class="fit fit-\d+">)?([^<]*)', english))
    assert "via the software \u201cMédilog\u201d." in sentences and "via le logiciel" not in sentences  # (the proof
    # data under each line keeps the stored detail, as the chain hashed it)


async def test_each_proof_of_the_historique_is_named_for_its_event_in_the_readers_language(client, db, patient, settings):
    """The proof under each line is named by its event's number, in a sentence of the reader's language (its
    pattern translated once a page, filled in each line: templating.pattern)."""
    from server.tlog.integrator import integrate_now
    from server.tlog.signing import load_signer
    from tests.conftest import logged_read

    await activate(client, patient)
    await logged_read(db, patient.dossier)
    await integrate_now(db, signer=load_signer(settings))
    historique = f"/dossiers/{patient.dossier.id}/historique"
    for words, summary, link in (
            ("fr", "de l'événement n° {}", "Télécharger la preuve de l'événement n° {}"),
            ("en", "of event no. {}", "Download the proof of event no. {}")):
        if words == "en":
            await post_form(client, "/langue", {"langue": "en", "retour": "/"})
        page = html.unescape((await client.get(historique)).text)  # "l'événement" is "l&#39;événement" there
        lines = re.findall(r'<li class="log-line[^"]*" id="evenement-(\d+)">(.*?)</li>', page, re.S)
        numbers = [number for number, line in lines if 'class="log-proof"' in line]  # in the log already
        assert numbers and len(numbers) == len(set(numbers)), page
        for number in numbers:
            assert f'<span class="visually-hidden"> {summary.format(number)}</span></summary>' in page, (words, number)
            assert f'aria-label="{link.format(number)}"' in page, (words, number)


async def test_the_transparency_logs_refusals_are_in_the_readers_language(client):
    for query, french, english in [
        ("inclusion?index=x&taille=1", "doit être un nombre entier positif ou nul", "must be a whole number"),
        ("inclusion?index=5&taille=5", "doit être plus petit que", "must be smaller than"),
        ("consistance?de=3&a=2", "ne peut pas dépasser", "cannot be greater than"),
        ("consistance?de=0&a=4000000", "pas d'arbre de taille 4000000", "there is no tree of size 4000000"),
    ]:
        said = await client.get(f"/journal/preuve/{query}", headers={"Accept-Language": "fr"})
        told = await client.get(f"/journal/preuve/{query}", headers={"Accept-Language": "en"})
        assert said.status_code == told.status_code and said.status_code in (400, 404), query
        assert french in said.text and english in told.text, (query, said.text, told.text)
