"""An outside accessibility audit (outside, by role and keyboard): what a screen reader hears after a filter or a search that replaces a list,
what a hint says to the field it is about, and the full-screen page's title at 200 % zoom on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import log_in, menu, page_ready
from tests.e2e.test_care_journey import import_feed

pytestmark = pytest.mark.e2e

MONEY = r"[\d,]+\u00a0€"


def test_a_care_filter_says_what_it_found_in_a_status_outside_the_list(page: Page, server, seed, tmp_path):
    patient = seed()
    day = paris_today() - timedelta(days=20)
    import_feed(server, tmp_path, [
        f"{patient.ins};H5-{patient.ins}-1;{day};{day + timedelta(days=3)};NGAP;G;"
        "Consultation médecin généraliste;Dr Claire Bernard;;;1;30,00;30,00;19,00",
        f"{patient.ins};H5-{patient.ins}-2;{day};{day + timedelta(days=3)};CIP13;3400930000014;"
        "Pharmacie : contraceptif oral;Pharmacie de la Croix-Rousse;;Dr Claire Bernard;3;8,73;8,73;5,67",
    ])
    log_in(page, patient)
    menu(page, "Soins").click()
    results = page.locator("#care-results")
    expect(results).not_to_have_attribute("aria-live", re.compile(".*"))
    page_ready(page)  # the filter is htmx's, on a page the menu's link may have loaded whole

    kind = page.get_by_label("Type de soins")
    kind.focus()  # as a keyboard user who arrived on it
    kind.select_option(label="Médicaments")
    expect(page.get_by_text("Consultation médecin généraliste")).to_have_count(0)
    status = page.get_by_role("status").filter(has_text="Soins 1")
    expect(status).to_have_text(re.compile(rf"^Soins 1 · Payé 8,73\u00a0€ · remboursé 5,67\u00a0€$"))
    expect(kind).to_be_focused()  # the focus stays where the person chose

    kind.select_option(label="Tous les soins")
    expect(page.get_by_role("status").filter(has_text="Soins 2")).to_have_text(
        re.compile(rf"^Soins 2 · Payé {MONEY} · remboursé {MONEY}$"))


def test_a_directory_search_says_how_many_were_found_and_its_list_is_no_live_region(
        page: Page, seed, seed_professional, console):
    patient = seed()
    seed_professional(given_name="Odile", family_name="Quenneville", profession="médecin", city="Rennes")
    console.allow("status of 400")  # the refused one-letter search, on purpose
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/annuaire")
    results = page.locator("#directory-results")
    expect(results).not_to_have_attribute("aria-live", re.compile(".*"))

    field = page.get_by_role("searchbox", name="Chercher un professionnel dans l'annuaire")
    field.fill("Quenneville")
    expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("1 professionnel trouvé")
    expect(results.get_by_role("link", name=re.compile("Odile Quenneville"))).to_be_visible()
    expect(field).to_be_focused()

    field.fill("Zzyzx")
    expect(page.get_by_role("status").filter(has_text="Aucun")).to_have_text(
        "Aucun professionnel ne correspond à «\u00a0Zzyzx\u00a0».")

    field.fill("Q")  # refused: said by its alert, and the status no longer says the last count
    expect(results.get_by_role("alert")).to_contain_text("Saisissez au moins deux lettres")
    expect(page.get_by_role("status").filter(has_text="Aucun")).to_have_count(0)


def test_the_full_screen_pages_title_is_whole_at_200_percent_zoom_on_a_phone(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    page.get_by_role("searchbox", name="Rechercher dans les documents").fill("IRM du genou")
    page.get_by_role("link", name=re.compile("IRM du genou droit")).first.click()
    page.get_by_role("link", name=re.compile("^Page 1 sur")).click()
    expect(page).to_have_url(re.compile(r"/pages/1/plein-ecran$"))
    page.set_viewport_size({"width": 195, "height": 422})  # a 390 px phone at 200 %
    title = page.get_by_role("heading", name="IRM du genou droit", level=1)
    expect(title).to_be_visible()
    assert title.evaluate("h => h.scrollWidth <= h.clientWidth"), "the title is cut"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 195


def test_hints_describe_the_fields_they_are_about(page: Page, seed):
    patient = seed()
    # The passkey's name, on the activation's second step.
    page.goto("/activer")
    page.get_by_label("Code d'activation").fill(patient.code)
    page.get_by_label("Date de naissance").fill(patient.birth_date.isoformat())
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_label("Nom de cette clé")).to_have_accessible_description(
        "Pour la reconnaître plus tard, par exemple «\u00a0Téléphone personnel\u00a0» ou «\u00a0Ordinateur de la maison\u00a0».")
    page.get_by_role("button", name="Créer ma clé d'accès").click()
    page.get_by_role("link", name="J'ai noté mes codes, accéder à mon dossier").click()
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()

    # What a SMART Health Link shows: each choice says what it holds.
    page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
    expect(page.get_by_role("radio", name="Carte d'urgence")).to_have_accessible_description(
        "Allergies, traitements en cours, antécédents, grossesse en cours, personnes à prévenir.")
    expect(page.get_by_role("radio", name="Synthèse médicale")).to_have_accessible_description(
        re.compile(r"^Tout le profil médical : aussi les vaccinations"))
