"""Emergency access ("bris de glace"), reviewed by the patient at her next visit, then blocked (issue 4): the doctor is
told that his access ended."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import make_ins
from tests.e2e.steps import (
    assert_fits_phone, error_page, log_in, log_in_professional, menu, open_access_line, page_ready,
)

pytestmark = pytest.mark.e2e

REASON = "Patiente inconsciente aux urgences après une chute, recherche d'antécédents."
REFUSED = ("L'accès d'urgence n'est pas possible : soit le matricule INS ou la date de naissance saisis sont "
           "inexacts, soit la personne n'autorise pas l'accès d'urgence à son dossier. Vérifiez-les une fois ; "
           "s'ils sont exacts, inutile de réessayer.")


def ask_for_emergency_access(desk, *, ins: str, birth_date, reason: str = REASON) -> None:
    if urlsplit(desk.url).path != "/pro":  # the menu's link to the page one is on reloads it: a click meanwhile is lost
        menu(desk, "Mes patients").click()
    expect(desk.get_by_role("heading", name="Mes patients")).to_be_visible()
    desk.get_by_role("link", name="Accès d'urgence").click()
    expect(desk.get_by_role("heading", name="Accès d'urgence")).to_be_visible()
    desk.get_by_label("Matricule INS du patient").fill(ins)
    desk.get_by_label("Date de naissance du patient").fill(birth_date.isoformat())
    desk.get_by_label("Motif de l'urgence").fill(reason)
    desk.get_by_role("button", name="Ouvrir le dossier en urgence").click()


def test_an_emergency_access_is_reviewed_at_the_patient_s_next_visit_and_blocked(
    page, computer, console, seed, seed_professional,
):
    patient = seed()
    doctor = seed_professional(given_name="Paul", family_name="Girard", profession="médecin", city="Grenoble")
    desk = computer.page
    log_in(page, patient)
    log_in_professional(desk, doctor)

    # The emergency doctor opens the dossier with the patient's identity and a written reason.
    ask_for_emergency_access(desk, ins=patient.ins, birth_date=patient.birth_date)
    expect(desk).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    banner = desk.get_by_role("status").filter(has_text="Accès d'urgence")
    expect(banner).to_contain_text("Vous consultez ce dossier sans l'accord de la patiente")  # Camille, as she is
    expect(desk.get_by_text(f"{len(patient.titles)} documents")).to_be_visible()  # none hidden
    desk.get_by_role("link", name=re.compile("IRM du genou droit")).click()
    expect(desk.get_by_role("heading", name="IRM du genou droit")).to_be_visible()
    expect(desk.get_by_role("status").filter(has_text="Accès d'urgence")).to_be_visible()
    document_url = desk.url

    # At her next visit, the patient is asked to review it, and blocks him.
    menu(page, "Mon dossier").click()
    review = page.get_by_role("region", name="Accès d'urgence à vérifier")
    expect(review).to_contain_text("Dr Paul Girard, médecin, a ouvert votre dossier en urgence")
    expect(review).to_contain_text(f"« {REASON.rstrip('.')} ».")  # the reason's own full stop is not doubled
    assert_fits_phone(page)
    asked = []  # blocking is asked first, as on the professional's own page (it acted at once: a probe's find)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    review.get_by_role("button", name=re.compile("^Bloquer")).click()
    expect(page.get_by_role("status").filter(has_text="Ce professionnel est bloqué")).to_be_visible()
    expect(page.get_by_role("region", name="Accès d'urgence à vérifier")).to_have_count(0)
    assert asked and asked[0].startswith("Bloquer Dr Paul Girard ?")
    assert_fits_phone(page)
    menu(page, "Accès").click()
    open_access_line(page, "Dr Paul Girard")
    expect(page.get_by_role("region", name="Professionnels bloqués").get_by_role(
        "link", name="Dr Paul Girard", exact=True)).to_be_visible()
    assert_fits_phone(page)

    # The document he was reading, and its dossier, say that his access ended, as a grant's end does (not that it
    # does not exist, nor was perhaps deleted, nor that she blocked him), and "Mes patients" lists it among the
    # accesses ended, leading nowhere.
    console.allow("status of 403")
    desk.goto(document_url)
    assert error_page(desk)[0] == "Accès terminé"
    desk.goto(f"/dossiers/{patient.dossier_id}")
    assert error_page(desk) == ("Accès terminé", "Votre accès à ce dossier a pris fin. Pour le consulter de "
                                                 "nouveau, demandez à votre patient un nouveau code de partage. En "
                                                 "cas d'urgence, vous pouvez aussi demander un accès d'urgence, si "
                                                 "le patient l'autorise.")
    desk.get_by_role("link", name="Voir mes patients").click()
    ended = desk.get_by_role("region", name="Accès terminés")
    expect(ended).to_contain_text("MARTIN Camille")
    expect(ended).to_contain_text("accès terminé")
    expect(ended.get_by_role("link")).to_have_count(0)

    # A second emergency request is refused with the same words as for a patient who does not exist.
    console.allow("status of 403")
    ask_for_emergency_access(desk, ins=patient.ins, birth_date=patient.birth_date)
    refusal = desk.get_by_role("alert")
    expect(refusal).to_have_text(REFUSED)
    ask_for_emergency_access(desk, ins=make_ins("F", 1984, 3, 999), birth_date=patient.birth_date)
    expect(refusal).to_have_text(REFUSED)


def test_the_patient_ends_an_emergency_access_and_her_refusal_holds_after_she_allows_it_again(
    page, computer, console, seed, seed_professional,
):
    """A probe's finds: she could end an emergency access only by blocking the doctor or refusing every emergency, and
    allowing emergency access again brought a refused one back to life for the rest of its 24 hours."""
    patient = seed()
    doctor = seed_professional(given_name="Paul", family_name="Girard", profession="médecin", city="Grenoble")
    desk = computer.page
    log_in(page, patient)
    log_in_professional(desk, doctor)
    dossier = re.compile(rf"/dossiers/{patient.dossier_id}$")

    # Asking again while his access is open goes back to it: one access, one card for her to review.
    for _ in range(2):
        ask_for_emergency_access(desk, ins=patient.ins, birth_date=patient.birth_date)
        expect(desk).to_have_url(dossier)
    menu(page, "Mon dossier").click()
    review = page.get_by_role("region", name="Accès d'urgence à vérifier")
    expect(review.get_by_text(re.compile("a ouvert votre dossier en urgence"))).to_have_count(1)

    # His page in "Accès" says the access is open and until when, and she ends it there, without blocking him.
    menu(page, "Accès").click()
    open_access_line(page, "Dr Paul Girard")
    page.get_by_role("link", name="Dr Paul Girard", exact=True).first.click()
    expect(page.get_by_text(re.compile(r"^Accès d'urgence en cours : ouvert le .+, jusqu'au .+\.$"))).to_be_visible()
    expect(page.get_by_text("Peut ouvrir le dossier")).to_have_count(0)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Mettre fin à l'accès d'urgence de Dr Paul Girard").click()
    expect(page.get_by_role("status").filter(has_text="L'accès d'urgence a pris fin.")).to_be_visible()
    assert asked and asked[0].startswith("Mettre fin à l'accès d'urgence de Dr Paul Girard ?")
    assert_fits_phone(page)

    console.allow("status of 403")
    desk.reload()
    assert error_page(desk)[0] == "Accès terminé"
    desk.get_by_role("link", name="Voir mes patients").click()
    expect(desk.get_by_role("region", name="Accès terminés")).to_contain_text("MARTIN Camille")

    # In a new emergency he asks again, with a new reason; then she refuses emergency access, and allows it again.
    ask_for_emergency_access(desk, ins=patient.ins, birth_date=patient.birth_date,
                             reason="Nouvelle chute, patiente confuse, recherche des traitements en cours.")
    expect(desk).to_have_url(dossier)
    # The page on screen may be an Accès page already: its line was clicked, then the new one replaced it (closed).
    page.locator("main").evaluate("main => { main.dataset.before = '' }")
    menu(page, "Accès").click()
    expect(page.locator("main[data-before]")).to_have_count(0)
    page_ready(page)
    page.get_by_text("Accès d'urgence : autorisé").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Refuser l'accès d'urgence").click()
    expect(page.get_by_role("status").filter(has_text="L'accès d'urgence est refusé")).to_be_visible()
    page.get_by_text("Accès d'urgence : refusé").click()
    page.get_by_role("button", name="Autoriser de nouveau l'accès d'urgence").click()
    expect(page.get_by_role("status").filter(has_text="L'accès d'urgence est de nouveau possible.")).to_be_visible()
    desk.goto(f"/dossiers/{patient.dossier_id}")
    assert error_page(desk)[0] == "Accès terminé"  # her "no" ended it for good
