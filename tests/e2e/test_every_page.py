"""Every page of the patient's and the professional's journeys, on a 360 px phone, in French and in
English, light and dark: axe-core finds no WCAG A/AA violation (in French in both themes, in English in the
light one, whose colours are the French page's), nothing scrolls sideways at 320 px nor at 180 px (a 360 px
phone at 200 % zoom), and the English pages have no French left in them, and no field lets the browser keep
what is typed in it.

Each visit also writes a screenshot of the page's first screen into tests/e2e/screenshots/ (which
git ignores), named <language>-<theme>-<page>.png, for a person to look at after any run.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from server import i18n
from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import PHONE_WIDTH, log_in, log_in_professional

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).parent / "screenshots"
AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
        "resultTypes": ["violations"]}
# What a theme can change: a dark theme's CSS (carnet.css) sets colours and a shadow, nothing else. Of axe-core's
# WCAG A/AA rules, these two (its "cat.color" ones) are the only ones whose checks or filters read a colour; the others
# give the same answer on the same document in either theme, so the dark pass runs only these, on a document unchanged
# since the light pass (else all of them: see `visit`). They were half of the dark run's time.
COLOURS = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
           "resultTypes": ["violations"]}
# An English page is the French one's document with other words, under the same style sheet: its colours are the
# French light pass's, checked there; its pass runs the other rules (what a label, a name, a title or a language says).
WORDS = {**WCAG, "rules": {rule: {"enabled": False} for rule in COLOURS["runOnly"]["values"]}}
NARROW = (320, 180)
MISSING = "0" * 32
SPACES = re.compile(r"[\s\u00a0\u202f]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def french_fragments() -> list[str]:
    """The French sentences of the catalogue whose English differs, cut at their placeholders: on an
    English page, any of them is a text the page did not translate."""
    catalogue = i18n._catalogue("en")
    english = " ".join(str(m.string) for m in catalogue if m.id)
    fragments = set()
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        for msgid in (message.id,) if isinstance(message.id, str) else message.id:
            for piece in PLACEHOLDER.split(msgid):
                piece = SPACES.sub(" ", piece).strip(" .,:;!?«»()—–-")
                if len(piece) >= 12 and " " in piece and piece not in english:
                    fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


FRENCH = french_fragments()


def shown_text(page: Page) -> str:
    """What a person reads or hears: the visible text, the title, labels for screen readers, placeholders."""
    text = page.evaluate("""() => [document.title, document.body.innerText,
        ...[...document.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')].flatMap(
            e => [e.getAttribute('aria-label'), e.getAttribute('placeholder'), e.getAttribute('title'), e.getAttribute('alt')])
    ].filter(Boolean).join('\\n')""")
    return SPACES.sub(" ", text)


def no_french_left(page: Page, data: tuple[str, ...]) -> None:
    text = shown_text(page)
    for value in data:  # the dossier's own content (titles, names) is the patient's, in French
        text = text.replace(value, "")
    left = [fragment for fragment in FRENCH if fragment in text]
    assert not left, f"{page.url} has French left in English: {left[:5]}"


# axe-core's run, or null where it is not in the document; with `if_unchanged`'s options instead where the document is
# still the one the light pass kept (`visit`), as it is at the run.
RUN_AXE = """([options, ifUnchanged]) => typeof axe === "undefined" ? null : axe.run(
    ifUnchanged && document.documentElement.outerHTML === window.lightPass ? ifUnchanged : options
).then(results => results.violations)"""


def no_violation(page: Page, options: dict = WCAG, *, present: bool | None = None,
                 if_unchanged: dict | None = None) -> None:
    # axe-core (572 KB) goes into a document once: 48 ms a time. The same document's later runs find it there: its
    # dark theme's, and those after a boosted visit (htmx keeps the document). Only the violations come back. Whether
    # it is there is asked with the run itself, unless the caller knows already (`present`).
    violations = None if present is False else page.evaluate(RUN_AXE, [options, if_unchanged])
    if violations is None:
        page.evaluate(AXE.axe_script)
        violations = page.evaluate(RUN_AXE, [options, if_unchanged])
    assert not violations, f"{page.url}: " + "; ".join(
        f"{v['id']}: {[(n['target'], n.get('failureSummary', '')[-160:]) for n in v['nodes']][:3]}" for v in violations)


def fits(page: Page) -> None:
    for width in NARROW:
        page.set_viewport_size({"width": width, "height": 740})
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{page.url} scrolls sideways at {width} px: {scroll_width} px wide"
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 780})


def nothing_to_autofill(page: Page) -> None:
    """Every field follows an autocomplete="off", its form's or, outside a form, its own: a shared computer's browser
    keeps nothing typed in Carnet (tests/test_forms_autocomplete_off.py reads every form of the templates)."""
    offered = page.evaluate("""() => [...document.querySelectorAll('input, textarea, select')]
        .filter(e => !e.readOnly && !['hidden', 'submit', 'button', 'checkbox', 'radio', 'file'].includes(e.type))
        .filter(e => (e.getAttribute('autocomplete') ?? e.form?.getAttribute('autocomplete')) !== 'off')
        .map(e => e.id || e.name)""")
    assert not offered, f"{page.url}: fields whose values the browser would keep: {offered}"


def screenshot(page: Page, path: Path) -> None:
    """The page's first screen, for people to look at (nothing is asserted on it), a pixel per CSS pixel: at the phone's
    two, its PNG took three times as long to make. Chromium now and then has no frame to give ("Unable to capture
    screenshot", once in a clean-clone run, on the export page): asked once more."""
    # caret="initial": no style sheet put in the page and taken out again around each shot (Playwright's "hide", two
    # restylings of the whole document a shot); a focused field's caret, if any, is on the picture, as on a screen.
    try:
        page.screenshot(path=path, scale="css", caret="initial")
    except PlaywrightError as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_timeout(250)
        page.screenshot(path=path, scale="css", caret="initial")


def visit(page: Page, language: str, name: str, url: str, *, data: tuple[str, ...] = ()) -> None:
    """One page in one language, light then dark: a screenshot of each; axe-core in each theme in French, and the
    narrow widths (its sentences are longer); in English, no French left and axe-core in the light theme but for its
    colours (`WORDS`: a page's colours do not change with the language; the English dark pass took a quarter of this
    file's time, the English colour checks a sixth of what was left: 61 → 51 s of Chromium's CPU, 2026-12-07). The
    dark pass runs the rules a theme can change (COLOURS) when the document is the one the light pass checked, all
    otherwise."""
    # Reduced motion: the buttons' colour transitions are over before a screenshot or axe looks.
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    screenshot(page, SHOTS / f"{language}-light-{name}.png")
    # What the light pass checks (kept, to compare), its language, and whether axe-core is in it: one call.
    lang, axe_present = page.evaluate("""() => { window.lightPass = document.documentElement.outerHTML;
        return [document.documentElement.getAttribute("lang"), typeof axe !== "undefined"]; }""")
    assert lang == language
    no_violation(page, WCAG if language == "fr" else WORDS, present=axe_present)
    if language == "fr":
        fits(page)
        nothing_to_autofill(page)
    else:
        no_french_left(page, data)
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    # Two frames, so that the page has been styled again in the dark theme before anything reads it: once axe-core
    # stayed in the document (no script evaluated first), it once read a footer link in the light theme's grey on
    # the dark background (a full run at f2b9ff9, on /recuperation).
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    screenshot(page, SHOTS / f"{language}-dark-{name}.png")
    if language == "fr":
        no_violation(page, WCAG, if_unchanged=COLOURS)


def switch_language(page: Page, to: str) -> None:
    page.get_by_role("button", name=i18n.NAMES[to]).click()
    expect(page.locator(f"html[lang={to}]")).to_be_attached()


def test_the_patients_pages_in_both_languages_and_themes(page: Page, console, seed, seed_professional, seed_grant):
    console.allow(f"/documents/{MISSING}")  # the error page answers 404, as it should
    patient = seed()
    kine = seed_professional(given_name="Lucie", family_name="Bernard")
    seed_grant(patient, kine)
    log_in(page, patient)
    dossier = f"/dossiers/{patient.dossier_id}"
    document = page.locator("a.document-link").first.get_attribute("href")
    pages = {
        "dossier": dossier, "ajouter": f"{dossier}/ajouter", "document": document,
        "suppression": f"{document}/suppression",
        "profil": f"{dossier}/profil", "profil-ajouter": f"{dossier}/profil/ajouter", "acces": f"{dossier}/acces",
        "annuaire": f"{dossier}/annuaire", "partage": f"{dossier}/partage",
        "professionnel": f"{dossier}/professionnels/{kine.professional_id}",
        "voir-comme": f"{dossier}/voir-comme/{kine.professional_id}",
        "voir-comme-profil": f"{dossier}/voir-comme/{kine.professional_id}/profil",
        "voir-comme-soins": f"{dossier}/voir-comme/{kine.professional_id}/soins", "historique": f"{dossier}/historique",
        "soins": f"{dossier}/soins", "soins-imprimer": f"{dossier}/soins/imprimer", "export": f"{dossier}/export", "liens-sante": f"{dossier}/liens-sante",
        "proches": f"{dossier}/proches", "fermeture": f"{dossier}/fermeture",
        "cles": "/cles", "mes-dossiers": "/mes-dossiers", "introuvable": f"/documents/{MISSING}",
    }
    # What the patient and the tests wrote (titles, names, a passkey's name) is theirs, in French.
    data = (*patient.titles, "Laboratoire de test", "Camille", "Martin", "Lucie", "Bernard", "Mon téléphone")
    for language in ("fr", "en"):
        if language == "en":
            switch_language(page, "en")
        for name, url in pages.items():
            visit(page, language, name, url, data=data)
    # The scripts speak English too: the Historique's own check, written by journal-verify.js.
    page.goto(pages["historique"])
    expect(page.get_by_text(re.compile(r"^Your device verified this history"))).to_be_visible()


def test_the_professionals_and_public_pages_in_both_languages_and_themes(computer, console, seed, seed_professional,
                                                                         seed_grant):
    page = computer.page
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 780})
    patient = seed()
    doctor = seed_professional(given_name="Paul", family_name="Durand", profession="médecin")
    seed_grant(patient, doctor)
    public = {"accueil": "/", "connexion": "/connexion", "activer": "/activer", "pro-activer": "/pro/activer",
              "recuperation": "/recuperation", "vos-donnees": "/vos-donnees"}
    for name, url in public.items():
        visit(page, "fr", name, url)
    log_in_professional(page, doctor)
    dossier = f"/dossiers/{patient.dossier_id}"
    page.goto(dossier)
    document = page.locator("a.document-link").first.get_attribute("href")
    pages = {"pro": "/pro", "pro-dossier": dossier, "pro-document": document, "pro-depot": f"{dossier}/documents/nouveau",
             "pro-note": f"{dossier}/documents/nouvelle-note", "pro-logiciels": "/pro/logiciels", "pro-urgence": "/pro/urgence", "pro-nouveau-dossier": "/pro/nouveau-dossier",
             "pro-activite": "/pro/activite"}
    data = (*patient.titles, "Laboratoire de test", "Camille", "Martin", "Paul", "Durand")
    for name, url in pages.items():
        visit(page, "fr", name, url, data=data)
    switch_language(page, "en")
    for name, url in {**pages, **public}.items():
        visit(page, "en", name, url, data=data)


