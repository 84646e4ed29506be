"""A passkey removed from the account is forgotten by the devices that still hold it (WebAuthn's signal methods,
which Chromium's virtual authenticator honours as a phone's does): the lost phone, or a password manager that
synced it, stops offering a key that can only be refused."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, menu

pytestmark = pytest.mark.e2e


def forgotten(page, authenticators) -> None:
    """Until the device's own authenticator holds no passkey. The page tells it and goes on (passkeys.js waits a
    second at most), and the authenticator forgets when Chromium gets to it: on a loaded machine, seconds later."""
    deadline = time.monotonic() + 30
    while held := authenticators.credentials():
        assert time.monotonic() < deadline, f"the device still offers {len(held)} passkey(s)"
        page.wait_for_timeout(100)


def test_a_removed_passkey_is_forgotten_by_the_devices_that_hold_it(page, authenticators, another_phone, seed,
                                                                     console):
    console.allow("status of 400 (Bad Request)")  # the old phone's refused login, which it is shown
    patient = seed()
    log_in(page, patient)  # her phone's passkey, "Mon téléphone"
    [credential] = authenticators.credentials()
    # The same passkey synced to her old phone, since lost.
    old_phone = another_phone.page
    another_phone.authenticators.cdp.send("WebAuthn.addCredential", {
        "authenticatorId": another_phone.authenticators.first, "credential": credential})

    # A second key, on a security key, then the phone's key removed from the account ("Mes clés d'accès").
    menu(page, "Mes clés d'accès").click()
    usb = authenticators.add(transport="usb")
    authenticators.answers(authenticators.first, False)
    page.get_by_label("Nom de la nouvelle clé").fill("Clé USB")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(page.get_by_role("list", name="Clés d'accès").get_by_role("listitem")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Supprimer la clé « Mon téléphone »").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()  # the key this device was using

    # The old phone tries it: refused, said in French, and the phone forgets it.
    old_phone.goto("/connexion")
    old_phone.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(old_phone.get_by_text("Cette clé d'accès n'est pas reconnue : elle a peut-être été supprimée")).to_be_visible()
    forgotten(old_phone, another_phone.authenticators)

    # Her phone logs in with the security key: told which keys the account holds, it forgets its removed one too.
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    forgotten(page, authenticators)
    assert len(authenticators.credentials(usb)) == 1
