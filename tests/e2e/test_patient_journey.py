"""A patient's first weeks with Carnet, on a phone: activation, timeline, documents, passkeys."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import PAGE_SIZE, PDF_PAGES
from tests.e2e.steps import (
    activate, assert_fits_phone, back, log_in, log_out, menu, month_headers, open_filters, open_my_dossier,
    scroll_to_the_end, titles, wait_for_image,
)

pytestmark = pytest.mark.e2e


def test_patient_activates_browses_reads_and_manages_passkeys(page, authenticators, seed):
    patient = seed()

    # Activation: the code and birth date, then a passkey on this phone.
    activate(page, patient)
    assert page.get_by_role("list", name="Codes de secours").get_by_role("listitem").count() == 10
    assert len(authenticators.credentials()) == 1
    assert_fits_phone(page)

    # The timeline: newest first, grouped by month.
    open_my_dossier(page, patient)
    expect(page.get_by_text(f"{len(patient.titles)} documents")).to_be_visible()
    assert titles(page)[:PAGE_SIZE] == patient.titles[:PAGE_SIZE]
    assert month_headers(page)[:3] == ["juin 2025", "mai 2025", "avril 2025"]
    assert_fits_phone(page)

    # Filtering by category swaps the results in place and puts the category in the address.
    page.evaluate("() => { window.samePage = true; }")
    biologie = patient.titles_in("biologie")
    open_filters(page)
    page.get_by_label("Catégorie").select_option(label="Biologie")
    expect(page).to_have_url(re.compile(r"[?&]categorie=biologie"))
    expect(page.locator("#timeline-results .doc-title")).to_have_text(biologie)
    assert page.evaluate("() => window.samePage === true"), "the page reloaded"
    biologie_url = page.url

    # Searching narrows further; the address gets an opaque token, never the words typed.
    page.get_by_label("Rechercher dans les documents").fill("bilan")
    with_bilan = [t for t in biologie if "bilan" in t.casefold()]
    expect(page.locator("#timeline-results .doc-title")).to_have_text(with_bilan)
    expect(page).to_have_url(re.compile(r"[?&]recherche=[\w-]+"))
    assert "bilan" not in page.url.casefold()
    assert "categorie=biologie" in page.url
    assert page.evaluate("() => window.samePage === true"), "the page reloaded"

    # A reload shows the same results, and the form remembers them.
    page.reload()
    expect(page.locator("#timeline-results .doc-title")).to_have_text(with_bilan)
    expect(page.get_by_label("Rechercher dans les documents")).to_have_value("bilan")
    expect(page.get_by_label("Catégorie")).to_have_value("biologie")

    # Back: the category alone again.
    back(page)
    expect(page).to_have_url(biologie_url)
    expect(page.locator("#timeline-results .doc-title")).to_have_text(biologie)
    expect(page.get_by_label("Rechercher dans les documents")).to_have_value("")

    # A PDF shows its pages as pictures, and downloads as the PDF itself.
    page.get_by_role("link", name="Mon dossier").click()
    page.get_by_role("link", name=re.compile("IRM du genou droit")).click()
    expect(page.get_by_role("heading", name="IRM du genou droit")).to_be_visible()
    first_page = page.get_by_role("img", name=f"Page 1 sur {PDF_PAGES}")
    assert wait_for_image(first_page) > 0
    assert_fits_phone(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger").click()
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    # Logging out, then back in with the passkey alone.
    log_out(page)
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()

    # A second passkey, on a security key plugged into the phone (the phone already holds a
    # key for this account, which the server excludes, and Chromium allows one platform
    # authenticator): the phone does not answer, the security key does. Then renamed, removed.
    menu(page, "Mes clés d'accès").click()
    expect(page.get_by_role("heading", name="Mes clés d'accès")).to_be_visible()
    assert_fits_phone(page)
    second = authenticators.add(transport="usb")
    authenticators.answers(authenticators.first, False)
    page.get_by_label("Nom de la nouvelle clé").fill("Clé USB")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    keys = page.get_by_role("list", name="Clés d'accès").get_by_role("listitem")
    expect(keys).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="La clé d'accès est ajoutée")).to_be_focused()
    authenticators.answers(authenticators.first, True)
    assert len(authenticators.credentials(second)) == 1
    assert len(authenticators.credentials()) == 1

    page.get_by_label("Nouveau nom pour « Clé USB »").fill("Clé USB du bureau")
    keys.filter(has_text="Clé USB").get_by_role("button", name="Renommer").click()
    expect(keys.filter(has_text="Clé USB du bureau")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="La clé d'accès est renommée.")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Supprimer la clé « Clé USB du bureau »").click()
    expect(keys).to_have_count(1)
    expect(keys).to_contain_text("Mon téléphone")
    expect(page.get_by_role("button", name=re.compile("Supprimer"))).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="cet appareil ne peut plus ouvrir votre dossier")).to_be_visible()
    expect(keys).to_contain_text("C'est votre seule clé")


# Each passkey request a page makes, by its `mediation` ("conditional" for autofill), kept in the tab's sessionStorage,
# which outlives the page; set on this page (htmx keeps it across boosted links) and on those loaded from now on.
RECORD_PASSKEY_REQUESTS = """if (!navigator.credentials.get.recorded) {
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
        const made = JSON.parse(sessionStorage.getItem("passkeyRequests") || "[]");
        sessionStorage.setItem("passkeyRequests", JSON.stringify([...made, options?.mediation || "optional"]));
        return get(options);
    };
    navigator.credentials.get.recorded = true;
}"""


def passkey_requests(page) -> list[str]:
    return page.evaluate("() => JSON.parse(sessionStorage.getItem('passkeyRequests') || '[]')")


def test_the_login_page_asks_for_the_passkey_when_the_button_is_pressed_and_not_before(page, seed):
    """It started an autofill request (mediation "conditional") that waited for nothing: Chromium offers a passkey in
    autofill only under a field marked autocomplete="… webauthn", and the page has no field (Carnet's say "off")."""
    patient = seed()
    log_in(page, patient)
    page.add_init_script(RECORD_PASSKEY_REQUESTS)
    page.evaluate(f"() => {{ {RECORD_PASSKEY_REQUESTS} }}")
    log_out(page)
    page.wait_for_load_state("networkidle")
    assert passkey_requests(page) == []
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    assert passkey_requests(page) == ["optional"]


def test_scrolling_down_loads_more_documents_without_repeating_a_month(page, seed):
    patient = seed()
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}")
    assert titles(page) == patient.titles[:PAGE_SIZE]
    scroll_to_the_end(page)
    expect(page.locator("#timeline-results .doc-title")).to_have_count(len(patient.titles))
    assert titles(page) == patient.titles
    headers = month_headers(page)
    assert len(headers) == len(set(headers)), f"a month is shown twice: {headers}"
    assert "juillet 2024" in headers
    expect(page.get_by_role("link", name="Charger plus")).to_have_count(0)


