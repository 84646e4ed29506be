"""Back from a document found far down the timeline returns to it, with the same list above it (an outside tester's
find on a phone: she landed at the top, with the first 20 documents only).

htmx keeps no page in the browser (health data: no history cache, `Cache-Control: no-store`): "Charger plus" puts the
list's address, with how far it was loaded, in place of the page's, and the page at that address holds the list down
through that page, for the browser's own scroll restoration to find her place (listing.loaded_documents)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import PAGE_SIZE, paris_today
from tests.e2e.steps import back, log_in, scroll_to_the_end, titles

pytestmark = pytest.mark.e2e

COUNT = 75


def consultation(n: int) -> re.Pattern:
    """The link of the n-th document of the list, newest first (its name holds its category, title and date)."""
    return re.compile(rf"\bConsultation n° {n}\b")


def test_back_from_a_document_found_by_scrolling_returns_to_it_with_the_list_above(page, seed_person):
    today = paris_today()
    person = seed_person(given_name="Nadia", family_name="Roux", sex="F", birth_date=date(1979, 4, 2),
                         documents=[(today - timedelta(days=7 * n), "compte_rendu", f"Consultation n° {n + 1}")
                                    for n in range(COUNT)])
    log_in(page, person)
    links = page.locator("#timeline-results a.document-link")
    expect(links).to_have_count(PAGE_SIZE)

    # She scrolls down: each "Charger plus" that comes into view brings the next page, in place.
    for loaded in (2 * PAGE_SIZE, 3 * PAGE_SIZE):
        page.get_by_role("link", name="Charger plus").scroll_into_view_if_needed()
        expect(links).to_have_count(loaded)
    depth = page.evaluate("() => history.length")  # no entry more in the history for the pages loaded

    sixtieth = page.get_by_role("link", name=consultation(60))
    sixtieth.scroll_into_view_if_needed()
    sixtieth.click()
    expect(page.get_by_role("heading", name="Consultation n° 60")).to_be_visible()
    assert page.evaluate("() => history.length") == depth + 1

    back(page)
    # She is back at the document she opened, with the same list above it, each document once.
    expect(sixtieth).to_be_in_viewport()
    # The address said how far the list was loaded, by an opaque id.
    expect(page).to_have_url(re.compile(rf"/dossiers/{person.dossier_id}\?apres=[0-9a-f]{{32}}$"))
    shown = titles(page)
    assert shown[:60] == [f"Consultation n° {n}" for n in range(1, 61)]
    assert len(shown) == len(set(shown))
    # Nothing of the dossier was kept in the browser's storage to do it.
    kept = page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "Consultation" not in kept, kept

    # The list still goes on from there (its last page, 61 to 75).
    scroll_to_the_end(page)
    expect(links).to_have_count(COUNT)
    expect(page.get_by_role("link", name="Charger plus")).to_have_count(0)
