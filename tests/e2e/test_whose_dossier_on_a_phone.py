"""Camille reads her father Hugo's dossier on a 390 x 844 phone (an outside probe's finds): the band that says whose
dossier is on screen took 279 px, the page's heading a third of the way down; her own keys, reached from his dossier,
said nothing of whose they were and the menu went back to her own dossier unsaid; her colour and his looked alike."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.colour_vision import SIMULATIONS, contrast, difference, rgb
from tests.e2e.seeding import paris_today
from tests.e2e.steps import dossier_band, log_in, menu, page_ready

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}
AT_200_PERCENT = {"width": 195, "height": 422}  # the same phone at 200 % zoom
WHITE = (255, 255, 255)


@pytest.fixture
def camille_and_her_father(page: Page, seed_person, seed_relative):
    """Camille, logged in on her phone, reads her father's dossier, which he invited her to read."""
    today = paris_today()
    camille = seed_person(given_name="Camille", family_name="Martin", sex="F", birth_date=date(1984, 3, 12),
                          documents=[(today - timedelta(days=20), "biologie", "Bilan sanguin")])
    hugo = seed_person(given_name="Hugo", family_name="Lefèvre", sex="M", birth_date=date(1950, 7, 23),
                       documents=[(today - timedelta(days=10), "compte_rendu", "Consultation de cardiologie")])
    seed_relative(hugo, camille, level="lecture")
    page.set_viewport_size(PHONE_390)
    log_in(page, camille)
    return camille, hugo


def open_dossier(page: Page, person) -> None:
    page.goto(f"/dossiers/{person.dossier_id}")
    page_ready(page)


def test_the_band_says_whose_dossier_and_her_role_and_leaves_the_first_screen_to_his_documents(
        page: Page, camille_and_her_father):
    _camille, hugo = camille_and_her_father
    open_dossier(page, hugo)
    band = dossier_band(page)
    expect(band).to_contain_text("Dossier d'Hugo Lefèvre")
    # Measured: 279 px of band, the heading at 363 px, when all of it showed.
    height = band.bounding_box()["height"]
    heading = page.get_by_role("heading", level=1, name="Documents").bounding_box()["y"]
    assert height <= 160 and heading <= PHONE_390["height"] / 3, f"band {height:.0f} px, heading at {heading:.0f} px"
    expect(page.locator("#timeline-results a.document-link").first).to_be_in_viewport()
    expect(band.get_by_text("Lecture seule : vous lisez ce dossier sans pouvoir le modifier")).to_be_visible()
    explanation = band.get_by_text("Le matricule INS est le numéro qui identifie la personne")
    expect(explanation).to_be_hidden()

    # A screen reader meets the band before the heading: whose dossier, her role, then "Détails", which opens to
    # his birth, his identity traits and what the matricule INS is.
    assert band.aria_snapshot().splitlines()[:4] == [
        '- region "Dossier affiché":', "  - strong: Dossier d'Hugo Lefèvre",
        '  - text: "Lecture seule : vous lisez ce dossier sans pouvoir le modifier"', "  - group: Détails"]
    read = page.locator("main").aria_snapshot()
    assert read.index("Dossier d'Hugo Lefèvre") < read.index('heading "Documents"')
    band.locator("summary", has_text="Détails").click()
    opened = band.aria_snapshot()
    for words in ("né le 23 juillet 1950", "LEFÈVRE Hugo", "sexe masculin", "Matricule INS",
                  "Le matricule INS est le numéro qui identifie la personne"):
        assert words in opened, (words, opened)
    expect(explanation).to_be_visible()

    # At 200 % zoom: whose dossier, then the heading above the bottom bar; the rest one tap away.
    page.set_viewport_size(AT_200_PERCENT)
    open_dossier(page, hugo)
    band = dossier_band(page)
    expect(band.get_by_text("Dossier d'Hugo Lefèvre")).to_be_visible()
    heading = page.get_by_role("heading", level=1, name="Documents").bounding_box()
    bar = page.get_by_role("navigation", name="Menu principal").bounding_box()["y"]
    assert heading["y"] + heading["height"] <= bar + 1, (heading, bar)
    band.locator("summary", has_text="Détails").click()
    expect(band.get_by_text("Lecture seule : vous lisez ce dossier sans pouvoir le modifier")).to_be_visible()
    expect(band.get_by_text("Le matricule INS est le numéro qui identifie la personne")).to_be_visible()


