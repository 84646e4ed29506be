"""A mother gives access to the sage-femme who kept a consultation from her (CSP L1111-5), not knowing it: her
decision is hers, beside her daughter's, and neither page contradicts itself (caregivers/confidential.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import assert_fits_phone, held_dossier, log_in, menu

pytestmark = pytest.mark.e2e


def give_access(page, dossier_id: str, professional_id: str, *, category: str | None, duration: str) -> None:
    page.goto(f"/dossiers/{dossier_id}/professionnels/{professional_id}")
    if category:
        page.get_by_label("Seulement certaines catégories").check()
        page.get_by_label(category, exact=True).check()
    page.get_by_label(duration, exact=True).check()
    page.get_by_role("button", name=re.compile("^Donner accès à")).click()
    expect(page.get_by_text("L'accès a été accordé.")).to_be_visible()
    # Said once: the address no longer says it, and a reload does not say it again.
    expect(page).to_have_url(re.compile(r"/acces$"))
    page.reload()
    expect(page.get_by_text("L'accès a été accordé.")).to_have_count(0)


def test_a_mothers_grant_to_the_professional_who_kept_care_from_her_stands_beside_her_daughters(
    page, another_phone, seed_person, seed_minor_with_parent,
):
    today = paris_today()
    mother = seed_person(given_name="Sophie", family_name="Lambert", birth_date=years_before(today, 44),
                         sex="F", documents=[])
    ines = seed_minor_with_parent(
        mother, given_name="Inès", family_name="Lambert", birth_date=years_before(today, 16), sex="F",
        documents=[(today - timedelta(days=30), "biologie", "Bilan sanguin"),
                   (today - timedelta(days=40), "compte_rendu", "Consultation de contraception")],
        kept_from_parents=("Consultation de contraception",))
    young = another_phone.page

    # Inès gives her sage-femme access to everything, for a year.
    log_in(young, ines)
    give_access(young, ines.dossier_id, ines.kept_by, category=None, duration="1 an")

    # Her mother, not knowing, gives the same sage-femme her blood tests for a month: her Accès page says so,
    # and nothing of her daughter's grant.
    log_in(page, mother)
    menu(page, "Mes dossiers").click()
    held_dossier(page, ines.name).click()
    give_access(page, ines.dossier_id, ines.kept_by, category="Biologie", duration="1 mois")
    expect(page.get_by_text("1 professionnel peut voir ce dossier, grâce à un accès accordé.")).to_be_visible()
    page.get_by_text("Aurélie Garnier").first.click()
    expect(page.get_by_text(re.compile("Les documents de la catégorie Biologie"))).to_be_visible()
    expect(page.get_by_text("Tous les documents")).to_have_count(0)
    expect(page.get_by_text("contraception")).to_have_count(0)
    assert_fits_phone(page)

    # Inès: her own grant still holds, her mother's beside it.
    young.goto(f"/dossiers/{ines.dossier_id}/acces")
    young.get_by_text("Aurélie Garnier").first.click()
    expect(young.get_by_text(re.compile("Tous les documents, sauf ceux qui sont masqués"))).to_be_visible()
    expect(young.get_by_text(re.compile("Un de vos parents lui a aussi donné accès : Biologie"))).to_be_visible()
    assert_fits_phone(young)
