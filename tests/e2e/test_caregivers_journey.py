"""Caregivers (issue 9), end to end on phone-sized screens, each person's phone with its own authenticator:
a parent and her child's dossier, an elderly father and the daughter who manages his, a minor who turns 18."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from server.templating import de
from server.views.share_codes import qr_svg
from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import (
    accept_invitation_with_a_new_account, assert_fits_phone, dossier_band, error_page, held_dossier, log_in,
    log_in_professional, menu, switch_to, wait_for_image,
)

pytestmark = pytest.mark.e2e

NO_SUCH_DOSSIER = "/dossiers/" + "0" * 32


def text_documents(today, *titles: tuple[int, str, str]) -> list:
    """(days ago, category, title) → what the seeding functions file."""
    return [(today - timedelta(days=days), category, title) for days, category, title in titles]


def test_a_parent_adds_her_childs_dossier_switches_between_them_and_hides_one_of_his_documents(
    page, seed_person,
):
    today = paris_today()
    mother = seed_person(given_name="Sophie", family_name="Bernard", sex="F",
                         birth_date=years_before(today, 38) - timedelta(days=40),
                         documents=text_documents(today, (20, "biologie", "Bilan sanguin de Sophie")))
    leo = seed_person(given_name="Léo", family_name="Bernard", sex="M",
                      birth_date=years_before(today, 9) - timedelta(days=50), documents=text_documents(
                          today, (10, "compte_rendu", "Consultation pédiatrique"), (40, "vaccination", "Rappel ROR"),
                          (90, "certificat", "Certificat pour le sport")))
    log_in(page, mother)

    # "Mes dossiers": her own, and the way to add her son's.
    menu(page, "Mes dossiers").click()
    expect(page.get_by_role("heading", name="Mes dossiers")).to_be_visible()
    expect(held_dossier(page, mother.name)).to_contain_text("Mon dossier")
    assert_fits_phone(page)
    page.get_by_role("link", name="Ajouter le dossier de mon enfant").click()
    expect(page.get_by_role("heading", name="Ajouter le dossier de mon enfant")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_label("Code d'activation de l'enfant").fill(leo.code)
    page.get_by_label("Sa date de naissance").fill(leo.birth_date.isoformat())
    page.get_by_role("button", name="Ajouter son dossier").click()

    # She lands on Léo's dossier, and every page says whose it is.
    expect(page).to_have_url(re.compile(rf"/dossiers/{leo.dossier_id}$"))
    expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")
    expect(dossier_band(page)).to_contain_text("(9 ans)")
    expect(page.locator(".timeline .doc-title")).to_have_text(leo.titles)
    # The menu stays in his dossier.
    for name in ("Documents", "Accès", "Historique", "Mes dossiers"):
        expect(menu(page, name)).to_be_visible()
    expect(menu(page, "Mon dossier")).to_have_count(0)
    assert_fits_phone(page)

    # To her own dossier and back, one tap each: on the band, then on the band again or on "Mes dossiers".
    switch_to(page, "Mon dossier")
    expect(page).to_have_url(re.compile(rf"/dossiers/{mother.dossier_id}$"))
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    expect(dossier_band(page)).to_contain_text("Mon dossier")
    expect(dossier_band(page)).to_contain_text(f"{mother.name}, née le")
    expect(page.locator(".timeline .doc-title")).to_have_text(mother.titles)
    assert_fits_phone(page)
    switch_to(page, f"Dossier de {leo.name}")
    expect(page).to_have_url(re.compile(rf"/dossiers/{leo.dossier_id}$"))
    expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")
    menu(page, "Mes dossiers").click()
    expect(held_dossier(page, mother.name)).to_contain_text("Mon dossier")
    expect(held_dossier(page, leo.name)).to_contain_text("Vous le gérez, en tant que parent")
    assert_fits_phone(page)
    held_dossier(page, leo.name).click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{leo.dossier_id}$"))
    expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")

    # She hides one of his documents from professionals; the document's page is still his.
    page.get_by_role("link", name=re.compile("Consultation pédiatrique")).click()
    expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")
    page.get_by_role("button", name="Masquer aux professionnels").click()
    expect(page.get_by_role("status")).to_contain_text("Masqué aux professionnels : seuls le médecin traitant")
    expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")
    expect(page.get_by_role("button", name="Ne plus masquer")).to_be_visible()
    assert_fits_phone(page)

    # His Historique says she did it for him.
    menu(page, "Historique").click()
    expect(page.get_by_role("heading", name=f"Historique du dossier de {leo.name}")).to_be_visible()
    expect(page.locator(".log-text").filter(has_text="masqué")).to_contain_text(
        f"Pour le compte de {leo.name}, vous avez masqué « Consultation pédiatrique » aux professionnels")
    assert_fits_phone(page)


def test_a_daughter_invited_as_manager_shares_her_fathers_dossier_until_he_removes_her(
    page, another_phone, computer, console, server, seed_person, seed_professional,
):
    today = paris_today()
    father = seed_person(given_name="Jean", family_name="Dupont", sex="M",
                         birth_date=years_before(today, 77) - timedelta(days=60), documents=text_documents(
                             today, (15, "ordonnance", "Ordonnance de kinésithérapie"),
                             (30, "imagerie", "Radiographie de l'épaule gauche"),
                             (200, "biologie", "Bilan rénal")))
    kine = seed_professional(given_name="Thomas", family_name="Lefèvre")
    daughter, desk = another_phone.page, computer.page
    log_in(page, father)
    log_in_professional(desk, kine)

    # He invites his daughter to manage his dossier.
    menu(page, "Accès").click()
    page.get_by_role("link", name="Mes proches : qui m'aide à suivre mon dossier").click()
    expect(page.get_by_role("heading", name="Mes proches")).to_be_visible()
    expect(page.get_by_role("heading", name="Personne n'aide à suivre ce dossier")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_label("Gérer votre dossier pour vous (sauf vos clés d'accès)").check()
    page.get_by_role("button", name="Créer l'invitation").click()
    expect(page.get_by_role("heading", name="Invitation d'un proche")).to_be_visible()
    code = page.locator("p.code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    qr = page.get_by_role("img", name="QR code de l'invitation")
    assert wait_for_image(qr) > 0
    # The QR code holds the link her camera will open, the code after "#" (never sent to a server).
    link = f"{server.url}/invitation#i={code}"
    assert page.request.get(qr.get_attribute("src")).body() == qr_svg(link)
    expect(page.get_by_text("gestion, sans date de fin")).to_be_visible()
    assert_fits_phone(page)

    # She has no account: her phone's camera opens the QR code's link.
    daughter.goto(link)
    expect(daughter.get_by_label("Code d'invitation")).to_have_value(code)
    assert code not in daughter.url  # out of the address, and so of the history
    assert_fits_phone(daughter)
    daughter.get_by_role("button", name="Voir l'invitation").click()
    invitation = daughter.get_by_text(f"{father.name} vous invite à l'aider à suivre son dossier")
    expect(invitation).to_contain_text("gestion, sans date de fin")
    assert_fits_phone(daughter)
    accept_invitation_with_a_new_account(daughter, "Claire", "Dupont")
    expect(daughter).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(dossier_band(daughter)).to_contain_text(f"Dossier de {father.name}")
    expect(daughter.locator(".timeline .doc-title")).to_have_text(father.titles)
    assert_fits_phone(daughter)

    # For him, she shows a new kinésithérapeute a share code.
    menu(daughter, "Accès").click()
    expect(daughter.get_by_role("heading", name=f"Qui peut voir le dossier {de(father.name)}")).to_be_visible()
    daughter.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    daughter.get_by_label("Tous les documents").check()
    daughter.get_by_label("1 mois", exact=True).check()
    daughter.get_by_role("button", name="Afficher le code de partage").click()
    share_code = daughter.locator("p.code").inner_text().strip()
    assert_fits_phone(daughter)

    desk.get_by_role("link", name="Saisir un code de partage").click()
    desk.get_by_label("Code de partage").fill(share_code)
    desk.get_by_role("button", name="Ouvrir le dossier").click()
    expect(desk).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(desk.locator(".timeline .doc-title")).to_have_text(father.titles)
    expect(daughter.get_by_text(f"Code utilisé par {kine.name}, {kine.profession}")).to_be_visible()

    # His Historique says who made the code, and for whom.
    menu(page, "Historique").click()
    expect(page.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
    expect(page.locator(".log-text").filter(has_text="code de partage (")).to_contain_text(
        "Claire Dupont, pour votre compte, a créé un code de partage")
    assert_fits_phone(page)

    # He removes her; her next click in his dossier is refused, as for a dossier that does not exist.
    menu(page, "Accès").click()
    page.get_by_role("link", name="Mes proches : qui m'aide à suivre mon dossier").click()
    helpers = page.get_by_role("list", name="Proches")
    expect(helpers).to_contain_text("Claire Dupont")
    expect(helpers).to_contain_text("Proche qui gère votre dossier, depuis le")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Retirer Claire Dupont").click()
    expect(page.get_by_role("status")).to_contain_text("Claire Dupont n'a plus accès au dossier")
    expect(page.get_by_role("heading", name="Personne n'aide à suivre ce dossier")).to_be_visible()

    console.allow("status of 404")  # the refusals below, and nothing else
    daughter.get_by_role("link", name="Voir les accès").click()  # still on the used share code
    refused = error_page(daughter)
    assert refused[0] == "Page introuvable"
    expect(daughter.get_by_text("Radiographie de l'épaule gauche")).to_have_count(0)
    daughter.goto(NO_SUCH_DOSSIER)
    assert error_page(daughter) == refused

    # "Mes dossiers" tells her why.
    menu(daughter, "Mes dossiers").click()
    expect(daughter.get_by_role("status")).to_contain_text(f"{father.name} vous a retiré l'accès")
    expect(daughter.get_by_text("Aucun dossier pour l'instant.")).to_be_visible()
    assert_fits_phone(daughter)


def test_at_18_the_parents_access_ends_and_the_young_adult_takes_her_dossier_over(
    page, another_phone, console, seed_person, seed_minor_with_parent, move_birth_date, carnet,
):
    today = paris_today()
    mother = seed_person(given_name="Nathalie", family_name="Roux", birth_date=years_before(today, 45),
                         sex="F", documents=text_documents(today, (60, "biologie", "Bilan de Nathalie")))
    birthday = today + timedelta(days=10)  # her 18th
    ines = seed_minor_with_parent(
        mother, given_name="Inès", family_name="Roux", birth_date=years_before(birthday, 18), sex="F",
        documents=text_documents(today, (20, "vaccination", "Vaccin contre le méningocoque"),
                                 (45, "compte_rendu", "Consultation de contraception")),
        kept_from_parents=("Consultation de contraception",))
    shared = [title for title in ines.titles if title not in ines.kept_from_parents]
    young = another_phone.page

    # Her mother manages her dossier, and sees no trace of what the sage-femme kept from parents.
    log_in(page, mother)
    menu(page, "Mes dossiers").click()
    held_dossier(page, ines.name).click()
    expect(dossier_band(page)).to_contain_text(f"Dossier d'{ines.name}")
    expect(page.locator(".timeline .doc-title")).to_have_text(shared)
    expect(page.get_by_text("contraception")).to_have_count(0)

    # Inès opens her own dossier with her own code, and prepares her 18th birthday.
    log_in(young, ines)
    expect(young.locator(".timeline .doc-title")).to_have_text(ines.titles)
    young.get_by_role("link", name="Choisir ce que vos parents verront ensuite").click()
    expect(young.get_by_role("heading", name="Mes 18 ans : mon dossier, et mes parents")).to_be_visible()
    preview = young.get_by_role("list", name="Documents visibles par vos parents")
    expect(preview.locator(".doc-title")).to_have_text(shared)
    choice = young.get_by_role("group", name=f"À mes 18 ans, {mother.name} :")
    expect(choice.get_by_label("Ne plus avoir accès")).to_be_checked()  # the default: she changes nothing
    assert_fits_phone(young)

    # Her birthday comes. The running server's clock cannot be moved, its data can: with her birth date moved a
    # year and a day earlier, the server's today is, for her, the day after her 18th birthday. The rule ends her
    # mother's rights at once; the scheduled check (run here as its cron would) records it and tells everyone.
    move_birth_date(ines, ines.birth_date - timedelta(days=366))
    assert "1 accès de parent traité" in carnet("caregivers", "majority")

    # Her mother's next click in the dossier is refused, as for a dossier that does not exist.
    console.allow("status of 404")
    page.get_by_role("link", name=re.compile(shared[0])).click()
    refused = error_page(page)
    assert refused[0] == "Document introuvable"  # said alike for a deleted, missing or refused document
    page.goto("/documents/" + "0" * 32)
    assert error_page(page) == refused  # as a document that never was
    page.goto(NO_SUCH_DOSSIER)
    assert error_page(page)[0] == "Page introuvable"  # her dossier's page, refused as one that never was
    menu(page, "Mes dossiers").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{ines.name} a 18 ans : votre accès de parent à son dossier a pris fin.")
    expect(held_dossier(page, ines.name)).to_have_count(0)
    expect(held_dossier(page, mother.name)).to_be_visible()
    assert_fits_phone(page)

    # Inès, now an adult, on the page she left open: she decides alone; her Historique says her mother's access
    # ended; she invites her own relatives.
    young.reload()
    expect(young.get_by_text("Aucun parent n'a accès à votre dossier : c'est vous qui décidez qui peut le voir.")).to_be_visible()
    menu(young, "Historique").click()
    expect(young.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
    expect(young.locator(".log-text").filter(has_text="à 18 ans")).to_contain_text(
        f"Carnet a mis fin, à 18 ans, à l'accès de parent de {mother.name} à votre dossier")
    assert_fits_phone(young)
    menu(young, "Accès").click()
    young.get_by_role("link", name="Mes proches : qui m'aide à suivre mon dossier").click()
    expect(young.get_by_role("heading", name="Personne n'aide à suivre ce dossier")).to_be_visible()
    expect(young.get_by_role("heading", name="Inviter un proche")).to_be_visible()
    assert_fits_phone(young)