def test_her_own_keys_reached_from_his_dossier_say_they_are_hers_and_keep_his_menu(
        page: Page, camille_and_her_father):
    camille, hugo = camille_and_her_father
    his = f"/dossiers/{hugo.dossier_id}"
    bar = page.get_by_role("navigation", name="Menu principal")
    open_dossier(page, hugo)
    menu(page, "Mes clés d'accès").click()
    expect(page.get_by_role("heading", level=1, name="Mes clés d'accès")).to_be_visible()
    page_ready(page)

    def hers_with_the_way_back_to_his() -> None:
        account = page.get_by_role("region", name="Votre compte")
        expect(account).to_contain_text(f"{camille.name}, un seul compte pour tous vos dossiers")
        expect(account.get_by_role("link", name="← Retour au dossier d'Hugo Lefèvre")).to_have_attribute("href", his)
        # The menu stays in his dossier, said so: no "Mon dossier" of hers in its place.
        expect(bar.get_by_role("link", name="Documents", exact=True)).to_have_attribute("href", his)
        expect(bar.get_by_role("link", name="Mon dossier")).to_have_count(0)
        expect(dossier_band(page)).to_have_count(0)  # nor his band: the page is not his dossier's

    hers_with_the_way_back_to_his()
    assert page.evaluate("() => document.querySelector('[aria-current=page]').textContent") == "Mes clés d'accès"
    # After an action, and in another language, the same.
    page.get_by_role("button", name="Renommer").click()
    expect(page.get_by_role("status")).to_contain_text("La clé d'accès est renommée.")
    hers_with_the_way_back_to_his()
    page.get_by_role("contentinfo").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    in_english = page.get_by_role("navigation", name="Main menu")
    expect(in_english.get_by_role("link", name="Documents", exact=True)).to_have_attribute("href", his)
    page.get_by_role("contentinfo").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page_ready(page)
    hers_with_the_way_back_to_his()
    # "Mes dossiers", her account's too.
    menu(page, "Mes dossiers").click()
    expect(page.get_by_role("heading", level=1, name="Mes dossiers")).to_be_visible()
    hers_with_the_way_back_to_his()

    page.get_by_role("link", name="← Retour au dossier d'Hugo Lefèvre").click()
    expect(dossier_band(page)).to_contain_text("Dossier d'Hugo Lefèvre")
    # From her own dossier, her keys lead back to it, under her own menu.
    open_dossier(page, camille)
    expect(dossier_band(page)).to_contain_text("Mon dossier")
    menu(page, "Mes clés d'accès").click()
    account = page.get_by_role("region", name="Votre compte")
    expect(account.get_by_role("link", name="← Retour à mon dossier")).to_have_attribute(
        "href", f"/dossiers/{camille.dossier_id}")
    expect(bar.get_by_role("link", name="Mon dossier")).to_be_visible()


def test_her_dossiers_colours_are_told_apart_with_any_colour_vision_and_never_by_colour_alone(
        page: Page, camille_and_her_father):
    _camille, hugo = camille_and_her_father
    open_dossier(page, hugo)
    # Every colour a dossier may have, as the browser draws its disc; any two may be one account's.
    palette = page.evaluate("""() => {
      const colours = [];
      for (let n = 0; ; n++) {
        const disc = document.createElement("span");
        disc.className = `band-initials band-${n}`;
        document.body.append(disc);
        const colour = getComputedStyle(disc).backgroundColor;
        disc.remove();
        if (colour === "rgba(0, 0, 0, 0)") return colours;
        colours.push(colour);
      }
    }""")
    assert len(palette) >= 6, palette
    colours = [rgb(colour) for colour in palette]
    for colour in colours:  # white initials on each
        assert contrast(colour, WHITE) >= 4.5, colour
    for first, second in itertools.combinations(colours, 2):
        for simulation in SIMULATIONS:
            # Different families to full colour vision; apart still without one kind of cone.
            least = 20 if simulation == "vision normale" else 12
            assert difference(first, second, simulation) >= least, (first, second, simulation)

    # On his page, his disc and hers: two colours of that palette, each with its initials, hers a link named for her
    # dossier, and the band's text says whose dossier is on screen.
    band = dossier_band(page)
    his_disc = band.locator("span.band-initials")
    hers = band.get_by_role("navigation", name="Changer de dossier").get_by_role("link", name="CM · Mon dossier")
    expect(his_disc).to_have_text("HL")
    expect(hers).to_have_text("CM")
    his_colour, her_colour = (rgb(d.evaluate("e => getComputedStyle(e).backgroundColor")) for d in (his_disc, hers))
    assert his_colour != her_colour and {his_colour, her_colour} <= set(colours)
    expect(band.locator("strong")).to_have_text("Dossier d'Hugo Lefèvre")
