"""In forced colours (Windows' high contrast) no shadow is drawn and every background is the page's: what lies over
the page, and what only a background drew, keeps an edge of its own. A low-vision probe's find: the phone's "Plus"
menu had no edge (its links ran into the cards under it), nor had the session warning (the page's text showed
under it), and "Nouveau", a category, a dossier's disc became words run into their line."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.steps import log_in, page_ready

pytestmark = pytest.mark.e2e

# The sides of a box drawn in forced colours: those whose border has a width and a style.
EDGES = """el => { const style = getComputedStyle(el);
  return ["Top", "Right", "Bottom", "Left"].filter(side =>
    parseFloat(style[`border${side}Width`]) >= 1 && style[`border${side}Style`] !== "none"); }"""


def edges(box: Locator) -> list[str]:
    return box.evaluate(EDGES)


def in_forced_colours(page: Page) -> None:
    page.emulate_media(forced_colors="active", color_scheme="dark")


def test_the_menu_behind_plus_has_an_edge_over_the_page(page, seed):
    patient = seed()
    log_in(page, patient)
    in_forced_colours(page)
    nav = page.get_by_role("navigation", name="Menu principal")
    nav.get_by_text("Plus").click()
    links = nav.get_by_role("link", name="Mes clés d'accès").locator("xpath=..")
    expect(links).to_be_visible()
    assert edges(links) == ["Top", "Right", "Bottom", "Left"]
    assert "Top" in edges(nav)  # the bar, over the page's end


def test_the_session_warning_has_an_edge_over_the_page(page, seed):
    patient = seed()
    log_in(page, patient)
    in_forced_colours(page)
    page.clock.install()
    page.reload()
    page_ready(page)
    page.clock.run_for("27:01")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_visible()
    assert edges(warning) == ["Top", "Right", "Bottom", "Left"]


def test_a_category_badge_keeps_its_outline(page, seed):
    patient = seed()
    log_in(page, patient)
    in_forced_colours(page)
    badge = page.locator("#timeline-results").get_by_text("Ordonnance", exact=True).first
    expect(badge).to_be_visible()
    assert edges(badge) == ["Top", "Right", "Bottom", "Left"]
