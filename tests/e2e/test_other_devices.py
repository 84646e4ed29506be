"""A patient logged in on a phone she lost logs it out from another device: "Déconnecter les autres appareils"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, menu

pytestmark = pytest.mark.e2e

# What this phone's browser answers push.js once subscribed. Playwright's incognito Chromium has no Push API (see
# test_push.py): its PushManager is given the answer a subscribed browser gives, the subscription's endpoint.
THIS_PHONE = "https://push.example.net/telephone-de-camille"
SUBSCRIBED_HERE = f"""PushManager.prototype.getSubscription = function () {{
  return Promise.resolve({{endpoint: "{THIS_PHONE}"}});
}};"""


def test_a_patient_logs_out_her_other_devices_from_my_keys(page, authenticators, another_phone, seed):
    patient = seed()
    page.add_init_script(SUBSCRIBED_HERE)
    log_in(page, patient)
    # Her passkey is synced to her old phone (as a password manager's passkeys are), which logs in with it.
    old_phone = another_phone.page
    [credential] = authenticators.credentials()
    another_phone.authenticators.cdp.send("WebAuthn.addCredential", {
        "authenticatorId": another_phone.authenticators.first, "credential": credential})
    old_phone.goto("/connexion")
    old_phone.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(old_phone.get_by_role("heading", name="Mon dossier")).to_be_visible()

    menu(page, "Mes clés d'accès").click()
    expect(page.get_by_text("Votre compte est ouvert sur cet appareil et sur 1 autre.")).to_be_visible()
    # The form names this phone's notifications, which stay; the old phone's stop, though it holds the same key
    # (what the server does with it: tests/test_lost_device_push.py).
    expect(page.locator("input[name=appareil]")).to_have_value(THIS_PHONE)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Déconnecter les autres appareils").click()
    expect(page.get_by_role("status").filter(has_text="Vos autres appareils sont déconnectés")).to_be_visible()
    expect(page.get_by_text("Votre compte n'est ouvert que sur cet appareil.")).to_be_visible()

    # The old phone's next page asks for a passkey; this phone reads on.
    old_phone.reload()
    expect(old_phone.get_by_role("heading", name="Connexion")).to_be_visible()
    page.goto(f"/dossiers/{patient.dossier_id}")
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
