"""The patient's Historique (issue 5): the kinésithérapeute's reads, new until seen, filtered, exported."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, log_in_professional, menu, open_filters, page_ready

pytestmark = pytest.mark.e2e

OPENED = ["IRM du genou droit", "Bilan lipidique"]


def test_the_kine_s_reads_are_in_the_historique_new_until_seen_filtered_and_exported(
    page, computer, seed, seed_professional, seed_grant,
):
    patient, kine = seed(), seed_professional()
    desk = computer.page
    log_in(page, patient)
    seed_grant(patient, kine)  # as from the Accès page; the share code itself is test_sharing_journey's

    # The kiné opens the dossier and a document, goes back to the dossier, opens another one.
    log_in_professional(desk, kine)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    expect(desk.get_by_text(re.compile("Accès accordé par la patiente"))).to_be_visible()
    desk.get_by_role("link", name=re.compile(OPENED[0])).click()
    expect(desk.get_by_role("heading", name=OPENED[0])).to_be_visible()
    desk.get_by_role("link", name="← Retour au dossier").click()
    desk.get_by_role("link", name=re.compile(OPENED[1])).click()
    expect(desk.get_by_role("heading", name=OPENED[1])).to_be_visible()
    reads = 4  # the dossier twice, each document once

    # The patient's timeline says how many events are new; the Historique marks them.
    menu(page, "Mon dossier").click()
    expect(page.get_by_role("link", name=f"Historique : {reads} nouveaux événements")).to_be_visible()
    menu(page, "Historique").click()
    expect(page.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
    expect(page.get_by_text(f"{reads} nouveaux événements")).to_be_visible()
    assert_fits_phone(page)
    for title in OPENED:
        line = page.get_by_role("listitem").filter(has_text=f"« {title} »")
        expect(line).to_contain_text(f"{kine.name}, {kine.profession}, a consulté « {title} »")
        expect(line.get_by_text("Nouveau", exact=True)).to_be_visible()
        # Heard as it reads: "Nouveau : Mme …", not "Nouveau point".
        expect(line).to_contain_text(f"Nouveau : {kine.name}, {kine.profession}")

    # After this visit they are no longer new.
    page.reload()
    for title in OPENED:
        line = page.get_by_role("listitem").filter(has_text=f"« {title} »")
        expect(line).to_contain_text(f"{kine.name}, {kine.profession}, a consulté « {title} »")
        expect(line.get_by_text("Nouveau", exact=True)).to_have_count(0)
    expect(page.get_by_text("nouveaux événements")).to_have_count(0)

    # Filtering by professional swaps the lines in place; the address follows, with no name in it.
    everything_url = page.url
    page.evaluate("() => { window.samePage = true; }")
    open_filters(page)  # folded, so that on a phone the first event is on the first screen
    page.get_by_label("Qui", exact=True).select_option(label=f"{kine.name}, {kine.profession}")
    expect(page).to_have_url(re.compile(r"[?&]professionnel=[0-9a-f]{32}(&|$)"))
    assert kine.family_name not in page.url and "Fontaine" not in page.url and kine.rpps not in page.url
    lines = page.locator(".log-lines").get_by_role("listitem")
    expect(lines).to_have_count(reads + 1)  # and the patient's grant to them, the oldest
    for n in range(reads):
        expect(lines.nth(n)).to_contain_text(f"{kine.name}, {kine.profession}, a consulté")
    expect(lines.nth(reads)).to_contain_text("Vous avez donné accès")
    assert page.evaluate("() => window.samePage === true"), "the page reloaded"
    assert_fits_phone(page)

    page.reload()
    chosen = page.get_by_label("Qui", exact=True)
    expect(chosen.locator("option:checked")).to_have_text(f"{kine.name}, {kine.profession}")
    expect(lines).to_have_count(reads + 1)
    page.go_back()
    expect(page).to_have_url(everything_url)
    # Back is htmx's history, which reloads the page (it keeps none): the list is the whole one once that is done, not
    # while the filtered page still shows under the address already changed (Forward then raced the reload).
    expect(chosen.locator("option:checked")).to_have_text("Tout le monde")
    expect(page.get_by_role("listitem").filter(has_text="Vous avez donné accès")).to_have_count(1)
    page.go_forward()
    expect(lines).to_have_count(reads + 1)
    # Forward too reloads the page: the export link is the reloaded page's once its filter shows the choice again (a
    # clean run clicked the link of the page the reload then replaced, and no download came).
    expect(chosen.locator("option:checked")).to_have_text(f"{kine.name}, {kine.profession}")
    page_ready(page)
    # And nothing still loading (the page's proofs, checked after each load): in a loaded full run (2026-12-07) the click
    # came while they were still being fetched, and no download came.
    page.wait_for_load_state("networkidle")

    # The export holds both lines, as the filter chose them.
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(io.StringIO(file.read()), delimiter=";"))
    assert {row["qui"] for row in rows} - {kine.name} == {"Camille Martin"}  # their reads, and her grant to them
    opened = [row for row in rows if row["action"] == "Consultation d'un document"]
    assert sorted(row["document"] for row in opened) == sorted(OPENED)
    assert all(row["profession"] == kine.profession and row["RPPS"] == kine.rpps for row in opened)

    # Her own actions alone: "Vous", in the same filter, named in the address by a token too.
    page.get_by_label("Qui", exact=True).select_option(label="Vous")
    expect(page.get_by_role("listitem").filter(has_text="a consulté")).to_have_count(0)
    expect(lines.filter(has_text="Vous avez donné accès")).to_have_count(1)
    expect(lines.first).to_contain_text("Vous ")
    expect(page).to_have_url(re.compile(r"[?&]professionnel=[0-9a-f]{32}(&|$)"))
    assert "Camille" not in page.url and "Vous" not in page.url
