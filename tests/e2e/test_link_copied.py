"""A health link is copied, or shared, from buttons: an outside probe (a patient of 78 on a phone) had a long
read-only field alone, and had to long-press and find "Tout sélectionner"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, menu

pytestmark = pytest.mark.e2e


def test_the_link_is_copied_with_a_button_and_said_so(page, seed):
    patient = seed()
    log_in(page, patient)
    page.goto("/")
    menu(page, "Accès").click()
    page.get_by_role("link", name="Liens de partage").click()
    page.get_by_label("Carte d'urgence").check()
    page.get_by_label("Nom du lien (facultatif)").fill("Voyage")
    page.get_by_label("7 jours").check()
    page.get_by_role("button", name="Créer le lien").click()
    address = page.get_by_label("Lien à copier").input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copier le lien").click()
    expect(page.get_by_role("status").filter(has_text="Le lien est copié : collez-le dans un message.")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == address
    # The phone's own sharing sheet, where there is one (not in this desktop Chromium): never a dead button.
    has_share = page.evaluate("() => typeof navigator.share === 'function'")
    expect(page.get_by_role("button", name="Partager le lien")).to_have_count(1 if has_share else 0)
