"""A phone on a slow network, or none: a request under way shows that it is, and has a time limit past which the
page says so (it may or may not have been done); two quick taps leave the address of the page shown; a search that
got no answer is asked again when the network is back; a whole-page form pressed offline says so in Carnet's words.

Requests are held (page.route) to stand for a server or a network that does not answer."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Error, Page, Route, expect

from tests.e2e.conftest import authenticators_on
from tests.e2e.steps import PHONE, log_in, menu

pytestmark = pytest.mark.e2e

OFFLINE = "Pas de connexion : vérifiez votre réseau puis réessayez."
LATE_CHANGE = ("Le serveur n'a pas répondu à temps : ce que vous avez envoyé a peut-être été enregistré, ou non. "
               "Rechargez la page pour le vérifier avant de réessayer.")


@pytest.fixture
def unserved(browser, server, console) -> Page:
    """A phone whose pages no service worker controls, for the tests that hold requests: page.route does not see a
    request that goes through a service worker (Playwright's docs), and Carnet's controls the page once it has
    claimed it, a moment after the first page or not: a held request went to the server now and then (two CI runs'
    "0 request(s) held", and an alert of a time limit that never came), seen in two runs of five on an idle machine."""
    context = browser.new_context(base_url=server.url, service_workers="block", **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    authenticators_on(page, server)  # before the first navigation, as the phone fixture's
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    yield page
    context.close()
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


def hold(page: Page, address: str, method: str = "GET") -> list[Route]:
    """Requests to `address` (a regex) with `method` get no answer until the test lets them go."""
    held: list[Route] = []
    page.route(re.compile(address), lambda route: held.append(route) if route.request.method == method
               else route.fallback())
    return held


def held_for(page: Page, held: list[Route], address: str) -> Route:
    """The held request to `address` (a regex), once Playwright has handed it over. It hands a request to the route's
    handler only while the test waits on it, and a loaded machine hands it late: after the page already showed it
    under way, or after a fixed pause; one the page gave up meanwhile, late or never. Only one the page still waits
    for is waited for."""
    deadline = time.monotonic() + 30
    while not (found := [route for route in held if re.search(address, route.request.url)]):
        assert time.monotonic() < deadline, f"no request to {address} held: {[r.request.url for r in held]}"
        page.wait_for_timeout(50)
    return found[0]


def let_go(route: Route) -> None:
    try:
        route.fallback()
    except Error:  # the page gave it up meanwhile
        pass


def test_a_pressed_button_is_busy_until_the_time_limit_which_says_it_may_have_been_saved(unserved: Page, seed, console):
    page = unserved
    for logged in ("htmx:timeout", "htmx:afterRequest"):  # htmx logs the request it gave up
        console.allow(logged)
    patient = seed()
    log_in(page, patient)
    assert page.evaluate("() => htmx.config.timeout") == 30_000
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    held = hold(page, r"/profil/ajouter", method="POST")
    page.evaluate("""() => {  // whether the bar ever showed, however late the checks below run on a busy machine
      window.sent = 0;  // requests htmx sent, counted in the page: Playwright's route may come after htmx gave up
      document.addEventListener("htmx:beforeSend", event => { window.sent += 1; window.sentXhr = event.detail.xhr; });
      window.barShown = false;
      new MutationObserver(() => {
        window.barShown = window.barShown || document.documentElement.classList.contains("page-loading");
      }).observe(document.documentElement, {attributes: true});
    }""")
    page.get_by_label("Substance").fill("Pénicilline")
    save = page.get_by_role("button", name="Enregistrer")
    save.click()
    expect(save).to_have_attribute("aria-busy", "true")
    expect(save).to_have_attribute("aria-disabled", "true")
    expect(save).to_be_focused()  # not disabled: a screen reader keeps its place
    save.click(force=True)  # impatient, as a finger is: nothing is sent twice
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.sent") == 1
    expect(page.locator("html")).to_have_class(re.compile(r"\bpage-loading\b"))  # the bar, after a moment
    # Its 30 s reached now, not waited for: the XMLHttpRequest's own time limit (htmx set it from its config), cut
    # short on the request under way as carnet.js's answerInTime moves it, fires htmx's timeout as 30 s would.
    limit = page.evaluate("() => { const limit = window.sentXhr.timeout; window.sentXhr.timeout = 1; return limit; }")
    assert limit == 30_000  # htmx's, as base.html configures it

    expect(page.get_by_role("alert")).to_have_text(LATE_CHANGE, timeout=20_000)
    assert page.evaluate("() => window.barShown")  # the bar, after a moment
    expect(save).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bpage-loading\b"))
    assert page.evaluate("() => window.sent") == 1
    for route in held:  # however late Playwright handed it over
        let_go(route)


def test_a_bar_link_shows_a_bar_while_its_page_comes(unserved: Page, seed):
    page = unserved
    patient = seed()
    log_in(page, patient)
    held = hold(page, r"/profil$")
    menu(page, "Profil").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bpage-loading\b"))
    held_for(page, held, r"/profil$").fallback()
    expect(page.get_by_role("heading", name="Profil médical", level=1)).to_be_visible()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bpage-loading\b"))


@pytest.mark.parametrize("answered_first", ["Profil", "Accès"])
def test_two_quick_taps_in_the_bar_leave_the_address_of_the_page_shown(unserved: Page, seed, console, answered_first):
    page = unserved
    for logged in ("htmx:sendAbort", "htmx:afterRequest"):  # htmx logs the request given up for the newer one
        console.allow(logged)
    patient = seed()
    log_in(page, patient)
    held = hold(page, r"/(profil|acces)$")
    # htmx's sends, counted in the page: the second tap gives up the first request, which Playwright may then hand
    # over late or never (it waited for it, and a loaded run could miss it).
    page.evaluate("""() => {
      window.sent = 0;
      document.addEventListener("htmx:beforeSend", () => { window.sent += 1; });
    }""")
    menu(page, "Profil").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bpage-loading\b"))
    menu(page, "Accès").click()
    access = held_for(page, held, r"/acces$")
    page.wait_for_timeout(500)  # nothing more: each tap sent once
    assert page.evaluate("() => window.sent") == 2 and len(held) <= 2
    profile = [route for route in held if route is not access]  # if handed over
    for route in (*profile, access) if answered_first == "Profil" else (access, *profile):
        let_go(route)
        page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name="Qui peut voir mon dossier", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}/acces$"))
    page.unroute_all(behavior="ignoreErrors")  # the reload's own request, not held
    page.reload()
    expect(page.get_by_role("heading", name="Qui peut voir mon dossier", level=1)).to_be_visible()


def test_a_search_that_failed_offline_is_asked_again_when_the_network_is_back(page: Page, seed, context, console):
    for logged in ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest"):
        console.allow(logged)
    patient = seed()
    log_in(page, patient)
    everything = page.locator("#timeline-results a.document-link").count()
    context.set_offline(True)
    page.get_by_role("searchbox", name="Rechercher dans les documents").fill("vaccin")
    expect(page.get_by_role("alert")).to_have_text(OFFLINE)
    expect(page.locator("#timeline-results a.document-link")).to_have_count(everything)
    context.set_offline(False)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^3 documents, les plus pertinents d'abord · «\u00a0vaccin\u00a0»$"))
    expect(page.locator("#timeline-results a.document-link")).to_have_count(3)  # two vaccines, one vaccination


def test_a_whole_page_form_or_download_pressed_offline_says_so_in_carnets_words(page: Page, seed, context, console):
    for logged in ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest"):  # "Charger plus", scrolled to
        console.allow(logged)
    patient = seed()
    log_in(page, patient)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("alert")).to_have_text(OFFLINE)
    expect(page.get_by_role("heading", name="Mon dossier", level=1)).to_be_visible()
    context.set_offline(False)
    page.goto(f"/dossiers/{patient.dossier_id}/export")
    context.set_offline(True)
    page.get_by_role("button", name="Télécharger la copie (ZIP)").click()
    expect(page.get_by_role("alert")).to_have_text(OFFLINE)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("copie"))
    context.set_offline(False)
    page.goto(f"/dossiers/{patient.dossier_id}/historique")
    context.set_offline(True)
    page.get_by_role("link", name="Exporter (CSV)").click()
    expect(page.get_by_role("alert")).to_have_text(OFFLINE)


def test_a_whole_page_form_the_phone_thinks_online_gets_the_offline_page(page: Page, seed, context, console):
    """A phone may believe it has a network it has not: the service worker answers the form with its offline page,
    whose "Réessayer" leads back to the form's page."""
    console.allow("ERR_INTERNET_DISCONNECTED")
    patient = seed()
    log_in(page, patient)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(f"/dossiers/{patient.dossier_id}/export")
    page.evaluate("() => Object.defineProperty(navigator, 'onLine', { get: () => true })")
    context.set_offline(True)
    page.get_by_role("button", name="Télécharger la copie (ZIP)").click()
    expect(page.get_by_role("heading", name="Vous êtes hors ligne")).to_be_visible()
    context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    expect(page.get_by_role("button", name="Télécharger la copie (ZIP)")).to_be_visible()
