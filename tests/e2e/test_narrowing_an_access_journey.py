"""A patient narrows the kinésithérapeute's access on her phone, from the Accès page: the change starts from what
the kiné sees now, so that dropping one category never gives her every document instead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu, open_access_line

pytestmark = pytest.mark.e2e


def test_changing_an_access_starts_from_what_she_sees_now_and_narrows_it(page, seed, seed_professional, seed_grant):
    patient = seed()
    kine = seed_professional(feminine=True)
    seed_grant(patient, kine, categories="compte_rendu,ordonnance", duration="3m")
    log_in(page, patient)
    menu(page, "Accès").click()

    # The change is an action of her line, beside "Retirer l'accès", not only her name repeated as a link.
    open_access_line(page, kine.name)
    page.get_by_role("link", name=f"Changer l'accès de {kine.name}").click()
    expect(page.get_by_role("heading", name="Changer son accès")).to_be_visible()
    assert_fits_phone(page)

    # What she sees now is what is ticked: her two categories, said of her.
    scope = page.get_by_role("group", name="Ce que cette professionnelle pourra voir")
    expect(scope.get_by_label("Seulement certaines catégories")).to_be_checked()
    expect(scope.get_by_label("Tous les documents")).not_to_be_checked()
    categories = scope.get_by_role("group", name="Catégories")
    expect(categories.get_by_label("Compte rendu", exact=True)).to_be_checked()
    expect(categories.get_by_label("Ordonnance", exact=True)).to_be_checked()
    expect(categories.get_by_role("checkbox", checked=True)).to_have_count(2)
    expect(scope).to_contain_text("Les documents et les soins masqués restent invisibles pour cette professionnelle.")

    # One category dropped, her access's end kept as it comes chosen (narrowing it does not lengthen it): she sees
    # the prescriptions alone, until the same day.
    categories.get_by_label("Compte rendu", exact=True).uncheck()
    expect(page.get_by_role("radio", name=re.compile(r"^Jusqu'au .*, comme maintenant$"))).to_be_checked()
    page.get_by_role("button", name=f"Changer l'accès de {kine.name}").click()
    expect(page.get_by_role("status")).to_contain_text("L'accès est changé.")
    open_access_line(page, kine.name)
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text(
        "Les documents de la catégorie Ordonnance, sauf ceux qui sont masqués")


def test_her_page_leads_to_what_she_did_in_the_historique_and_nothing_else(
    page, seed, seed_professional, seed_grant, seed_reads,
):
    patient = seed()
    kine = seed_professional(feminine=True)
    doctor = seed_professional(given_name="Marc", family_name="Girard", profession="radiologue")
    seed_grant(patient, kine, categories="compte_rendu,ordonnance", duration="3m")
    seed_grant(patient, doctor)
    seed_reads(patient, kine, reads=2)
    log_in(page, patient)
    menu(page, "Accès").click()
    open_access_line(page, kine.name)
    page.get_by_role("link", name=kine.name, exact=True).click()

    page.get_by_role("link", name="Voir ce qu'elle a consulté et ajouté").click()
    expect(page.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
    events = page.locator("#log-results li .log-text")
    expect(events.filter(has_text=re.compile(f"^{kine.name}, .* a consulté votre dossier"))).to_have_count(2)
    expect(events.filter(has_text=doctor.name)).to_have_count(0)
    assert_fits_phone(page)
