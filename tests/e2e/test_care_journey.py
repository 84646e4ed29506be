"""The insurer's feed reaches the patient (issue 11): a file loaded with `carnet import remboursements`
into the running server's database, then "Soins" in the menu, by month, with totals, a line hidden from
professionals and shown again, filtered."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import assert_fits_phone, log_in, menu, page_ready

pytestmark = pytest.mark.e2e

HEADER = ("ins;id_ligne;date_soins;date_traitement;nomenclature;code;libelle;executant;rpps_executant;prescripteur;"
          "quantite;depense;base;rembourse")


def import_feed(server, tmp_path, lines: list[str]) -> str:
    feed = tmp_path / "remboursements.csv"
    feed.write_text("\n".join([HEADER, *lines]) + "\n")
    env = {"CARNET_ENV": "test", "CARNET_DATA_DIR": str(server.data_dir), "DATABASE_URL": server.database_url,
           "PATH": "/usr/bin:/bin", "CARNET_SECRET": "e2e-import-secret-long-enough-for-carnet"}
    result = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "import", "remboursements",
                             str(feed)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_patient_finds_her_reimbursed_care_by_month_and_filters_it(page, server, seed, tmp_path):
    patient = seed()
    today = paris_today()
    consultation, medicine = today - timedelta(days=10), today - timedelta(days=45)
    report = import_feed(server, tmp_path, [
        f"{patient.ins};E2E-{patient.ins}-1;{consultation};{consultation + timedelta(days=3)};NGAP;G;"
        "Consultation médecin généraliste;Dr Claire Bernard;;;1;30,00;30,00;19,00",
        f"{patient.ins};E2E-{patient.ins}-2;{medicine};{medicine + timedelta(days=3)};CIP13;3400930000014;"
        "Pharmacie : contraceptif oral;Pharmacie de la Croix-Rousse;;Dr Claire Bernard;3;8,73;8,73;5,67",
    ])
    assert "2 ligne(s) ajoutée(s)" in report

    log_in(page, patient)
    menu(page, "Soins").click()
    expect(page.get_by_role("heading", name="Historique de soins")).to_be_visible()
    totals = page.get_by_label("Totaux")
    expect(totals).to_contain_text("38,73")  # paid, both lines
    expect(totals).to_contain_text("24,67")  # reimbursed
    # Exactly: each line's buttons name it too, to a screen reader.
    expect(page.get_by_text("Consultation médecin généraliste", exact=True)).to_be_visible()
    assert_fits_phone(page)
    assert patient.ins not in page.url

    # She hides a line from professionals and finds it marked, then shows it again.
    hide = re.compile("^Masquer aux professionnels : Consultation médecin généraliste")
    page.get_by_role("button", name=hide).click()
    expect(page.get_by_role("status").filter(has_text="Ce soin est masqué aux professionnels")).to_be_visible()
    line = page.get_by_role("listitem").filter(has_text="Consultation médecin généraliste")
    expect(line.get_by_text("Masqué aux professionnels", exact=True)).to_be_visible()
    line.get_by_role("button", name=re.compile("^Ne plus masquer : Consultation médecin généraliste")).click()
    expect(page.get_by_role("status").filter(has_text="Ce soin n'est plus masqué.")).to_be_visible()
    expect(line.get_by_text("Masqué aux professionnels", exact=True)).to_have_count(0)

    # The button's form was sent without htmx: the filter's change is htmx's once the new page's deferred scripts
    # ran, which its status being shown does not wait for.
    page_ready(page)
    page.get_by_label("Type de soins").select_option(label="Médicaments")
    expect(page.get_by_text("Consultation médecin généraliste", exact=True)).to_have_count(0)
    expect(page.get_by_text("Pharmacie : contraceptif oral", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"type=medicaments"))


def test_a_large_total_is_never_cut_inside_its_amount_on_a_phone(page, server, seed, tmp_path):
    patient = seed()
    day = paris_today() - timedelta(days=20)
    import_feed(server, tmp_path, [
        f"{patient.ins};E2E-{patient.ins}-hanche;{day};{day + timedelta(days=3)};LPP;3161541;"
        "Prothèse totale de hanche;Clinique du Parc;;;1;123456,78;123456,78;98765,43"])
    log_in(page, patient)
    menu(page, "Soins").click()
    amounts = page.get_by_label("Totaux").locator("dd")
    expect(page.get_by_label("Totaux")).to_contain_text("98")
    for amount in amounts.all():  # one line each: "123 456,7" above "8 €" was a cut amount
        lines = amount.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                                "return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size }")
        assert lines == 1, amount.text_content()
    assert_fits_phone(page)
