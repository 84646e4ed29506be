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


def test_a_request_in_another_tab_keeps_this_tab_from_warning_and_closes_its_warning(page, context, seed):
    """The tabs of one browser share its session (a request in any of them keeps it): each counts from the last
    request of them all, not from its own only (it warned, then said the session had ended, while it had not)."""
    patient = seed()
    log_in(page, patient)
    page.clock.install()
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    substance = page.get_by_label("Substance")
    substance.fill("Arachide")
    other = context.new_page()
    other.goto(f"/dossiers/{patient.dossier_id}")
    warning, other_warning = page.get_by_role("alertdialog"), other.get_by_role("alertdialog")

    # Twenty minutes on, the patient goes on in the other tab (a boosted link: an htmx request): this tab counts
    # from there, and does not warn 27 minutes after its own request.
    page.clock.run_for("20:00")
    with other.expect_response(re.compile(rf"/dossiers/{patient.dossier_id}/profil$")):
        other.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Profil").click()
    page.clock.run_for("07:01")
    expect(warning).to_be_hidden()

    # Both warn 27 minutes after that request; a page loaded in the other tab closes this tab's warning, and the
    # focus is back in the field being filled in.
    page.clock.run_for("20:00")
    expect(warning).to_be_visible()
    expect(other_warning).to_be_visible()
    other.reload()
    expect(warning).to_be_hidden()
    expect(substance).to_be_focused()
    expect(substance).to_have_value("Arachide")

    # "Rester connecté" in the other tab closes this one's too.
    page.clock.run_for("27:01")
    expect(warning).to_be_visible()
    with other.expect_response(re.compile(r"/session/prolonger$")):
        other_warning.get_by_role("button", name="Rester connecté").click()
    expect(other_warning).to_be_hidden()
    expect(warning).to_be_hidden()

    # Left alone, both say the same at the same time: the session has ended.
    page.clock.run_for("26:59")
    expect(warning).to_be_hidden()
    expect(other_warning).to_be_hidden()
    page.clock.run_for("03:02")
    for tab_warning in (warning, other_warning):
        expect(tab_warning).to_contain_text("Votre session s'est fermée après un long moment sans activité")
        expect(tab_warning.get_by_role("button", name="Me reconnecter")).to_be_visible()
