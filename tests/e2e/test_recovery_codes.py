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
