"""On a 360 x 740 phone, with a keyboard or a thumb: the skip link shows when focused (WCAG 2.4.7), what Tab
reaches is never under the bottom bar or a sticky header (2.4.11), "Plus" closes as a menu does, every target
on a line of its own is 44 px (2.5.5), and a printed dossier is its documents, not its buttons."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import dossier_band, log_in, log_in_professional
from tests.e2e.test_transparency_journey import wait_until_integrated

pytestmark = pytest.mark.e2e

SCREEN = {"width": 360, "height": 740}
READS = 12

# Interactive elements smaller than 44 x 44 px, except a link inside a sentence (WCAG 2.5.5's "inline" exception)
# and a radio button or checkbox, whose target is its whole label.
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll("a[href], button, summary, select, input:not([type=hidden])")) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || getComputedStyle(el).visibility === "hidden") continue;  // not shown
    if (el.matches("input[type=radio], input[type=checkbox]")) continue;
    const ownText = [...el.parentElement.childNodes]
      .filter(node => node.nodeType === Node.TEXT_NODE).map(node => node.textContent).join("").replace(/[\\s·]/g, "");
    if (el.matches("a") && ownText) continue;
    if (box.width < 44 || box.height < 44) {
      small.push(`${(el.textContent || el.getAttribute("aria-label") || el.name).trim()}: ${Math.round(box.width)} x ${Math.round(box.height)}`);
    }
  }
  return small;
}"""

# The focused element is what a person sees at its centre: no fixed bar nor sticky header over it.
FOCUS_HIDDEN_BY = """() => {
  const focused = document.activeElement;
  if (focused === document.body) return null;  // past the last link: the browser's own controls
  const box = focused.getBoundingClientRect();
  const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
  const y = box.top + box.height / 2;
  if (y < 0 || y >= innerHeight) return `${focused.textContent.trim()}: off screen (${Math.round(y)} px)`;
  const seen = document.elementFromPoint(x, y);
  if (focused === seen || focused.contains(seen)) return null;
  return `${focused.textContent.trim()} (${Math.round(box.top)}-${Math.round(box.bottom)} px) is under `
         + `${seen.tagName.toLowerCase()}.${seen.className} "${seen.textContent.trim().slice(0, 30)}"`;
}"""


def no_small_targets(page: Page) -> None:
    assert page.evaluate(SMALL_TARGETS) == [], f"targets under 44 px on {page.url}"


def focused_text(page: Page) -> str:
    return page.evaluate("() => document.activeElement.textContent.trim()")


@pytest.fixture
def parent_of_two(seed_person, seed_minor_with_parent, seed_professional, seed_grant, seed_reads, server):
    """A mother who also holds her son's dossier (the band's discs), read by a professional (the "Vu" notice and
    the Historique's events, each with its proof)."""
    today = paris_today()
    mother = seed_person(given_name="Claire", family_name="Lambert", sex="F", birth_date=years_before(today, 41),
                         documents=[(today - timedelta(days=days), "biologie", f"Bilan sanguin n° {days}")
                                    for days in range(3, 40, 3)])
    seed_minor_with_parent(mother, given_name="Hugo", family_name="Lambert", sex="M",
                           birth_date=years_before(today, 7), documents=[], kept_from_parents=())
    kine = seed_professional()
    seed_grant(mother, kine)
    seed_reads(mother, kine, READS)
    wait_until_integrated(server)
    return mother


def test_the_skip_link_shows_when_the_keyboard_reaches_it(page: Page, parent_of_two):
    page.set_viewport_size(SCREEN)
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44 and box["y"] >= 0, box

    log_in(page, parent_of_two)
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["height"] >= 44
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from the content on, not through the menu again
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(skip).not_to_be_in_viewport()


