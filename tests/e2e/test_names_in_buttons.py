"""A button or a button-like link that names a person is named as it reads: "Déconnecter tous les appareils d'Hugo",
never "… d' Hugo" (an outside tester's find: a voice-control user who says the visible label missed it, and so did
get_by_role). The name's own span (templating.person), a flex item of its own or `display: contents` in a flex
button, made Chromium's accessibility tree put a space between it and the words it touches; in English too,
"Hugo 's"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import log_in, page_ready

pytestmark = pytest.mark.e2e


def test_the_buttons_that_name_hugo_are_named_as_they_read(page, server, seed_person, seed_relative):
    today = paris_today()
    hugo = seed_person(given_name="Hugo", family_name="Lefèvre", sex="M", birth_date=years_before(today, 78),
                       documents=[(today - timedelta(days=3), "ordonnance", "Ordonnance de cardiologie")])
    camille = seed_person(given_name="Camille", family_name="Lefèvre", sex="F", birth_date=years_before(today, 49),
                          documents=[])
    seed_relative(hugo, camille, level="gestion")
    log_in(page, camille)

    page.goto(f"/dossiers/{hugo.dossier_id}/proches")
    page_ready(page)
    link = page.get_by_role("link", name="Déconnecter tous les appareils d'Hugo", exact=True)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{hugo.dossier_id}/appareils/deconnexion$"))
    expect(page.get_by_role("button", name="Déconnecter tous les appareils d'Hugo", exact=True)).to_be_visible()

    # In English, the name and its "'s" are one word too.
    page.get_by_role("contentinfo").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out all of Hugo's devices", exact=True)).to_be_visible()
    page.get_by_role("contentinfo").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
