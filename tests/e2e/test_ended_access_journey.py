"""A home nurse, on her phone, finds a patient among hers by name; the patient revokes her; reloading the dossier
tells her that her access ended and how to have it again, and "Mes patients" lists it as ended."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in_professional

pytestmark = pytest.mark.e2e


def test_the_nurse_finds_her_patient_by_name_and_is_told_when_her_access_ends(page, console, seed_person,
                                                                              seed_professional, seed_grant,
                                                                              seed_revocation):
    console.allow("status of 403")  # the dossier refused once her access ended, on purpose
    helene = seed_person(given_name="Hélène", family_name="Lefèvre", birth_date=date(1941, 5, 2), sex="F",
                         documents=[(date(2025, 1, 10), "compte_rendu", "Compte rendu de passage infirmier")])
    marc = seed_person(given_name="Marc", family_name="Dubois", birth_date=date(1938, 9, 20), sex="M", documents=[])
    nurse = seed_professional(given_name="Sophie", family_name="Garnier", profession="infirmier")
    seed_grant(helene, nurse)
    seed_grant(marc, nurse)
    log_in_professional(page, nurse)

    # Among her patients, by name, accents and case as she types them: the name never in the address.
    patients = page.locator("#pro-patients-results")
    expect(patients.get_by_role("link", name=re.compile("DUBOIS Marc"))).to_be_visible()
    page.get_by_label("Chercher parmi mes patients").fill("lefevre")
    expect(patients.get_by_role("link", name=re.compile("DUBOIS Marc"))).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="1 patient trouvé")).to_be_attached()
    assert "lefevre" not in page.url.lower() and "recherche=" in page.url
    assert_fits_phone(page)
    patients.get_by_role("link", name=re.compile("LEFÈVRE Hélène")).click()
    expect(page.get_by_text("Compte rendu de passage infirmier")).to_be_visible()

    # The patient revokes her; the page reloaded says her access ended, not that the page does not exist.
    seed_revocation(helene, nurse)
    page.reload()
    expect(page.get_by_role("heading", name="Accès terminé")).to_be_visible()
    expect(page.get_by_text("Votre accès à ce dossier a pris fin. Pour le consulter de nouveau, demandez à votre "
                            "patient un nouveau code de partage.")).to_be_visible()
    expect(page.get_by_text("Page introuvable")).to_have_count(0)
    assert_fits_phone(page)

    # "Mes patients": Marc still open; Hélène among the accesses ended, leading nowhere else.
    page.get_by_role("link", name="Voir mes patients").click()
    expect(page.get_by_role("link", name=re.compile("DUBOIS Marc"))).to_be_visible()
    ended = page.get_by_role("region", name="Accès terminés")
    expect(ended).to_contain_text("LEFÈVRE Hélène")
    expect(ended).to_contain_text("accès terminé")
    expect(ended.get_by_role("link")).to_have_count(0)


def test_a_file_refused_since_the_page_opened_says_why_instead_of_a_failed_download(page, console, seed_person,
                                                                                 seed_professional, seed_grant,
                                                                                 seed_revocation):
    """The document's page was open when her access ended: "Télécharger" brings the page that says so, where a link
    marked `download` made a failed download in the browser's own list, which says nothing of why."""
    console.allow("status of 403")
    helene = seed_person(given_name="Hélène", family_name="Roux", birth_date=date(1944, 3, 8), sex="F",
                         documents=[(date(2025, 2, 3), "compte_rendu", "Bilan de kinésithérapie")])
    kine = seed_professional(given_name="Luc", family_name="Marchand")
    seed_grant(helene, kine)
    log_in_professional(page, kine)
    page.get_by_role("link", name=re.compile("ROUX Hélène")).click()
    page.get_by_role("link", name=re.compile("Bilan de kinésithérapie")).click()
    with page.expect_download() as saved:  # while her access holds: the file, saved
        page.get_by_role("link", name="Télécharger").click()
    assert saved.value.suggested_filename
    seed_revocation(helene, kine)
    page.get_by_role("link", name="Télécharger").click()
    expect(page.get_by_role("heading", name="Accès terminé")).to_be_visible()
    expect(page.get_by_text("Votre accès à ce dossier a pris fin.", exact=False)).to_be_visible()
