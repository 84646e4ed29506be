"""A session ends after 30 minutes without a request (sessions.py): minutes before, the page says so and one
tap keeps it (WCAG 2.2.1 Timing Adjustable; an accessibility probe's find: it ended without a word, and what was
being typed was lost). The page's clock is Playwright's: the server's half hour is not waited for.

It also ends 12 hours after it was opened, whatever is done: minutes before, the page says when, and her passkey
asked in place opens a new session in which the page goes on, what was typed kept. There the server's own end
matters (the form must post after it): her session is made older in the server's database, as if opened 12 hours
ago less a few minutes, then past its end, and the pages' clock moves on with Playwright's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from server.auth.accounts import account_for_patient
from server.db import make_sessionmaker
from server.models import Dossier, Patient, WebSession, utcnow
from server.templating import PARIS, time_fr
from tests.e2e.conftest import run_async
from tests.e2e.seeding import SeededPatient, writer_engine
from tests.e2e.steps import log_in

MAX_AGE = timedelta(hours=12)  # the server's session_max_hours

pytestmark = pytest.mark.e2e


def stop_the_pages_clock(page: Page) -> None:
    """The pages' clock moves only when the test moves it. Installed alone it also runs on with the real one, whose
    seconds between two steps a loaded machine makes many: with the one second between 26:59 (no warning) and
    27:00 (the warning) the idle tests allow, it showed early."""
    page.clock.install()
    page.clock.pause_at(datetime.now(UTC) + timedelta(minutes=1))  # ahead of the installed clock, which it stops


def test_two_minutes_before_an_idle_session_ends_the_page_says_so_and_keeps_it_in_one_tap(page, seed):
    patient = seed()
    log_in(page, patient)
    stop_the_pages_clock(page)
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
    relogin = warning.get_by_role("button", name="Me reconnecter")
    expect(relogin).to_be_visible()
    # Ended, the page shows nothing of the dossier to whoever comes to the desk next (an outside probe read the name,
    # the INS and the allergies a doctor had left open): not the form, not whose session it was, not the title's name.
    expect(page.get_by_label("Substance")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_hidden()
    expect(page.get_by_text(re.compile("^Session de "))).to_be_hidden()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    expect(page).to_have_title("Session fermée · Carnet")
    expect(relogin).to_be_focused()
    expect(warning).not_to_have_attribute("aria-modal", "true")


def test_a_request_in_another_tab_keeps_this_tab_from_warning_and_closes_its_warning(page, context, seed):
    """The tabs of one browser share its session (a request in any of them keeps it): each counts from the last
    request of them all, not from its own only (it warned, then said the session had ended, while it had not)."""
    patient = seed()
    log_in(page, patient)
    stop_the_pages_clock(page)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    substance = page.get_by_label("Substance")
    substance.fill("Arachide")
    other = context.new_page()
    other.goto(f"/dossiers/{patient.dossier_id}")
    warning, other_warning = page.get_by_role("alertdialog"), other.get_by_role("alertdialog")

    # Twenty minutes on, the patient goes on in the other tab (a boosted link: an htmx request): this tab counts
    # from there, and does not warn 27 minutes after its own request.
    page.clock.run_for("20:00")
    other.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Profil").click()
    # Its answer in place, not only received: the tab tells the others once its script has read it, by its clock,
    # which the next step moves in every tab (run on as the answer was read, the tab told 27:01, not 20:00: seen in CI).
    expect(other.get_by_role("heading", name="Profil médical", level=1)).to_be_visible()
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
    for tab, tab_warning in ((page, warning), (other, other_warning)):
        expect(tab_warning).to_contain_text("Votre session s'est fermée après un long moment sans activité")
        expect(tab_warning.get_by_role("button", name="Me reconnecter")).to_be_visible()
        expect(tab.locator("main")).to_be_hidden()


async def her_session_ends_in(data_dir: Path, patient: SeededPatient, left: timedelta) -> datetime:
    """Her session opened as long ago as to end, 12 hours after, in `left`; that end."""
    opened = utcnow() - MAX_AGE + left
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, patient.dossier_id)
            account = await account_for_patient(db, patient=await db.get(Patient, dossier.patient_id))
            await db.exec(update(WebSession).where(WebSession.account_id == account.id).values(created_at=opened))
            await db.commit()
    finally:
        await engine.dispose()
    return opened + MAX_AGE


async def her_sessions_opened_hours_ago_end(data_dir: Path, patient: SeededPatient) -> None:
    """Her sessions opened more than an hour ago (made older by `her_session_ends_in`) end, as 12 hours after they
    were opened: one opened since by a new login, seconds ago, does not."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, patient.dossier_id)
            account = await account_for_patient(db, patient=await db.get(Patient, dossier.patient_id))
            await db.exec(update(WebSession).where(WebSession.account_id == account.id,
                                                   WebSession.created_at < utcnow() - timedelta(hours=1))
                          .values(created_at=utcnow() - MAX_AGE - timedelta(seconds=1)))
            await db.commit()
    finally:
        await engine.dispose()


