"""The patient's Historique says which of her passkeys did each of her own actions, by the name she gave it: with a
phone and a computer, she tells what each device did (a lost or lent one's actions from hers). An outside probe's
find: "Vous avez masqué…" and "Vous avez retiré l'accès…" read the same from any of her devices."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in_by_activation, menu, open_access_line, page_ready

pytestmark = pytest.mark.e2e

HIDDEN = "Bilan lipidique"


def test_each_of_her_own_actions_names_the_key_she_acted_with(page, authenticators, computer, seed,
                                                              seed_professional, seed_grant):
    patient, kine = seed(), seed_professional()
    seed_grant(patient, kine)
    log_in_by_activation(page, patient)  # her phone's passkey, "Mon téléphone": its Historique line is read below

    # A second key, "Ordinateur", made from her phone (as a security key would be), then used on her computer.
    menu(page, "Mes clés d'accès").click()
    usb = authenticators.add(transport="usb")
    authenticators.answers(authenticators.first, False)
    page.get_by_label("Nom de la nouvelle clé").fill("Ordinateur")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(page.get_by_role("list", name="Clés d'accès").get_by_role("listitem")).to_have_count(2)
    [credential] = authenticators.credentials(usb)
    computer.authenticators.cdp.send("WebAuthn.addCredential", {
        "authenticatorId": computer.authenticators.first, "credential": credential})
    desk = computer.page
    desk.goto("/connexion")
    page_ready(desk)
    desk.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(desk.get_by_role("heading", name="Mon dossier")).to_be_visible()

    # From the computer, she takes back the kiné's access.
    menu(desk, "Accès").click()
    open_access_line(desk, kine.name)
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name=f"Retirer l'accès de {kine.name}").click()
    expect(desk.get_by_role("status")).to_contain_text("L'accès est retiré")

    # From the phone, she hides a document.
    menu(page, "Mon dossier").click()
    page.get_by_role("link", name=re.compile(HIDDEN)).first.click()
    page.get_by_role("button", name="Masquer aux professionnels").click()
    expect(page.get_by_role("button", name="Ne plus masquer")).to_be_visible()

    # Her Historique names the key of each.
    menu(page, "Historique").click()
    expect(page.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
    lines = page.locator(".log-lines").get_by_role("listitem")
    expect(lines.filter(has_text="Vous avez retiré l'accès")).to_contain_text(
        re.compile(r"à \d+\sh\s\d+, avec la clé d'accès «\sOrdinateur\s»\."))  # no-break spaces
    expect(lines.filter(has_text=f"Vous avez masqué « {HIDDEN} »")).to_contain_text(
        "avec la clé d'accès « Mon téléphone ».")
    # Which key added the new one; the first, made at activation, by none yet.
    expect(lines.filter(has_text="Vous avez ajouté une clé d'accès (« Ordinateur »)")).to_contain_text(
        "avec la clé d'accès « Mon téléphone ».")
    first_key = lines.filter(has_text="Vous avez ajouté une clé d'accès (« Mon téléphone »)")
    expect(first_key).to_have_count(1)
    expect(first_key).not_to_contain_text("avec la clé")

    # The computer's own Historique says the same: each event says its key, whichever device reads it.
    menu(desk, "Historique").click()
    expect(desk.locator(".log-lines").get_by_role("listitem").filter(
        has_text=f"Vous avez masqué « {HIDDEN} »")).to_contain_text("avec la clé d'accès « Mon téléphone ».")
