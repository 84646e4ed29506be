"""At 200 % zoom, a word cut inside no card: a timeline's titles and badges, a six-digit care total."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from server.db import make_sessionmaker
from server.reimbursements import importer
from server.reimbursements.layout import read
from tests.e2e.conftest import run_async
from tests.e2e.reflow import AT_240, LINES, PHONE_390, WORDS_CUT, ZOOMED, at_each_size, reflows
from tests.e2e.seeding import paris_today, writer_engine
from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e

# The width of an element's widest word, and the element's own: the word fits in it.
WIDEST_WORD = """el => {
  const range = document.createRange(), walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let widest = 0;
  while (walker.nextNode()) for (const word of walker.currentNode.data.matchAll(/[^ \\t\\n\\r-]+-?/g)) {
    range.setStart(walker.currentNode, word.index);
    range.setEnd(walker.currentNode, word.index + word[0].length);
    widest = Math.max(widest, range.getBoundingClientRect().width);
  }
  return [widest, el.getBoundingClientRect().width];
}"""


def test_a_timelines_titles_and_badges_keep_their_words_whole_at_200_percent_zoom(page: Page, seed):
    # The e2e patient's titles: "Ordonnance de kinésithérapie", "Compte rendu d'hospitalisation de jour" (a word wider
    # than a 180 px screen's card), "Rappel diphtérie-tétanos-polio" (which may wrap at its hyphens).
    patient = seed()
    log_in(page, patient)
    cards = page.locator("a.document-link")
    page.set_viewport_size(ZOOMED[0])
    page.goto(f"/dossiers/{patient.dossier_id}")  # once, resized (see at_each_size)
    for size in at_each_size(page, (*ZOOMED, AT_240, PHONE_390), 0):
        expect(cards.first).to_be_visible()
        # Every card measured in one call (CARDS), not a dozen round trips a card.
        measured = cards.evaluate_all(CARDS)
        assert len(measured) == cards.count() > 0
        for card in measured:
            title = card["title"]
            widest, width = title["widest"]
            said = f"“{title['text']}”: a word of {widest:.0f} px in {width:.0f} px at {size}"
            assert widest <= width + .5, said
            assert title["cut"] == [], f"“{title['text']}” at {size}"
            # A badge's words whole ("Vaccinatio" / "n" was one): on a line of its own if need be, inside its card.
            for badge in card["badges"]:
                assert badge["cut"] == [], f"the badge “{badge['text']}” at {size}"
                assert badge["right"] <= card["right"], f"“{badge['text']}” at {size}"
        reflows(page)


# Each card of a timeline: its title's widest word and width (WIDEST_WORD) and its words cut (WORDS_CUT); each
# badge's words cut, and where it ends, as the card's own right edge.
CARDS = f"""cards => {{
  const widest = {WIDEST_WORD}, cut = {WORDS_CUT};
  return cards.map(card => {{
    const title = card.querySelector(".doc-title");
    return {{
      title: {{text: title.innerText, widest: widest(title), cut: cut(title)}},
      badges: [...card.querySelectorAll(".badge")].map(badge => ({{
        text: badge.innerText, cut: cut(badge), right: badge.getBoundingClientRect().right}})),
      right: card.getBoundingClientRect().right,
    }};
  }});
}}"""

# Where a box's content ends, inside its padding and border.
CONTENT_RIGHT = """el => {
  const style = getComputedStyle(el);
  return el.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
}"""

CARE_FEED = ("ins;id_ligne;date_soins;date_traitement;nomenclature;code;libelle;executant;rpps_executant;prescripteur;"
             "quantite;depense;base;rembourse")


async def seed_reimbursements(data_dir, feed: bytes) -> None:
    """The Assurance Maladie's file loaded as `carnet import remboursements` loads it (its reader and importer), in this
    process: no interpreter of its own to start (tests/test_reimbursements.py runs the command)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            await importer.load(db, read(feed))
    finally:
        await engine.dispose()


def test_a_six_digit_care_total_fits_its_card_at_200_percent_zoom(page: Page, seed, server):
    patient = seed()
    day = paris_today() - timedelta(days=20)
    feed = (f"{CARE_FEED}\n{patient.ins};REFLOW-{patient.ins};{day};{day + timedelta(days=3)};LPP;3161541;"
            "Prothèse totale de hanche;Clinique du Parc;;;1;123456,78;123456,78;98765,43\n")
    run_async(seed_reimbursements(server.data_dir, feed.encode()))
    log_in(page, patient)
    totals = page.get_by_label("Totaux")
    sizes = (*ZOOMED, AT_240, PHONE_390)
    page.set_viewport_size(sizes[0])
    page.goto(f"/dossiers/{patient.dossier_id}/soins")  # each page once, resized (see at_each_size)
    for size in at_each_size(page, sizes, 0):
        expect(totals).to_contain_text(re.compile(r"123\s456,78\s€"))
        inside = totals.evaluate(CONTENT_RIGHT)
        assert inside <= size["width"], f"the totals' card ends at {inside:.0f} px at {size}"
        for amount in totals.locator("dd").all():
            assert amount.evaluate(LINES) == 1, f"“{amount.inner_text()}” is cut at {size}"
            widest, _ = amount.evaluate(WIDEST_WORD)
            right = amount.bounding_box()["x"] + widest
            said = f"“{amount.inner_text()}” ends at {right:.0f} px, its card at {inside:.0f} px, at {size}"
            assert right <= inside + .5, said
        reflows(page)
    page.goto(f"/dossiers/{patient.dossier_id}/soins/imprimer")  # the same card, on the page to print
    for size in at_each_size(page, sizes, 1):
        expect(totals).to_contain_text(re.compile(r"123\s456,78\s€"))
        reflows(page)
