"""WCAG 1.4.12: a reader who spaces the text (line height 1.5, letters 0.12 em, words 0.16 em, paragraphs 2 em, as the
W3C's bookmarklet does) loses no word under another. A low-vision probe's find: on the profile's chart, the middle
date ("30/10/2022") ran into the last ("17/05/2026")."""

from __future__ import annotations

import pytest
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e

# A stylesheet of the reader's own, as an extension adds it (the page's CSP lets no <style> in).
SPACED = """() => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`* { line-height: 1.5 !important; letter-spacing: .12em !important;
                         word-spacing: .16em !important; } p { margin-bottom: 2em !important; }`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}"""

# Each pair of texts of the element drawn one over the other.
OVERLAPS = """root => {
  const boxes = [...root.querySelectorAll("text")].map(t => [t.textContent, t.getBoundingClientRect()]), found = [];
  for (const [i, [a, one]] of boxes.entries()) for (const [b, other] of boxes.slice(i + 1))
    if (Math.min(one.right, other.right) - Math.max(one.left, other.left) > 0.5
        && Math.min(one.bottom, other.bottom) - Math.max(one.top, other.top) > 0.5) found.push(`${a} / ${b}`);
  return found;
}"""


def add_weight(page: Page, kilos: str, day: str) -> None:
    page.get_by_role("region", name="Mesures").get_by_role("link", name="Ajouter une mesure").click()
    page.get_by_label("Mesure", exact=True).select_option(label="Poids (kg)")
    page.get_by_label("Valeur").fill(kilos)
    page.get_by_label("Date de la mesure").fill(day)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")


def test_the_dates_of_a_chart_stay_apart_when_the_text_is_spaced(page, seed):
    patient = seed()
    log_in(page, patient)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Profil").click()
    # The middle one 110 units from the chart's right edge (30/10/2017, 30/10/2022, 17/05/2026).
    last = paris_today() - timedelta(days=200)
    for kilos, day in (("61", last - timedelta(days=3122)), ("62", last - timedelta(days=1296)), ("63", last)):
        add_weight(page, kilos, day.isoformat())
    chart = page.get_by_role("region", name="Mesures").get_by_role("img", name=r"Poids : 3 mesures")
    expect(chart).to_be_visible()
    page.evaluate(SPACED)
    assert chart.evaluate(OVERLAPS) == []
