"""Inès, 16, sees a sage-femme alone (CSP L1111-5): she keeps the share code from her parents as she makes it, and her
mother, on her own phone, is told nothing of the visit, neither the sage-femme's opening of the dossier nor the code
(caregivers/confidential.py). An outside probe's find: the opening was on the mother's banner before the sage-femme
could mark anything confidential."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import assert_fits_phone, held_dossier, log_in, log_in_professional, menu

pytestmark = pytest.mark.e2e


def test_a_minor_keeps_the_sage_femme_she_sees_alone_from_her_mother(
    page, another_phone, computer, seed_person, seed_minor_with_parent, seed_professional,
):
    today = paris_today()
    mother = seed_person(given_name="Sophie", family_name="Lambert", birth_date=years_before(today, 44),
                         sex="F", documents=[])
    ines = seed_minor_with_parent(
        mother, given_name="Inès", family_name="Lambert", birth_date=years_before(today, 16), sex="F",
        documents=[(today - timedelta(days=30), "vaccination", "Vaccin HPV")], kept_from_parents=())
    midwife = seed_professional(given_name="Aurélie", family_name="Garnier", profession="sage-femme", feminine=True)
    young, desk = another_phone.page, computer.page

    # Inès makes a code for the sage-femme, and keeps it from her parents.
    log_in(young, ines)
    menu(young, "Accès").click()
    young.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    young.get_by_label("Tous les documents").check()
    young.get_by_label("1 mois", exact=True).check()
    young.get_by_label("Ne pas montrer ce partage à mes parents").check()
    assert_fits_phone(young)
    young.get_by_role("button", name="Afficher le code de partage").click()
    expect(young.get_by_text("Ce partage est caché à vos parents.")).to_be_visible()
    code = young.locator("p.code").inner_text().strip()

    # The sage-femme opens the dossier with it; what she writes starts kept from the parents.
    log_in_professional(desk, midwife)
    desk.get_by_role("link", name="Saisir un code de partage").click()
    desk.get_by_label("Code de partage").fill(code)
    desk.get_by_role("button", name="Ouvrir le dossier").click()
    expect(desk).to_have_url(re.compile(rf"/dossiers/{ines.dossier_id}$"))
    desk.goto(f"/dossiers/{ines.dossier_id}/documents/nouvelle-note")
    expect(desk.get_by_label("Ne pas montrer aux parents")).to_be_checked()
    expect(young.get_by_text(f"Code utilisé par {midwife.name}")).to_be_visible()

    # Her mother: no new access on the banner, nothing of the code or of the sage-femme in the Historique.
    log_in(page, mother)
    menu(page, "Mes dossiers").click()
    held_dossier(page, ines.name).click()
    expect(page.locator(".timeline .doc-title")).to_have_text(["Vaccin HPV"])
    expect(page.get_by_text(midwife.name)).to_have_count(0)
    page.goto(f"/dossiers/{ines.dossier_id}/historique")
    expect(page.get_by_role("heading", name=re.compile("^Historique"))).to_be_visible()
    expect(page.get_by_text(midwife.name)).to_have_count(0)
    expect(page.get_by_text("code de partage")).to_have_count(0)
    assert_fits_phone(page)
