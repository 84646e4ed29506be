"""What a blind patient meets with a keyboard and a screen reader (an outside probe's finds): the focus stays on a
passkey button whose attempt failed, lands on the first older event's text, and stays in the session's warning; a
filter's list is applied once its choice settles, not at each arrow key; what is said is said once, and English
names are marked so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import log_in, menu, open_filters
from tests.e2e.test_transparency_journey import wait_until_integrated

pytestmark = pytest.mark.e2e


def test_a_failed_passkey_attempt_leaves_the_focus_on_its_button(page: Page, seed):
    # No passkey for Carnet on this device: the button was disabled while it tried, which dropped the focus to <body>.
    page.goto("/connexion")
    button = page.get_by_role("button", name="Se connecter avec une clé d'accès")
    button.focus()
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(button).to_be_focused()
    # Words for any device, a keyboard's too: nothing to "touch".
    expect(alert).to_contain_text("choisissez « J'ai perdu ma clé d'accès » ci-dessous")
    expect(alert).not_to_contain_text("touchez")

    # A second passkey on a device that has one already: refused, and the focus is where it was.
    log_in(page, seed())
    page.goto("/cles")
    add = page.get_by_role("button", name="Ajouter une clé d'accès")
    add.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Cet appareil a déjà une clé d'accès pour ce compte.")
    expect(add).to_be_focused()
    expect(add).not_to_have_attribute("aria-busy", "true")


def test_older_events_focus_the_first_ones_text_and_each_proof_is_named_for_its_event(
    page: Page, seed, seed_professional, seed_grant, seed_reads, server,
):
    patient, kine = seed(), seed_professional()
    seed_grant(patient, kine)
    seed_reads(patient, kine, 40)  # more than a page (30)
    log_in(page, patient)
    proofs = page.locator("details.log-proof > summary")
    wait_until_integrated(server)  # each event in the signed log, with its proof (its integrator runs every second)
    page.goto(f"/dossiers/{patient.dossier_id}/historique")
    expect(proofs).to_have_count(30)

    page.get_by_role("link", name="Événements plus anciens").focus()
    page.keyboard.press("Enter")
    texts = page.locator(".log-text")
    expect(texts.nth(30)).to_be_attached()
    expect(texts.nth(30)).to_be_focused()  # not its "Preuve"
    assert "a consulté" in page.evaluate("() => document.activeElement.textContent")

    names = proofs.all_text_contents()
    assert len(names) > 40 and len(set(names)) == len(names) and all(re.fullmatch(r"Preuve de l'événement n° \d+", n) for n in names), names
    expect(proofs.first).to_have_accessible_name(names[0])


def requests_to(page: Page, path: str) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if path in request.url else None)
    return sent


def test_arrow_keys_in_a_filter_send_only_the_settled_choice_and_say_the_check_once(
    page: Page, seed, seed_professional, seed_grant, seed_reads,
):
    patient, kine = seed(), seed_professional()
    seed_grant(patient, kine)
    seed_reads(patient, kine, 3)
    log_in(page, patient)

    # The timeline's category: three arrow presses send nothing and add no history entry; leaving the list sends one.
    sent = requests_to(page, "/recherche")
    entries = page.evaluate("() => history.length")
    open_filters(page)
    category = page.get_by_label("Catégorie")
    category.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(600)
    assert sent == [] and page.evaluate("() => history.length") == entries
    page.keyboard.press("Tab")
    status = page.locator('[data-results-status="timeline-results"]')
    expect(status).not_to_be_empty()
    page.wait_for_function(f"() => history.length === {entries + 1}")
    assert len(sent) == 1, sent
    expect(category).not_to_have_value("")

    # Keys, then a mouse's choice before the list is left: the mouse's is sent at once, and leaving sends nothing more.
    category.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(100)  # a hand's move to the mouse, not the same millisecond
    category.select_option(index=0)
    page.wait_for_function(f"() => history.length === {entries + 2}")
    page.keyboard.press("Tab")
    page.wait_for_timeout(600)
    assert len(sent) == 2 and page.evaluate("() => history.length") == entries + 2, sent

    # The Historique's filters: Enter on the list applies the choice it settled on.
    menu(page, "Historique").click()
    journal = page.locator("[data-journal-status]")
    expect(journal).to_have_class(re.compile(r"\bsuccess\b"))  # the device's check, said once
    page.evaluate("""() => { window.journalSaid = 0;
        new MutationObserver(() => { window.journalSaid += 1; })
          .observe(document.querySelector("[data-journal-status]"), { childList: true, characterData: true, subtree: true }); }""")
    sent = requests_to(page, "/historique?")
    open_filters(page)
    kind = page.get_by_label("Type d'action")
    kind.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(600)
    assert sent == []
    page.keyboard.press("Enter")
    status = page.locator('[data-results-status="log-results"]')
    expect(status).not_to_be_empty()
    assert len(sent) == 1, sent

    # A mouse's choice applies at once; the count is said, the verification sentence not again.
    kind.select_option(index=0)
    expect(status).to_have_text(re.compile(r"^\d+ événements?$"))
    expect(page.locator("[data-journal-entry]:not([data-journal-state='verified'])")).to_have_count(0)
    page.wait_for_timeout(300)  # its verdict, after the check of the new lines
    assert page.evaluate("() => window.journalSaid") == 0


def test_the_page_announcer_speaks_after_the_page_and_then_falls_silent(page: Page, seed):
    log_in(page, seed())
    page.clock.install()  # its 5 s run on the page's clock, moved on below rather than waited out
    # What it said, as it said it (it speaks for 5 s: a loaded machine's checks could come after).
    page.evaluate("""() => { window.announced = [];
        const announcer = document.getElementById("page-announcer");  // kept across pages (hx-preserve)
        new MutationObserver(() => { window.announced.push(announcer.textContent); })
          .observe(announcer, { childList: true, characterData: true, subtree: true }); }""")
    menu(page, "Profil").click()
    expect(page.get_by_role("heading", name="Profil médical", level=1)).to_be_visible()
    announcer = page.locator("#page-announcer")
    page.wait_for_function("() => window.announced.includes(document.title)")
    # Read from the top, the page starts with its skip link and header, not with its title as a stray line.
    before_header = page.locator("body").aria_snapshot().split("- banner")[0]
    assert page.title() not in before_header, before_header
    page.clock.run_for(5_000)
    expect(announcer).to_be_empty(timeout=20_000)  # 5 s on, as late as a loaded machine runs the page's timer
    # Then out of the page's text: a late announcement (another settled swap) is emptied in its turn.
    page.wait_for_function("""title => !document.getElementById("page-announcer").textContent
                              && !document.body.innerText.includes(title)""", arg=page.title(), timeout=20_000)


def test_english_names_are_marked_as_english(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
    expect(page.locator('main [lang="en"]', has_text="SMART Health Links")).to_have_count(1)


def test_the_session_warning_keeps_the_focus_and_escape_keeps_the_session(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    page.clock.install()
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    substance = page.get_by_label("Substance")
    substance.fill("Arachide")
    page.clock.run_for("27:01")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_have_attribute("aria-modal", "true")
    stay = warning.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    for key in ("Tab", "Shift+Tab", "Tab"):
        page.keyboard.press(key)
        expect(stay).to_be_focused()
    substance.focus()  # a screen reader's cursor, or a script, brings the focus back to the page
    expect(stay).to_be_focused()
    with page.expect_response(re.compile(r"/session/prolonger$")) as kept:
        page.keyboard.press("Escape")
    assert kept.value.status == 204
    expect(warning).to_be_hidden()
    expect(substance).to_be_focused()
    expect(substance).to_have_value("Arachide")