def test_nothing_tab_reaches_on_the_historique_is_under_the_bottom_bar_or_a_day_header(page: Page, parent_of_two):
    page.set_viewport_size(SCREEN)
    log_in(page, parent_of_two)
    page.goto(f"/dossiers/{parent_of_two.dossier_id}/historique")
    expect(page.get_by_text("Preuve", exact=True).nth(READS - 1)).to_be_attached()  # each event's folded proof
    # The page's own check done: its status, above the filters, takes its final height (on a loaded machine it
    # finished while Tab went down, and moved "Filtrer" under the bottom bar after it was scrolled into view).
    expect(page.locator("[data-journal-status]")).to_have_class(re.compile(r"\bsuccess\b"))
    hidden = []
    # Down to the footer's last button, then back up to the skip link.
    for key, last in (("Tab", "English"), ("Shift+Tab", "Aller au contenu")):
        for _ in range(100):
            page.keyboard.press(key)
            if (problem := page.evaluate(FOCUS_HIDDEN_BY)) is not None:
                hidden.append(f"{key}: {problem}")
            if focused_text(page) == last:
                break
        else:
            pytest.fail(f"{key} never reached {last}")
    assert hidden == [], "\n".join(hidden)


def test_plus_closes_on_escape_when_the_focus_leaves_it_and_on_a_tap_elsewhere(page: Page, parent_of_two):
    page.set_viewport_size(SCREEN)
    log_in(page, parent_of_two)
    nav = page.get_by_role("navigation", name="Menu principal")
    plus = nav.locator("details.menu-more")
    toggle = plus.locator("summary")
    last = nav.get_by_role("button", name="Se déconnecter")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(last).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(last).to_be_hidden()
    expect(toggle).to_be_focused()

    page.keyboard.press("Enter")
    expect(last).to_be_visible()
    while not last.evaluate("button => button === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(last).to_be_hidden()
    assert not plus.evaluate("details => details.contains(document.activeElement)")

    toggle.click()
    expect(last).to_be_visible()
    page.get_by_role("heading", name="Mon dossier", level=1).click()
    expect(last).to_be_hidden()


def test_a_patients_targets_are_44_px(page: Page, parent_of_two):
    page.set_viewport_size(SCREEN)
    log_in(page, parent_of_two)
    band = dossier_band(page)
    disc = band.get_by_role("navigation", name="Changer de dossier").get_by_role("link").first
    seen = page.get_by_role("region", name="Nouveaux accès au dossier").get_by_role("button", name=re.compile("^Vu"))
    for target in (disc, seen):
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    no_small_targets(page)
    for path in ("historique", "profil", "acces"):
        page.goto(f"/dossiers/{parent_of_two.dossier_id}/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        no_small_targets(page)  # the Historique's "Preuve" on every event among them


def test_a_professionals_targets_are_44_px(page: Page, seed, seed_professional, seed_grant):
    page.set_viewport_size(SCREEN)
    patient = seed()
    kine = seed_professional()
    seed_grant(patient, kine)
    log_in_professional(page, kine)
    add = page.get_by_role("link", name="Ajouter un document")
    assert add.bounding_box()["height"] >= 44
    no_small_targets(page)
    page.locator("a.pro-patient-link").first.click()
    expect(page.locator("a.document-link").first).to_be_visible()
    no_small_targets(page)
    for path in ("/pro/code", "/pro/urgence", "/pro/nouveau-dossier", "/pro/logiciels"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        no_small_targets(page)


def test_a_printed_dossier_is_its_documents_without_the_interface(page: Page, parent_of_two):
    page.set_viewport_size(SCREEN)
    log_in(page, parent_of_two)
    page.get_by_role("region", name="Nouveaux accès au dossier").locator("summary").click()  # left open
    page.emulate_media(media="print")
    for hidden in (page.get_by_role("navigation", name="Menu principal"), page.get_by_role("search"),
                   page.get_by_role("searchbox"), page.get_by_text("Filtrer", exact=True),
                   page.get_by_role("region", name="Nouveaux accès au dossier"),
                   page.get_by_role("navigation", name="Changer de dossier"),
                   page.get_by_role("link", name="Aller au contenu")):
        expect(hidden.first).to_be_hidden()
    assert page.locator("main button:visible, main summary:visible, main input:visible").count() == 0
    expect(page.get_by_role("heading", name="Mon dossier", level=1)).to_be_visible()
    expect(dossier_band(page)).to_contain_text(parent_of_two.name)
    for title in parent_of_two.titles:
        expect(page.get_by_text(title, exact=True)).to_be_visible()
