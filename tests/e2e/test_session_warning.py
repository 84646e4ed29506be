"""A session ends after 30 minutes without a request (sessions.py): minutes before, the page says so and one
tap keeps it (WCAG 2.2.1 Timing Adjustable; an accessibility probe's find: it ended without a word, and what was
being typed was lost). The page's clock is Playwright's: the server's half hour is not waited for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e


def test_two_minutes_before_an_idle_session_ends_the_page_says_so_and_keeps_it_in_one_tap(page, seed):
    patient = seed()
    log_in(page, patient)
    page.clock.install()
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    page.get_by_label("Substance").fill("Arachide")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()

    # Three minutes before the page's count ends: the server's may have begun up to a minute earlier (it moves a
    # session's last request once a minute), so two to three before the session ends (a review's find: 61 s).
    page.clock.run_for("26:59")
    expect(warning).to_be_hidden()
    page.clock.run_for("00:02")
    expect(warning).to_contain_text("Sans activité, votre session se ferme dans 2 à 3 minutes")
    stay = warning.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    with page.expect_response(re.compile(r"/session/prolonger$")) as kept:
        stay.click()
    assert kept.value.status == 204
    expect(warning).to_be_hidden()
    expect(page.get_by_label("Substance")).to_have_value("Arachide")  # nothing typed was lost

    # Counted again from that request; left alone, it says the session has ended and leads to the login.
    page.clock.run_for("27:01")
    expect(warning).to_be_visible()
    page.clock.run_for("03:00")
    expect(warning).to_contain_text("Votre session s'est fermée après un long moment sans activité")
    expect(warning.get_by_role("button", name="Me reconnecter")).to_be_visible()
