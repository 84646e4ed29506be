"""A pharmacy's shared computer, as an outside probe found it: Chromium with a profile kept on disk. A pharmacist adds a
treatment to a patient's profile and closes the browser; the next person finds neither the values she typed (Chromium
offered "Warfarine 5 mg" in any field of that name: its store of typed values, the profile's `Web Data`) nor her
session (the cookie lasted 12 hours: "Mes patients" opened, every read logged as hers).

The suite's one Chromium keeps nothing on disk, so this test starts a Chromium of its own on a profile directory,
twice: about 2.5 s more than a context of the suite's browser (each start and close takes 1.1 to 1.3 s)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import CHROMIUM_ARGS, authenticators_on
from tests.e2e.steps import DESKTOP, activate_professional, log_in, log_in_professional, log_out

pytestmark = pytest.mark.e2e

TYPED = {"Médicament": "Warfarine 5 mg", "Posologie": "un demi comprimé le soir", "Prescrit par": "Dr Moreau"}


def open_the_computer(browser, server, profile: Path, console) -> tuple[BrowserContext, Page]:
    """Chromium started on the computer's profile, as its user opens it (what was kept from before kept)."""
    context = browser.browser_type.launch_persistent_context(
        profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, base_url=server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.pages[0] if context.pages else context.new_page()
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    return context, page


def kept_values(profile: Path) -> list[str]:
    """What Chromium keeps to offer in fields of the same name ("Saisie automatique"), read once it has closed."""
    with sqlite3.connect(profile / "Default" / "Web Data") as store:
        return [value for (value,) in store.execute("SELECT value FROM autofill")]


def test_a_shared_computer_keeps_neither_what_she_typed_nor_her_session(browser, server, seed, seed_professional,
                                                                       seed_grant, tmp_path, console):
    patient = seed()
    pharmacist = seed_professional(given_name="Claire", family_name="Roux", profession="pharmacien", feminine=True)
    seed_grant(patient, pharmacist)
    profile = tmp_path / "chromium-profile"

    context, page = open_the_computer(browser, server, profile, console)
    authenticators_on(page, server)  # the computer's Windows Hello, before the first page
    log_in_professional(page, pharmacist)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=treatment")
    for label, value in TYPED.items():
        page.get_by_label(label).press_sequentially(value)  # typed, as she did: Chromium keeps what a person types
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".profile-item").filter(has_text="Warfarine 5 mg")).to_be_visible()
    context.close()  # she closes the browser, without logging out

    assert not set(TYPED.values()) & set(kept_values(profile))

    context, page = open_the_computer(browser, server, profile, console)  # the next person
    page.goto("/pro")
    expect(page).to_have_url(re.compile(r"/connexion"))
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(page.get_by_role("heading", name="Mes patients")).to_have_count(0)
    context.close()
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


def test_logging_out_in_one_tab_takes_the_other_tabs_to_the_login_page_without_a_click(page, context, seed, console):
    """An emergency physician's probe on a ward's computer: logged out in one tab, the patient's profile stayed on
    screen in another until someone clicked in it."""
    patient = seed()
    log_in(page, patient)
    other = context.new_page()
    other.on("pageerror", lambda e: console.append(f"uncaught: {e} ({other.url})"))
    other.goto(f"/dossiers/{patient.dossier_id}/profil")
    expect(other.get_by_role("heading", name="Allergies")).to_be_visible()
    steps = other.evaluate("() => history.length")

    log_out(page)
    expect(other.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(other.get_by_role("status").filter(has_text="Votre session est fermée.")).to_be_visible()
    expect(other.get_by_role("heading", name="Allergies")).to_have_count(0)
    # In place of the profile's page, not after it: Back does not lead to it.
    assert other.evaluate("() => history.length") == steps
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


def session_owner(page: Page):
    """The line of the header that names whose session is open."""
    return page.locator("header").get_by_text(re.compile(r"^Session d"))


def test_the_next_professional_sees_whose_session_is_open_and_logs_in_as_herself(browser, server, seed,
                                                                                   seed_professional, seed_grant,
                                                                                   console):
    """A ward's computer, one browser, each nurse and doctor with her own passkey on its Windows Hello. The doctor
    leaves without logging out; the physiotherapist who comes next was sent from "Connexion" into the doctor's
    session, which no page named: everything she opened was read, and logged, as the doctor's."""
    patient = seed()
    physio = seed_professional()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", feminine=True)
    seed_grant(patient, doctor)
    context = browser.new_context(base_url=server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    authenticators = authenticators_on(page, server)
    log_in_professional(page, physio)
    expect(session_owner(page)).to_have_text("Session de Léa Fontaine")
    [physio_passkey] = authenticators.credentials()
    log_out(page)

    activate_professional(page, doctor)  # a second passkey on this computer: hers, made at her activation
    expect(session_owner(page)).to_have_text("Session de Claire Bernard")
    page.goto(f"/dossiers/{patient.dossier_id}/profil")
    expect(session_owner(page)).to_have_text("Session de Claire Bernard")

    # The doctor walks away. The physiotherapist's passkey is the one she chooses on the computer.
    for passkey in authenticators.credentials():
        if passkey["credentialId"] != physio_passkey["credentialId"]:
            authenticators.cdp.send("WebAuthn.removeCredential", {"authenticatorId": authenticators.first,
                                                                  "credentialId": passkey["credentialId"]})
    page.goto("/connexion")
    expect(page.get_by_role("status").filter(has_text="La session de Claire Bernard est ouverte sur ce navigateur")) \
        .to_be_visible()
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("heading", name="Mes patients")).to_be_visible()
    expect(session_owner(page)).to_have_text("Session de Léa Fontaine")
    page.goto(f"/dossiers/{patient.dossier_id}/profil")  # the doctor's patient, not hers
    expect(page.get_by_role("heading", name="Allergies")).to_have_count(0)
    expect(session_owner(page)).to_have_text("Session de Léa Fontaine")
    context.close()
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())
