"""The recovery codes on a 360 px phone: each code whole on one line, and kept by a file, a copy or a print."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import activate, assert_fits_phone

pytestmark = pytest.mark.e2e

CODE = re.compile(r"^[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}$")


def test_no_recovery_code_wraps_and_the_download_holds_them_all(page, seed):
    patient = seed()
    activate(page, patient)
    codes = page.get_by_role("list", name="Codes de secours").locator("code")
    expect(codes).to_have_count(10)
    shown = codes.all_inner_texts()
    assert all(CODE.match(code) for code in shown), shown
    # One line each: the element is no taller than its own line height, and no wider than the screen.
    heights = codes.evaluate_all(
        "els => els.map(el => [el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).lineHeight)"
        " || parseFloat(getComputedStyle(el).fontSize) * 1.5, el.getClientRects().length])")
    for height, line, boxes in heights:
        assert boxes == 1 and height <= line + 1, f"a code wraps: {height} px for a {line} px line"
    assert_fits_phone(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger (fichier texte)").click()
    assert download.value.suggested_filename == "carnet-codes-de-secours.txt"
    with open(download.value.path(), encoding="utf-8") as file:
        saved = file.read()
    assert all(code in saved.splitlines() for code in shown)
    expect(page.get_by_role("status").filter(has_text="carnet-codes-de-secours.txt")).to_be_visible()

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copier les codes").click()
    expect(page.get_by_role("status").filter(has_text="Les codes sont copiés")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()").split("\n") == shown
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()


def test_new_codes_asked_from_my_keys_come_with_the_same_means_to_keep_them_and_are_in_the_historique(page, seed):
    """"Générer de nouveaux codes" is a whole page (htmx runs no script of a page it swaps in): copy, file and print
    are there as at activation. A new set opens the account as a new key would, so the Historique says so."""
    patient = seed()
    activate(page, patient)
    page.get_by_role("link", name=re.compile("J'ai noté mes codes")).click()
    page.goto("/cles")
    page.once("dialog", lambda dialog: dialog.accept())  # "Générer de nouveaux codes ? Les anciens ne fonctionneront plus."
    page.get_by_role("button", name="Générer de nouveaux codes").click()
    expect(page.get_by_role("list", name="Codes de secours").locator("code")).to_have_count(10)
    for label in ("Copier les codes", "Télécharger (fichier texte)", "Imprimer"):
        expect(page.get_by_role("button", name=label)).to_be_visible()
    page.goto("/historique")
    expect(page.get_by_text(re.compile(r"Vous avez généré de nouveaux codes de secours .+ \(les anciens ne "
                                       r"fonctionnent plus\)"))).to_be_visible()
