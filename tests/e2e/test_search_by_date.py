"""A search for a period on a phone lists the documents of that period (an outside probe, a patient of 78: "juillet
2026" answered "Aucun document" though her timeline held documents of 14 and 21 July 2026)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, month_headers, titles

pytestmark = pytest.mark.e2e


def test_a_patient_typing_a_month_on_her_phone_finds_that_months_documents(page, seed_person):
    person = seed_person(given_name="Odette", family_name="Lemaire", sex="F", birth_date=date(1948, 2, 9),
                         documents=[(date(2026, 6, 30), "compte_rendu", "Consultation de juin"),
                                    (date(2026, 7, 14), "imagerie", "Radiographie du poignet"),
                                    (date(2026, 7, 21), "biologie", "Prise de sang"),
                                    (date(2026, 8, 3), "compte_rendu", "Consultation d'août")])
    log_in(page, person)
    search = page.get_by_role("searchbox", name="Rechercher dans les documents")
    # The field says what it finds, to a screen reader whole; on a phone's screen, its placeholder says it short (the
    # hint, shown, moved the list under a finger tapping a result as the field lost the focus: the full run's find).
    expect(search).to_have_accessible_description(re.compile(r"ou une date\. Par exemple : .*juillet 2026$"))
    expect(search).to_have_attribute("placeholder", "Mot ou date…")
    box = page.locator("#timeline-results").bounding_box()
    search.focus()
    assert page.locator("#timeline-results").bounding_box() == box  # nothing moves as she enters the field

    search.fill("juillet 2026")
    results = page.locator("#timeline-results")
    expect(results.locator("#timeline-count")).to_have_text(re.compile(r"^\s*Documents de juillet 2026 · 2 documents"))
    assert titles(page) == ["Prise de sang", "Radiographie du poignet"]  # newest first, as the timeline
    assert month_headers(page) == ["juillet 2026"]
    expect(page.get_by_role("status").filter(has_text="juillet")).to_contain_text("Documents de juillet 2026")
    assert "juillet" not in page.url and "2026" not in page.url.split("recherche=")[-1]

    # At 200 % zoom on a 390 px phone, nothing scrolls sideways; the placeholder fits the field.
    page.set_viewport_size({"width": 195, "height": 422})
    assert search.evaluate("i => { i.value = ''; return i.scrollWidth <= i.clientWidth; }"), "the placeholder is cut"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 195
