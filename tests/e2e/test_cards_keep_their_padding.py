"""A card's words never touch its border, on a phone: the Accès page's cards that open (their summary holds the
padding) and the other pages' cards of the same kind ("Ce qui est masqué", the health links, the relatives), which the
Accès page's rule once left without any (an outside probe measured 0 px on three pages)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e

# Each card's first visible text, how far from the card's left border it starts (px).
INSETS = """cards => cards.map(card => {
  const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT, {acceptNode: node =>
    node.data.trim() && node.parentElement.checkVisibility() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP});
  const text = walker.nextNode(), range = document.createRange();
  range.selectNodeContents(text);
  return [text.data.trim().slice(0, 40), range.getBoundingClientRect().left - card.getBoundingClientRect().left];
})"""


def test_every_cards_words_sit_inside_its_padding(page: Page, seed, seed_professional, seed_grant):
    patient = seed()
    seed_grant(patient, seed_professional(given_name="Lucie", family_name="Bernard"))  # a card on the Accès page
    log_in(page, patient)
    page.locator("a.document-link").first.click()
    page.get_by_role("button", name="Masquer aux professionnels").click()
    expect(page.get_by_role("button", name="Ne plus masquer")).to_be_visible()
    dossier = f"/dossiers/{patient.dossier_id}"
    for url in (f"{dossier}/masques", f"{dossier}/acces"):
        page.goto(url)
        cards = page.locator("li.access-line")
        expect(cards.first).to_be_visible()
        for text, inset in cards.evaluate_all(INSETS):
            assert inset >= 12, f"{url}: “{text}” starts {inset:.0f} px from its card's border"