def test_a_parents_pages_of_her_childs_dossier_in_both_languages_and_themes(page: Page, seed_person,
                                                                            seed_minor_with_parent):
    today = paris_today()
    mother = seed_person(given_name="Sophie", family_name="Bernard", sex="F",
                         birth_date=years_before(today, 38) - timedelta(days=40),
                         documents=[(today - timedelta(days=20), "biologie", "Bilan sanguin de Sophie")])
    child = seed_minor_with_parent(mother, given_name="Léo", family_name="Bernard", sex="M",
                                   birth_date=years_before(today, 9) - timedelta(days=50),
                                   documents=[(today - timedelta(days=10), "compte_rendu", "Consultation pédiatrique")],
                                   kept_from_parents=())
    log_in(page, mother)
    dossier = f"/dossiers/{child.dossier_id}"
    page.goto(dossier)
    document = page.locator("a.document-link").first.get_attribute("href")
    pages = {"enfant-dossier": dossier, "enfant-document": document, "enfant-profil": f"{dossier}/profil",
             "enfant-acces": f"{dossier}/acces", "enfant-historique": f"{dossier}/historique",
             "enfant-soins": f"{dossier}/soins", "enfant-proches": f"{dossier}/proches", "ajouter-enfant": "/enfant"}
    data = ("Bilan sanguin de Sophie", "Consultation pédiatrique", "Laboratoire de test", "Sophie", "Léo", "Bernard",
            "Mon téléphone", "Aurélie", "Garnier", "sage-femme")
    for language in ("fr", "en"):
        if language == "en":
            switch_language(page, "en")
        for name, url in pages.items():
            visit(page, language, name, url, data=data)
