"""Without JavaScript, a logged-in patient still reads their dossier: links and forms do it all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.seeding import PAGE_SIZE, PDF_PAGES
from tests.e2e.steps import PHONE, assert_fits_phone, log_in, month_headers, open_filters, titles

pytestmark = pytest.mark.e2e


@pytest.fixture
def no_js_page(browser, server, page, console, seed):
    """A phone with JavaScript turned off, holding the session of a patient who logged in with a passkey."""
    patient = seed()
    log_in(page, patient)  # passkeys need JavaScript; everything after does not
    context = browser.new_context(base_url=server.url, java_script_enabled=False, **PHONE)
    context.add_cookies(page.context.cookies())
    no_js = context.new_page()
    no_js.on("console", lambda m: console.append(f"{m.text} ({no_js.url})") if m.type == "error" else None)
    yield no_js, patient
    context.close()


def test_without_javascript_the_timeline_filters_pages_and_opens_documents(no_js_page):
    page, patient = no_js_page
    page.goto("/")
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    assert titles(page) == patient.titles[:PAGE_SIZE]
    assert_fits_phone(page)

    # The category filter is an ordinary form with its own button.
    open_filters(page)
    page.get_by_label("Catégorie").select_option(label="Biologie")
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"[?&]categorie=biologie"))
    assert titles(page) == patient.titles_in("biologie")

    # So is the search, and the words typed stay out of the address.
    page.get_by_label("Rechercher dans les documents").fill("bilan")
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"[?&]recherche=[\w-]+"))
    assert "bilan" not in page.url.casefold()
    assert titles(page) == [t for t in patient.titles_in("biologie") if "bilan" in t.casefold()]

    # "Charger plus" is a link to the list down through the next page, which opens at the last document seen.
    page.get_by_label("Catégorie").select_option(label="Toutes les catégories")
    page.get_by_label("Rechercher dans les documents").fill("")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.locator("#timeline-results .doc-title")).to_have_count(PAGE_SIZE)
    page.get_by_role("link", name="Charger plus").click()
    # After the last one shown: an opaque id, where the page opens.
    expect(page).to_have_url(re.compile(r"[?&]apres=([0-9a-f]{32})#document-\1$"))
    assert titles(page) == patient.titles
    expect(page.get_by_role("link", name="Charger plus")).to_have_count(0)

    # A document opens, with its pages as pictures the browser loads by itself.
    page.goto("/")
    with page.expect_response(re.compile(r"/pages/1$")) as first_page:
        page.get_by_role("link", name=re.compile("IRM du genou droit")).click()
    assert first_page.value.status == 200
    assert first_page.value.headers["content-type"] == "image/png"
    expect(page.get_by_role("heading", name="IRM du genou droit")).to_be_visible()
    expect(page.get_by_role("img", name=f"Page 1 sur {PDF_PAGES}")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger")).to_have_attribute("href", re.compile(r"/fichier$"))
    assert_fits_phone(page)


def test_without_javascript_the_next_page_opens_at_the_last_document_seen_each_month_once(no_js_page):
    page, patient = no_js_page
    page.goto(f"/dossiers/{patient.dossier_id}")
    page.get_by_role("link", name="Charger plus").click()
    expect(page).to_have_url(re.compile(r"\?apres="))  # a whole page loads: its headers read once it is there
    last_seen = page.locator("#timeline-results .doc-title").nth(PAGE_SIZE - 1)
    expect(last_seen).to_have_text(patient.titles[PAGE_SIZE - 1])
    expect(last_seen).to_be_in_viewport()
    expect(page.get_by_role("link", name=patient.titles[PAGE_SIZE])).to_be_in_viewport()  # the next one, under it
    headers = month_headers(page)
    assert len(headers) == len(set(headers)) and headers[0] == "juin 2025", headers


def test_without_javascript_a_form_sent_then_back_is_shown_afresh_and_sent_again_runs(browser, server, page, seed):
    """Chromium keeps no-store pages in its back/forward cache (Playwright turns it off: on here, as on a phone).
    A form's page brought back after it was sent carried the id its first sending spent: a second allergy typed
    into it was said recorded and never was. Back now asks the page of the server again."""
    patient = seed()
    log_in(page, patient)
    phone = browser.browser_type.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                        ignore_default_args=["--disable-back-forward-cache"])
    try:
        context = phone.new_context(base_url=server.url, java_script_enabled=False, **PHONE)
        context.add_cookies(page.context.cookies())
        no_js = context.new_page()
        asked: list[str] = []
        no_js.on("request", lambda r: asked.append(r.url) if r.resource_type == "document" else None)
        form = f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy"
        no_js.goto(form)
        no_js.goto(f"/dossiers/{patient.dossier_id}")
        asked.clear()
        no_js.go_back(wait_until="commit")  # a page brought back from the cache sends no "load" to wait for
        expect(no_js.get_by_label("Substance")).to_be_visible()
        assert asked == [], "this Chromium brought no page back from its back/forward cache: the test proves nothing"

        for allergy in ("Latex", "Arachide"):  # the second typed into the page Back shows
            no_js.get_by_label("Substance").fill(allergy)
            no_js.get_by_role("button", name="Enregistrer").click()
            expect(no_js.get_by_role("status")).to_contain_text("C'est enregistré")
            no_js.go_back(wait_until="commit")
            expect(no_js.get_by_role("heading", name="Ajouter une allergie")).to_be_visible()
        no_js.goto(f"/dossiers/{patient.dossier_id}/profil")
        allergies = no_js.get_by_role("region", name="Allergies et intolérances")
        for allergy in ("Latex", "Arachide"):
            expect(allergies.get_by_text(allergy, exact=True)).to_be_visible()
    finally:
        phone.close()


def test_without_javascript_a_refused_form_opens_on_its_first_wrong_field(browser, server):
    """Without JavaScript a refused form's page began at its top, far from what to correct (a screen reader read the
    whole page again first): the first wrong field has the focus as it loads, and its message is its description."""
    context = browser.new_context(base_url=server.url, java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto("/pro/activer")
        page.get_by_label("Numéro RPPS").fill("123")
        page.get_by_role("button", name="Continuer").click()
        code = page.get_by_label("Code d'activation")
        expect(code).to_be_focused()
        # Each wrong field described by its own sentence of the message, then its hint (an accessibility probe).
        expect(code).to_have_accessible_description(re.compile(r"^Saisissez votre code d'activation\. 12 caractères"))
        expect(page.get_by_label("Numéro RPPS")).to_have_accessible_description(re.compile(r"^Ce numéro RPPS"))
        code.fill("ABCD-EFGH-JKLM")
        page.get_by_role("button", name="Continuer").click()
        expect(page.get_by_label("Numéro RPPS")).to_be_focused()  # the code is right now: the RPPS is the first

        page.goto("/activer")
        page.get_by_label("Code d'activation").fill("ABCD-EFGH-JKLM")
        page.get_by_label("Date de naissance").fill("31/02/1984")
        page.get_by_role("button", name="Continuer").click()
        expect(page.get_by_label("Date de naissance")).to_be_focused()
    finally:
        context.close()
