"""What ameli shows of reimbursed care, on Carnet's Soins page, on a 390 px phone (an outside probe's finds): what
remains hers to pay after the Assurance Maladie, by line and in total, said honestly; the day each line was
reimbursed; a calendar year among the periods; the lines her filters keep as a file, and on paper."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import log_in, menu, page_ready
from tests.e2e.test_care_journey import import_feed

pytestmark = pytest.mark.e2e

SCREEN = {"width": 390, "height": 844}


def assert_fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SCREEN["width"], f"{page.url} scrolls sideways: {width} px wide on a {SCREEN['width']} px screen"


def test_the_patient_sees_what_remains_hers_chooses_a_year_downloads_and_prints_it(page, server, seed, tmp_path):
    patient = seed()
    today = paris_today()
    this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 6, 15)
    processed = date(today.year - 1, 6, 19)
    import_feed(server, tmp_path, [
        f"{patient.ins};E2E-{patient.ins}-1;{this_year};{this_year};NGAP;G;"
        "Consultation médecin généraliste;Dr Claire Bernard;;;1;30,00;30,00;19,00",
        f"{patient.ins};E2E-{patient.ins}-2;{last_year};{processed};CCAM;DEQP003;"
        "Électrocardiogramme;Dr Paul Lefèvre;;;1;1234,56;1234,56;1000,00",
    ])
    page.set_viewport_size(SCREEN)
    log_in(page, patient)
    menu(page, "Soins").click()
    expect(page.get_by_role("heading", name="Historique de soins")).to_be_visible()

    # What remains hers, in total and by line, said as what the Assurance Maladie left (a mutuelle may pay some).
    totals = page.get_by_label("Totaux")
    expect(totals.locator("div").filter(has_text="Reste à charge")).to_contain_text("245,56\u00a0€")
    expect(totals).to_have_accessible_description(re.compile("complémentaire santé a pu en rembourser une partie"))
    ecg = page.get_by_role("listitem").filter(has_text="Électrocardiogramme")
    expect(ecg).to_contain_text("reste à charge 234,56\u00a0€")
    expect(ecg).to_contain_text(f"Remboursement traité le 19\u00a0juin {last_year.year}")
    assert_fits(page)

    # Last year alone, chosen in the same form, and said in the address.
    page_ready(page)
    page.get_by_label("Période").select_option(label=f"Année {last_year.year}")
    expect(page.get_by_text("Consultation médecin généraliste", exact=True)).to_have_count(0)
    expect(ecg).to_be_visible()
    expect(page).to_have_url(re.compile(rf"periode={last_year.year}"))
    expect(page.get_by_text(f"au 31\u00a0décembre {last_year.year}.")).to_be_visible()

    # Those lines as a file, named without a word of care, but with the year it holds: the mutuelle's file and the
    # tax return's, made the same day, are told apart.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger ces soins (CSV)").click()
    assert re.fullmatch(rf"carnet-soins-[a-z-]+-annee-{last_year.year}-\d{{4}}-\d{{2}}-\d{{2}}\.csv",
                        download.value.suggested_filename)
    with open(download.value.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert [(row["libellé"], row["reste à charge après l'Assurance Maladie (€)"]) for row in rows] == [
        ("Électrocardiogramme", "234,56")]

    # On paper: the page itself, without its form and buttons, saying what its filters keep.
    page.emulate_media(media="print")
    expect(page.get_by_role("search", name="Filtrer les soins")).to_be_hidden()
    expect(page.get_by_role("link", name="Télécharger ces soins (CSV)")).to_be_hidden()
    expect(page.get_by_text(f"Tous les soins · Année {last_year.year}")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.get_by_text(f"Tous les soins · Année {last_year.year}")).to_be_hidden()

    # And its printed page, whose button prints, and leads back to the page as filtered.
    page.get_by_role("link", name="Imprimer").click()
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    expect(page.get_by_text(f"Tous les soins · Année {last_year.year}")).to_be_visible()
    expect(ecg).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Masquer aux professionnels"))).to_have_count(0)
    assert_fits(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    expect(ecg).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Retour aux soins").click()
    expect(page).to_have_url(re.compile(rf"/soins\?periode={last_year.year}$"))
    expect(page.get_by_label("Période")).to_have_value(str(last_year.year))
