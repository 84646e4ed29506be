"""The Accès page on a 360 × 740 phone (issue 13, point 4): a summary first, then one line per person that opens
to its details and actions; closed, the whole page fits in about two screens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu, open_access_line

pytestmark = pytest.mark.e2e

PHONE_SCREEN = {"width": 360, "height": 740}


def test_the_access_page_leads_with_a_summary_and_fits_two_screens_with_its_lines_closed(
    page, seed, seed_professional, seed_grant,
):
    page.set_viewport_size(PHONE_SCREEN)
    patient = seed()
    people = [
        seed_professional(given_name="Julie", family_name="Moreau"),
        seed_professional(given_name="Luc", family_name="Petit", profession="infirmier"),
        seed_professional(given_name="Claire", family_name="Bernard", profession="médecin"),
        seed_professional(given_name="Anne", family_name="Roux", profession="pharmacien"),
    ]
    for person in people:
        seed_grant(patient, person, categories="imagerie" if person.family_name == "Moreau" else "")
    log_in(page, patient)
    menu(page, "Accès").click()

    summary = page.get_by_text(re.compile(r"^4 professionnels peuvent voir votre dossier"))
    expect(summary).to_be_visible()
    assert summary.bounding_box()["y"] + summary.bounding_box()["height"] <= PHONE_SCREEN["height"]
    share = page.get_by_role("link", name="Partager avec un nouveau professionnel")
    assert share.bounding_box()["y"] + share.bounding_box()["height"] <= PHONE_SCREEN["height"]

    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 2 * PHONE_SCREEN["height"], f"the Accès page is {height} px high with its lines closed"
    assert_fits_phone(page)

    # A line opens to what that person sees and to the actions, all the same width.
    kine = people[0]
    revoke = page.get_by_role("button", name=f"Révoquer l'accès de {kine.name}")
    expect(revoke).to_be_hidden()
    open_access_line(page, kine.name)
    expect(revoke).to_be_visible()
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text("Les documents de la catégorie Imagerie, sauf ceux qui sont masqués")
    block = page.get_by_role("button", name=f"Bloquer {kine.name}")
    see_as = page.get_by_role("link", name=f"Voir comme {kine.name}")
    widths = {round(action.bounding_box()["width"]) for action in (revoke, block, see_as)}
    assert len(widths) == 1, f"the actions are of different widths: {widths}"
    assert_fits_phone(page)
