"""A visitor on her phone finds "Vos données et vos droits" at the foot of the landing page, reads who holds her data
and her rights, and each right leads on to where she exercises it (GDPR art. 13; an outside DPO audit's finding)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_visitor_reaches_her_rights_from_the_landing_pages_footer(page):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Vos données et vos droits").click()
    expect(page.get_by_role("heading", level=1, name="Vos données et vos droits")).to_be_visible()
    for heading in ("Qui est responsable de vos données", "Combien de temps Carnet les garde",
                    "Vos droits, et où les exercer", "Réclamation auprès de la CNIL"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    # The e2e server runs as a test site: no controller is configured, and the page says so.
    expect(page.get_by_text("Installation de démonstration ou de test")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # nothing sideways
    page.get_by_role("link", name="Télécharger une copie de mon dossier").click()
    expect(page).to_have_url(re.compile(r"/connexion"))  # her copy, once she has logged in
