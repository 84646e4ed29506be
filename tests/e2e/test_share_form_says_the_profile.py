"""What a category opens of the profil médical, said where the patient chooses it (an outside probe, a pharmacist):
"Ordonnance" opened the treatments without a word, and the allergies came only with the whole synthèse. Each box
says what it opens of the profile, the code's terms say it again, and the pharmacist reads the allergies."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, log_in_professional, menu, open_access_line

pytestmark = pytest.mark.e2e

PRESCRIPTIONS = "Et, dans le profil médical : allergies et intolérances, traitements en cours, grossesse."


def test_each_category_says_what_it_opens_of_the_profile_and_the_pharmacist_reads_the_allergies(
    page, computer, console, seed, seed_professional,
):
    patient, pharmacist = seed(), seed_professional(given_name="Julien", family_name="Petit", profession="pharmacien")
    desk = computer.page
    log_in(page, patient)
    log_in_professional(desk, pharmacist)

    # A severe allergy on her profile.
    menu(page, "Profil").click()
    page.get_by_role("region", name="Allergies et intolérances").get_by_role("link", name="Ajouter une allergie").click()
    page.get_by_label("Substance").fill("Pénicilline")
    page.get_by_label("Gravité").select_option(label="Sévère")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")

    # The form: each box that opens some of the profile says which sections, as its description.
    menu(page, "Accès").click()
    page.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    expect(page.get_by_role("radio", name="Tous les documents")).to_have_accessible_description(
        "Et tout le profil médical. Et l'historique des soins remboursés des 24 derniers mois.")
    page.get_by_label("Seulement certaines catégories").check()
    categories = page.get_by_role("group", name="Catégories")
    expect(categories.get_by_role("checkbox", name="Ordonnance", exact=True)).to_have_accessible_description(
        PRESCRIPTIONS)
    expect(categories.get_by_role("checkbox", name="Synthèse médicale", exact=True)).to_have_accessible_description(
        re.compile(r"^Et, dans le profil médical : allergies et intolérances, grossesse, antécédents médicaux et chirurgicaux, "
                   r".*personnes à prévenir\.$"))
    expect(categories.get_by_role("checkbox", name="Vaccination", exact=True)).to_have_accessible_description(
        "Et, dans le profil médical : grossesse, vaccinations.")
    expect(categories.get_by_role("checkbox", name="Biologie", exact=True)).to_have_accessible_description(
        # the lab's measures, not the weight
        "Et, dans le profil médical : mesures (glycémie, HbA1c, LDL-cholestérol, créatinine).")
    expect(categories.get_by_role("checkbox", name="Imagerie", exact=True)).to_have_accessible_description("")
    expect(categories.get_by_text(PRESCRIPTIONS)).to_be_visible()
    assert_fits_phone(page)
    categories.get_by_role("checkbox", name="Ordonnance", exact=True).check()
    page.get_by_label("1 mois", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()

    # The code's terms say it again, under the code.
    code = page.locator("p.code").inner_text().strip()
    expect(page.get_by_text(re.compile(r"Le professionnel pourra voir : Ordonnance, sauf les documents masqués, "
                                       r"pendant 1 mois\. " + re.escape(PRESCRIPTIONS)))).to_be_visible()
    assert_fits_phone(page)

    # The pharmacist: the allergy on the card, the rest of the profile named as not shared with him.
    desk.get_by_role("link", name="Saisir un code de partage").click()
    desk.get_by_label("Code de partage").fill(code)
    desk.get_by_role("button", name="Ouvrir le dossier").click()
    card = desk.get_by_role("region", name="Profil médical")
    expect(card).to_contain_text("Allergies")
    expect(card).to_contain_text("Pénicilline")
    card.get_by_role("link", name="Voir tout le profil médical").click()
    expect(desk.get_by_role("region", name="Allergies et intolérances")).to_contain_text("Pénicilline")
    expect(desk.get_by_role("region", name="Antécédents médicaux et chirurgicaux")).to_contain_text(
        "Rubrique non partagée avec vous.")

    # Her Accès page says it on the pharmacist's line.
    page.get_by_role("link", name="Voir les accès").click()
    open_access_line(page, pharmacist.name)
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text(PRESCRIPTIONS)
