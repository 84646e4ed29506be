"""What a patient does in the browser, step by step, shared by the end-to-end tests."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.seeded_passkeys import seed_passkey_now

PHONE_WIDTH = 360
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 780}, "is_mobile": True, "has_touch": True,
    # A phone's browser says it is one (Playwright gives Chromium's Sec-CH-UA-Mobile from `is_mobile` only with a user
    # agent): the enrol page names a first passkey from it ("Mon téléphone", views/activation.py first_key_name).
    "user_agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile "
                  "Safari/537.36",
    "device_scale_factor": 2, "locale": "fr-FR",
    "timezone_id": "Europe/Paris",  # a patient in France (this machine's clock is UTC's): no "heure de Paris" note
}


@dataclass(frozen=True)
class Device:
    """What a page's fixture holds beside it, for its steps: its authenticators (conftest.Authenticators) and the
    e2e server (tests/live_server.Server), where a login's passkey is seeded."""

    authenticators: Any
    server: Any


# Each page's own, put there by the fixture that made it (`hold`) and taken away at its end (`let_go`); weakly held,
# so that a page a test made for itself and never let go of goes with it. Keyed by the page: nothing of one test's
# pages is ever another's.
_devices: weakref.WeakKeyDictionary[Page, Device] = weakref.WeakKeyDictionary()


def hold(page: Page, authenticators, server) -> None:
    """This page's authenticators and server, for a login with a seeded passkey (`log_in`, `log_in_professional`)."""
    _devices[page] = Device(authenticators, server)


def let_go(page: Page) -> None:
    _devices.pop(page, None)


def logged_in_with_a_seeded_passkey(page: Page, *, code: str, name: str, birth_date=None,
                                    rpps: str | None = None) -> bool:
    """The activation done by the server's own functions (seeded_passkeys: the code spent, the passkey `name`, its
    Historique line, the recovery codes), its passkey put in this page's authenticator, then the login page and a
    real assertion. False, with nothing done, where the page's authenticator holds a passkey already (whose would
    a login choose?) or the steps know none (a page no fixture `hold`s): the caller activates in the browser."""
    device = _devices.get(page)
    if device is None or device.authenticators.credentials():
        return False
    device.authenticators.hold(seed_passkey_now(device.server, code=code, name=name, birth_date=birth_date, rpps=rpps))
    page.goto("/connexion")
    page_ready(page)  # its button is passkeys.js's
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    return True


def activate(page: Page, patient) -> None:
    """From the landing page to the recovery codes: activation code, birth date, new passkey."""
    page.goto("/")
    page.get_by_role("link", name="Activer mon dossier").click()
    page.get_by_label("Code d'activation").fill(patient.code)
    page.get_by_label("Date de naissance").fill(patient.birth_date.isoformat())
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Créer ma clé d'accès").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    page_ready(page)  # reached by the passkey script's own navigation; its buttons (copy, file, print) are scripts


def page_ready(page: Page) -> None:
    """Wait until the page's deferred scripts have run and htmx has bound what it last swapped in, before using a
    control only a script makes work (a filter, a search as one types, "Charger plus", a confirmation, a passkey).

    Playwright waits for no `load` after a click that navigates (a link htmx had not boosted yet, a passkey's
    redirect, a form of hx-boost="false"), and htmx binds swapped-in content at its settle, 20 ms after the swap: a
    control used sooner did nothing, or sent a whole page (CI's care journey chose a filter on a page reached by a
    form's 303, and waited for a swap that never came). Call it once the new page is known to be on screen."""
    page.wait_for_load_state("load")
    expect(page.locator(".htmx-settling")).to_have_count(0)


def back(page: Page) -> None:
    """The browser's Back, and the page it leads to loaded and ready (see `replaced`)."""
    replaced(page, page.go_back)


def forward(page: Page) -> None:
    """The browser's Forward, and the page it leads to loaded and ready (see `replaced`)."""
    replaced(page, page.go_forward)


def replaced(page: Page, move) -> None:
    """`move` (Back, Forward), then wait until its page has replaced the one on screen, and is ready. Through htmx's
    history, which keeps no page (base.html's htmx-config), Playwright's Back returns once the address has changed,
    the page before still on screen: the reload that replaces it comes after, and a field filled or a link clicked
    meanwhile was the page before's. That page is marked, and the mark waited out."""
    page.locator("main").first.evaluate("main => { main.dataset.before = ''; }")
    move()
    expect(page.locator("main[data-before]")).to_have_count(0)
    page_ready(page)


def open_my_dossier(page: Page, patient) -> None:
    page.get_by_role("link", name="J'ai noté mes codes, accéder à mon dossier").click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    page_ready(page)  # the link may have been followed before htmx boosted it: a whole page, still loading


def log_in(page: Page, patient) -> None:
    """A patient logged in on this phone, on her dossier, with her passkey "Mon téléphone", made as her activation
    makes it (`logged_in_with_a_seeded_passkey`). A test whose subject is the activation, or what only the activation
    in the browser leaves (the recovery codes on their page), uses `log_in_by_activation`."""
    if not logged_in_with_a_seeded_passkey(page, code=patient.code, birth_date=patient.birth_date,
                                           name="Mon téléphone"):  # as the enrol page names it
        log_in_by_activation(page, patient)
        return
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    page_ready(page)


def log_in_by_activation(page: Page, patient) -> None:
    """A patient who activates her dossier on this phone, in the browser, to her dossier."""
    activate(page, patient)
    open_my_dossier(page, patient)


def log_out(page: Page) -> None:
    button = page.get_by_role("navigation", name="Menu principal").get_by_role("button", name="Se déconnecter")
    if not button.is_visible():  # behind "Plus" on a phone
        page.locator("nav details.menu-more > summary").click()
    button.click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Votre session est fermée.")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)  # no read-only box that looks like a field
    page_ready(page)  # its button is passkeys.js's


