"""The first screen of "Mon dossier" on a phone (issue 13.3): the latest documents, the menu at the bottom
where thumbs are, each notice one line."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu, page_ready
from tests.e2e.test_transparency_journey import wait_until_integrated

pytestmark = pytest.mark.e2e

SCREEN = {"width": 360, "height": 740}
READS = 5


def fully_on_first_screen(box, *, bottom: float) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= bottom


def read_by_a_kine(page, seed, seed_professional, seed_grant, seed_reads):
    """A patient, logged in on a phone, whose dossier a kinésithérapeute she gave access to read READS times."""
    patient = seed()
    kine = seed_professional()
    seed_grant(patient, kine)
    seed_reads(patient, kine, READS)
    page.set_viewport_size(SCREEN)
    log_in(page, patient)
    return patient, kine


def test_the_first_screen_of_my_dossier_shows_three_documents_above_the_bottom_bar(
        page, seed, seed_professional, seed_grant, seed_reads):
    patient, kine = read_by_a_kine(page, seed, seed_professional, seed_grant, seed_reads)

    # The notice is one line that opens to the sentences.
    notice = page.get_by_role("region", name="Nouveaux accès au dossier")
    expect(notice.locator("summary")).to_have_text(f"{READS} nouveaux accès au dossier")
    expect(notice.get_by_role("listitem").first).to_be_hidden()
    notice.locator("summary").click()
    sentence = f"{kine.name}, {kine.profession}, a consulté votre dossier"
    expect(notice.get_by_role("listitem").first).to_contain_text(sentence)
    notice.locator("summary").click()

    # The bar sits at the bottom of the screen, its taps at least 44 px, and hides no document.
    bar = page.get_by_role("navigation", name="Menu principal")
    bar_box = bar.bounding_box()
    assert abs(bar_box["y"] + bar_box["height"] - SCREEN["height"]) <= 1, bar_box
    for name in ("Mon dossier", "Profil", "Accès", "Historique"):
        box = menu(page, name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (name, box)
    plus = bar.locator("summary", has_text="Plus")
    assert plus.bounding_box()["height"] >= 44
    links = page.locator("#timeline-results a.document-link")
    shown = [links.nth(i).bounding_box() for i in range(min(links.count(), 8))]
    first_screen = [box for box in shown if fully_on_first_screen(box, bottom=bar_box["y"])]
    assert len(first_screen) >= 3, f"{len(first_screen)} documents above the bar: {shown}"
    assert_fits_phone(page)

    # Its links work, and "Plus" opens the rest.
    for name, address in (("Profil", r"/profil$"), ("Accès", r"/acces$"), ("Historique", r"/historique$"),
                          ("Mon dossier", rf"/dossiers/{patient.dossier_id}$")):
        menu(page, name).click()
        expect(page).to_have_url(re.compile(address))
        expect(bar).to_be_visible()
        assert_fits_phone(page)
    menu(page, "Mes clés d'accès").click()
    expect(page).to_have_url(re.compile(r"/cles$"))
    menu(page, "Soins").click()
    expect(page).to_have_url(re.compile(r"/soins$"))
    plus.click()
    expect(bar.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert_fits_phone(page)


def test_the_historique_shows_its_newest_event_on_the_first_screen(page, server, seed, seed_professional, seed_grant,
                                                                     seed_reads):
    """Under the introduction, the check's verdict, the "nouveaux événements" notice and the filters, the first
    event was 1,230 px down on a phone: the filters now fold under "Filtrer", as the timeline's do."""
    patient, kine = read_by_a_kine(page, seed, seed_professional, seed_grant, seed_reads)
    # Its steady state: events a second old, not yet in the transparency log, add a sentence to the verdict.
    wait_until_integrated(server)
    menu(page, "Historique").click()
    expect(page.get_by_text(f"{READS} nouveaux événements")).to_be_visible()
    expect(page.locator("[data-journal-status]")).to_have_class(re.compile(r"\bsuccess\b"))  # its final height
    expect(page.get_by_label("Qui", exact=True)).to_be_hidden()
    # The script's verdict is set in French typography, as the server's sentences: no line starts with its colon.
    assert "configuré)\u202f: un journal différent" in page.locator("[data-journal-detail]").text_content()

    bar = page.get_by_role("navigation", name="Menu principal").bounding_box()
    box = page.locator("li.log-line").first.bounding_box()  # the newest: adding her passkey at login
    # Its first line at least (under the card's padding), above the bar.
    assert box["y"] >= 0 and box["y"] + 40 <= bar["y"], f"the newest event starts at {box['y']} px, the bar at {bar['y']}"
    assert_fits_phone(page)

    # "Filtrer" opens to the three choices; a choice applies at once, and the choices stay open.
    page_ready(page)  # a choice applies through htmx
    page.get_by_text("Filtrer", exact=True).click()
    page.get_by_label("Type d'action").select_option(label="Changements de droits")
    expect(page).to_have_url(re.compile(r"[?&]type="))
    expect(page.locator("li.log-line").filter(has_text="a consulté")).to_have_count(0)
    expect(page.locator("li.log-line").filter(has_text="Vous avez donné accès")).to_have_count(1)
    expect(page.get_by_label("Qui", exact=True)).to_be_visible()
    # The export and the printout, on "Filtrer"'s row, follow the filter chosen.
    expect(page.get_by_role("link", name="Exporter (CSV)")).to_have_attribute("href", re.compile(r"\.csv\?type=droits$"))
    expect(page.get_by_role("link", name="Imprimer")).to_have_attribute("href", re.compile(r"/imprimer\?type=droits$"))
    page.reload()
    expect(page.get_by_label("Type d'action")).to_be_visible()  # a filter chosen: open on arrival


def test_on_a_wide_screen_the_menu_is_one_row_and_a_filter_button_sits_level_with_its_fields(page, seed):
    """At 1,280 px the patient's eight links went to three rows (144 px of header) within the reading column; and the
    care page's "Filtrer" sat level with its fields' labels, above the fields."""
    patient = seed()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/soins")
    header = page.locator("body > header.site").bounding_box()
    assert header["height"] < 60, header
    nav = page.get_by_role("navigation", name="Menu principal")
    tops = {round(box["y"]) for box in nav.get_by_role("link").evaluate_all(
        "links => links.map(a => a.getBoundingClientRect()).filter(r => r.width).map(r => ({y: r.top}))")}
    assert len(tops) == 1, tops
    button, field = page.get_by_role("button", name="Filtrer").bounding_box(), page.get_by_label("Période").bounding_box()
    assert abs((button["y"] + button["height"]) - (field["y"] + field["height"])) < 2, (button, field)
