"""At 200 % zoom and on a phone: a dossier's band then its heading, a document's details, codes and rows of links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.reflow import AT_240, LINES, PHONE_390, ZOOMED, at_each_size, reflows
from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import dossier_band, log_in

pytestmark = pytest.mark.e2e

HEADING_LINES = """el => {
  const range = document.createRange(), box = el.getBoundingClientRect();
  range.selectNodeContents(el);
  return [box.top, range.getClientRects()[0].bottom, box.bottom];
}"""

PLACEHOLDER_ROOM = """input => {
  const style = getComputedStyle(input), context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  return [context.measureText(input.placeholder).width,
          input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)];
}"""


def heading_on_first_screen(page: Page) -> None:
    """The page's h1 in sight without scrolling, its first line whole above the phone's bottom bar (all of it on a
    390 x 844 phone at 200 %; a 360 x 740 one has room for less)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    top, first_line, bottom = heading.evaluate(HEADING_LINES)
    bar = page.get_by_role("navigation", name="Menu principal").bounding_box()["y"]
    shown = bottom if page.viewport_size["height"] >= 422 else first_line
    assert top >= 0 and shown <= bar + 1, f"{page.url}: the h1 at {top:.0f}-{bottom:.0f} px, the bar at {bar:.0f} px"


def placeholder_fits(page: Page, field) -> None:
    text, room = field.evaluate(PLACEHOLDER_ROOM)
    assert text <= room, f"“{field.get_attribute('placeholder')}” is {text:.0f} px in {room:.0f} px"


@pytest.fixture
def mother_of_leo(seed_person, seed_minor_with_parent):
    today = paris_today()
    mother = seed_person(given_name="Sophie", family_name="Bernard-Delacroix", sex="F",
                         birth_date=years_before(today, 38) - timedelta(days=40),
                         documents=[(today - timedelta(days=20), "biologie", "Bilan sanguin de Sophie")])
    leo = seed_minor_with_parent(mother, given_name="Léo", family_name="Bernard-Delacroix", sex="M",
                                 birth_date=years_before(today, 9) - timedelta(days=50),
                                 documents=[(today - timedelta(days=10), "compte_rendu", "Consultation pédiatrique")],
                                 kept_from_parents=())
    return mother, leo


def test_a_childs_dossier_at_200_percent_zoom_shows_whose_it_is_then_its_heading(page: Page, mother_of_leo):
    mother, leo = mother_of_leo
    log_in(page, mother)
    dossier = f"/dossiers/{leo.dossier_id}"
    for size in ZOOMED:
        page.set_viewport_size(size)
        page.goto(dossier)
        expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")
        heading_on_first_screen(page)
        # "Documents" in the bottom bar, whole on its line ("Document" / "s").
        documents = page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Documents")
        assert documents.evaluate(LINES) == 1, size
        placeholder_fits(page, page.get_by_role("searchbox", name="Rechercher dans les documents"))
        reflows(page)
        # The band's details, and what she may do in it, are one tap away.
        band = dossier_band(page)
        expect(band.get_by_text("Vous gérez ce dossier")).to_be_hidden()
        band.get_by_text("Détails").click()
        expect(band.get_by_text("Vous gérez ce dossier")).to_be_visible()
        expect(band.get_by_text(re.compile(r"^né le "))).to_be_visible()
        reflows(page)
    document = page.locator("a.document-link").first.get_attribute("href")
    for n, path in enumerate((f"{dossier}/proches", f"{dossier}/acces", document, f"{dossier}/historique",
                              f"{dossier}/profil")):
        page.goto(path)
        for _ in at_each_size(page, ZOOMED, n + 1):  # from the size the dossier's page ended at
            heading_on_first_screen(page)
            reflows(page)

    # On the phone itself: whose dossier and what she may do in it, the rest behind "Détails"; the links under the
    # heading, and the placeholder, whole.
    page.set_viewport_size(PHONE_390)
    page.goto(dossier)
    band = dossier_band(page)
    expect(band.get_by_text("Vous gérez ce dossier")).to_be_visible()
    expect(band.get_by_text(re.compile(r"^né le "))).to_be_hidden()
    expect(page.get_by_role("link", name="Ses proches")).to_be_visible()
    placeholder_fits(page, page.get_by_role("searchbox", name="Rechercher dans les documents"))
    reflows(page)


def test_a_documents_details_put_each_label_above_its_value_at_200_percent_zoom(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    page.goto(page.locator("a.document-link").first.get_attribute("href"))
    details = page.locator("dl.doc-details")
    for size in (*ZOOMED, AT_240, PHONE_390):
        page.set_viewport_size(size)
        expect(details.locator("dt").first).to_have_text("Date")
        widths = details.locator("dd").evaluate_all("values => values.map(dd => dd.getBoundingClientRect().width)")
        assert len(widths) == 4 and min(widths) >= 60, f"values {widths} px wide at {size}"
        # "5 décembre 2023" on one line, or two, not one letter a line.
        assert details.locator("dd").first.evaluate(LINES) <= 2, size
        reflows(page)


def test_codes_stay_whole_and_rows_of_links_keep_their_separators_inside_at_200_percent_zoom(
        page: Page, another_phone, seed_person):
    # The links under the login form: "Activer mon dossier ·" was left at the end of a line.
    login = another_phone.page
    login.goto("/connexion")
    for size in (*ZOOMED, AT_240):
        login.set_viewport_size(size)
        expect(login.get_by_role("link", name="Activer mon dossier")).to_be_visible()
        reflows(login)

    person = seed_person(given_name="Jean", family_name="Dupont", sex="M",
                         birth_date=years_before(paris_today(), 70), documents=[])
    log_in(page, person)
    page.goto(f"/dossiers/{person.dossier_id}/proches")
    page.get_by_label("Gérer votre dossier pour vous (sauf vos clés d'accès)").check()
    page.get_by_role("button", name="Créer l'invitation").click()
    code = page.locator("p.code")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code.inner_text().strip())
    for size in (*ZOOMED, PHONE_390):
        page.set_viewport_size(size)
        assert code.evaluate(LINES) == 1, f"the invitation code is cut at {size}"
        reflows(page)

    page.goto(f"/dossiers/{person.dossier_id}/partage")
    page.get_by_label("Tous les documents").check()
    page.get_by_label("1 mois", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()
    code = page.locator("p.code")
    expect(code).to_have_text(re.compile(r"^\w{6}$"))
    for size in (*ZOOMED, PHONE_390):
        page.set_viewport_size(size)
        assert code.evaluate(LINES) == 1, f"the share code is cut at {size}"
        reflows(page)