def titles(page: Page) -> list[str]:
    return page.locator("#timeline-results .doc-title").all_inner_texts()


def month_headers(page: Page) -> list[str]:
    # Text as written, not as shown: the CSS capitalises the month.
    return [text.strip() for text in page.locator("#timeline-results h2").all_text_contents()]


def scroll_to_the_end(page: Page) -> None:
    page.mouse.move(180, 400)  # the wheel scrolls what is under the pointer
    page.mouse.wheel(0, 20_000)


def assert_fits_phone(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width} px wide on a {PHONE_WIDTH} px screen"


def wait_for_image(image) -> int:
    """Wait until an <img> has loaded, and return its natural width (an image that failed to load fails at once,
    naming its address, rather than at the timeout).

    `expect` asks again from outside the page. `page.wait_for_function` polls inside it, on animation frames, which
    a page without JavaScript never runs: it saw only its first answer, and an image still loading then waited the
    whole timeout (test_document_reading[no-javascript], twice in full runs, once in CI)."""
    expect(image).to_have_js_property("complete", True)
    width, source = image.evaluate("img => [img.naturalWidth, img.currentSrc]")
    assert width > 0, f"the image {source} did not load"
    return width


# --- the professional's side, on a computer ----------------------------------------------------

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


def activate_professional(page: Page, professional) -> None:
    """From "Activer mon compte professionnel" to "Mes patients": activation code, RPPS, new passkey."""
    page.goto("/pro/activer")
    page.get_by_label("Code d'activation").fill(professional.code)
    page.get_by_label("Numéro RPPS").fill(professional.rpps)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Nom de cette clé").fill("Ordinateur du cabinet")
    page.get_by_role("button", name="Créer ma clé d'accès").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    page.get_by_role("link", name="J'ai noté mes codes, accéder à mes patients").click()
    expect(page.get_by_role("heading", name="Mes patients")).to_be_visible()
    page_ready(page)  # its search is as one types


def log_in_professional(page: Page, professional) -> None:
    """A professional logged in on this computer, on "Mes patients", with the passkey "Ordinateur du cabinet", made as
    their activation makes it (`logged_in_with_a_seeded_passkey`); `activate_professional` is the activation itself."""
    if not logged_in_with_a_seeded_passkey(page, code=professional.code, rpps=professional.rpps,
                                           name="Ordinateur du cabinet"):
        activate_professional(page, professional)
        return
    expect(page.get_by_role("heading", name="Mes patients")).to_be_visible()
    page_ready(page)  # its search is as one types


def document_titles(page: Page) -> list[str]:
    """The titles a timeline or a "voir comme" page lists, in order."""
    return page.locator(".timeline .doc-title").all_inner_texts()


def error_page(page: Page) -> tuple[str, str]:
    """The heading and message of Carnet's refusal page, to compare two refusals."""
    section = page.locator("#erreur")
    expect(section).to_be_visible()
    return section.get_by_role("heading").inner_text(), section.get_by_role("alert").inner_text()


def open_access_line(page: Page, name: str) -> None:
    """On Accès, open a line (a professional, or a topic such as "Notifications") to its details and actions."""
    page.get_by_role("listitem").filter(has_text=name).get_by_text(name, exact=True).first.click()


def menu(page: Page, name: str):
    """A link of the main menu (a bar at the bottom of a phone's screen, at the top of a wide one),
    "Plus" opened first when the link is behind it, as a person would."""
    nav = page.get_by_role("navigation", name="Menu principal")
    link = nav.get_by_role("link", name=name, exact=True)
    more = nav.locator("details.menu-more")
    behind = more.locator("a", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    for _ in range(3):  # a page that was still being replaced may have taken the opened "Plus" with it
        if not behind.count() or link.is_visible():
            break
        if not more.evaluate("d => d.open"):
            more.locator("summary").click()
        try:
            expect(link).to_be_visible(timeout=2_000)
        except AssertionError:
            continue
    return link


def open_filters(page: Page) -> None:
    """The "Filtrer" disclosure of the timeline (next to the search field: the category is inside) or of the
    Historique (the professional, the kind of action, the period). A choice there applies through htmx."""
    page_ready(page)
    page.locator("details.filter-more > summary").click()


# --- caregivers: whose dossier is on screen, and the dossiers one account holds (issue 9) -------


def dossier_band(page: Page):
    """The band at the top of every page of a dossier, that says whose it is."""
    return page.get_by_role("region", name="Dossier affiché")


def held_dossier(page: Page, name: str):
    """One dossier on "Mes dossiers", a link that opens it."""
    return page.get_by_role("list", name="Dossiers").get_by_role("link", name=re.compile(f"^{re.escape(name)}"))


def switch_to(page: Page, label: str) -> None:
    """One tap on the band to another dossier the account holds: "Mon dossier", "Dossier de Léo Martin"."""
    switcher = dossier_band(page).get_by_role("navigation", name="Changer de dossier")
    switcher.get_by_role("link", name=re.compile(rf"^\w+ · {re.escape(label)}$")).click()  # "LM · Dossier de…"


def accept_invitation_with_a_new_account(page: Page, given_name: str, family_name: str) -> None:
    """On a shown invitation, with no Carnet account: a name, a passkey, the recovery codes, the dossier."""
    page.get_by_label("Votre prénom").fill(given_name)
    page.get_by_label("Votre nom").fill(family_name)
    page.get_by_role("button", name="Créer mon compte et accepter").click()
    page.get_by_label("Nom de cette clé").fill(f"Téléphone de {given_name}")
    page.get_by_role("button", name="Créer ma clé d'accès").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()  # no dossier of their own