def test_a_wrong_activation_code_is_refused_in_french(page, console, seed):
    patient = seed()
    console.allow("status of 400")  # the refusal itself
    page.goto("/activer")
    page.get_by_label("Code d'activation").fill("AAAA-BBBB-CCCC")
    page.get_by_label("Date de naissance").fill(patient.birth_date.isoformat())
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("alert")).to_contain_text("ne correspondent pas")
    expect(page.get_by_label("Code d'activation")).to_have_value("AAAA-BBBB-CCCC")
    assert_fits_phone(page)


def test_every_page_fits_a_phone_screen(page, seed):
    patient = seed()
    for path in ("/", "/activer", "/connexion", "/recuperation"):
        page.goto(path)
        assert_fits_phone(page)
    log_in(page, patient)
    assert_fits_phone(page)
    for title in ("IRM du genou droit", "Radiographie du genou droit", "Note : douleurs au genou après la course"):
        page.get_by_role("link", name="Mon dossier").click()
        # Wait for the timeline itself: under load, a click could otherwise land on the old page.
        expect(page.get_by_role("heading", name="Mon dossier", exact=True)).to_be_visible()
        page.get_by_role("link", name=re.compile(re.escape(title))).click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        assert_fits_phone(page)
    menu(page, "Mes clés d'accès").click()
    expect(page.get_by_role("heading", name="Mes clés d'accès")).to_be_visible()
    assert_fits_phone(page)


def test_a_picture_is_shown_in_the_page(page, seed):
    patient = seed()
    log_in(page, patient)
    page.get_by_role("link", name=re.compile("Radiographie du genou droit")).click()
    assert wait_for_image(page.get_by_role("img", name="Radiographie du genou droit")) > 0


def test_arriving_from_a_scrolled_page_loads_only_the_first_page(page, seed):
    patient = seed()
    activate(page, patient)
    # The link sits below the fold of the recovery codes: clicking it scrolls the page first.
    open_my_dossier(page, patient)
    page.wait_for_load_state("networkidle")
    assert len(titles(page)) == PAGE_SIZE