def test_five_minutes_before_twelve_hours_every_tab_says_when_and_her_passkey_keeps_the_pages_going(
        page, context, seed, server):
    patient = seed()
    log_in(page, patient)
    closes = run_async(her_session_ends_in(server.data_dir, patient, timedelta(minutes=5, seconds=40)))
    page.clock.install()
    form = f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy"
    page.goto(form)
    substance = page.get_by_label("Substance")
    substance.fill("Arachide")
    other = context.new_page()
    other.goto(form)
    other.get_by_label("Substance").fill("Latex")
    warning, other_warning = page.get_by_role("alertdialog"), other.get_by_role("alertdialog")

    # Five minutes before its end, and not sooner, every tab of the session says when it ends.
    page.clock.run_for("00:20")
    expect(warning).to_be_hidden()
    expect(other_warning).to_be_hidden()
    page.clock.run_for("00:30")
    said = f"Votre session se ferme à {time_fr(closes.astimezone(PARIS))}, 12 heures après votre connexion"
    expect(warning).to_contain_text(said)
    expect(other_warning).to_contain_text(said)
    renew = warning.get_by_role("button", name="Rester connecté avec ma clé d'accès")
    expect(renew).to_be_focused()

    # Her passkey, in place, a minute before the server ends the session: the page stays as it was, and both tabs
    # go on in the new session, past the first one's end.
    run_async(her_session_ends_in(server.data_dir, patient, timedelta(minutes=1)))
    with page.expect_response(re.compile(r"/reconnexion/verification$")) as verified:
        renew.click()
    assert verified.value.status == 200
    expect(warning).to_be_hidden()
    expect(other_warning).to_be_hidden()
    expect(substance).to_be_focused()
    expect(substance).to_have_value("Arachide")
    # The first session's end passes, in the database: not waited for. Ten seconds before it, as it was, had to hold
    # the passkey's three steps, which a loaded machine can take longer over.
    run_async(her_sessions_opened_hours_ago_end(server.data_dir, patient))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    expect(page.get_by_role("region", name="Allergies et intolérances").get_by_text("Arachide", exact=True)).to_be_visible()
    other.get_by_role("button", name="Enregistrer").click()
    expect(other.get_by_role("status")).to_contain_text("C'est enregistré")

    # The new session ends twelve hours on: neither tab warns of it now.
    page.clock.run_for("20:00")
    expect(warning).to_be_hidden()
    expect(other_warning).to_be_hidden()


def test_left_alone_past_its_twelve_hours_the_page_says_the_session_has_ended_and_leads_to_the_login(
        page, seed, server):
    patient = seed()
    log_in(page, patient)
    run_async(her_session_ends_in(server.data_dir, patient, timedelta(minutes=5, seconds=40)))
    page.clock.install()
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    warning = page.get_by_role("alertdialog")
    page.clock.run_for("00:50")
    expect(warning.get_by_role("button", name="Rester connecté avec ma clé d'accès")).to_be_visible()

    page.clock.run_for("05:00")
    expect(warning).to_contain_text("Votre session s'est fermée 12 heures après votre connexion : reconnectez-vous")
    expect(page.locator("main")).to_be_hidden()  # ended: nothing of the dossier left on screen
    run_async(her_session_ends_in(server.data_dir, patient, timedelta(seconds=-1)))  # the server's end too
    warning.get_by_role("button", name="Me reconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_on_a_short_screen_the_warning_scrolls_inside_and_its_sentence_can_be_read(page, seed):
    """A laptop's 1280 x 800 at 400 % zoom is 320 x 200 (WCAG 1.4.10): the warning, fixed over the page's end, rose
    past the top, where nothing could scroll to it; "Rester connecté" showed, the sentence saying why did not (a
    low-vision probe's find)."""
    patient = seed()
    log_in(page, patient)
    stop_the_pages_clock(page)
    page.set_viewport_size({"width": 320, "height": 200})
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    page.clock.run_for("27:01")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_in_viewport(ratio=1)
    for part in (warning.get_by_text("Sans activité, votre session se ferme dans 2 à 3 minutes"),
                 warning.get_by_role("button", name="Rester connecté")):
        part.scroll_into_view_if_needed()
        expect(part).to_be_in_viewport(ratio=1)


def test_a_visitors_first_page_loads_no_sessions_script_and_a_sessions_page_brought_into_it_is_loaded_whole(
        page, context, seed):
    """The session's scripts (its end, its notifications) are not a visitor's to download (3 KB of the landing page's
    40 KB); a tab left on the landing page while she logged in in another one, then boosted to her dossier, is loaded
    whole, with them, so that it warns before her session ends as any of her pages does (the tests above).""" 
    patient = seed()
    visitor = context.new_page()
    visitor.goto("/")
    expect(visitor.get_by_role("link", name="Activer mon dossier")).to_be_visible()
    assert visitor.locator('script[src*="/session."]').count() == 0
    log_in(page, patient)
    visitor.get_by_role("link", name="Carnet").first.click()  # a boosted link, in the tab of a visitor's page
    expect(visitor.locator('script[src*="/session."]')).to_have_count(1)
    expect(visitor.get_by_text(re.compile("^Session de "))).to_be_visible()
