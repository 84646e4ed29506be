"""A relative's invitation, end to end on phone-sized screens: someone who already has a Carnet account logs in
from the invitation and comes back to it; a relative who may only read sees only what she may use."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import (
    accept_invitation_with_a_new_account, assert_fits_phone, dossier_band, held_dossier, log_in, log_out, menu,
    switch_to,
)

pytestmark = pytest.mark.e2e


def a_father(seed_person):
    today = paris_today()
    return seed_person(given_name="Jean", family_name="Dupont", sex="M",
                       birth_date=years_before(today, 77) - timedelta(days=60),
                       documents=[(today - timedelta(days=15), "ordonnance", "Ordonnance de kinésithérapie"),
                                  (today - timedelta(days=200), "biologie", "Bilan rénal")])


def invite_a_relative_to_read(page: Page) -> str:
    """The patient, logged in, invites a relative to read his dossier; returns the invitation's code."""
    menu(page, "Accès").click()
    page.get_by_role("link", name="Mes proches : qui m'aide à suivre mon dossier").click()
    page.get_by_label("Lire seulement votre dossier").check()
    page.get_by_role("button", name="Créer l'invitation").click()
    expect(page.get_by_role("heading", name="Invitation d'un proche")).to_be_visible()
    expect(page.get_by_text("lecture seule, sans date de fin")).to_be_visible()
    return page.locator("p.code").inner_text().strip()


def test_someone_with_an_account_logs_in_from_the_invitation_and_comes_back_to_accept_it(
    page, another_phone, server, seed_person,
):
    today = paris_today()
    father = a_father(seed_person)
    claire = seed_person(given_name="Claire", family_name="Dupont", sex="F",
                         birth_date=years_before(today, 45) - timedelta(days=20),
                         documents=[(today - timedelta(days=30), "biologie", "Bilan de Claire")])
    daughter = another_phone.page

    # Claire already uses Carnet for her own dossier, with a passkey on her phone; she is logged out.
    log_in(daughter, claire)
    log_out(daughter)

    # Her father invites her to read his dossier; her phone's camera opens the QR code's link.
    log_in(page, father)
    code = invite_a_relative_to_read(page)
    daughter.goto(f"{server.url}/invitation#i={code}")
    expect(daughter.get_by_label("Code d'invitation")).to_have_value(code)
    daughter.get_by_role("button", name="Voir l'invitation").click()
    expect(daughter.get_by_text(f"{father.name} vous invite à l'aider à suivre son dossier")).to_contain_text(
        "lecture seule, sans date de fin")
    assert_fits_phone(daughter)

    # She has an account: "me connecter", her passkey, and she is back on the invitation, its code filled in.
    expect(daughter.get_by_text("J'ai déjà un compte Carnet")).to_contain_text(
        "puis revenir à cette invitation")
    daughter.get_by_role("link", name="me connecter").click()
    expect(daughter.get_by_role("heading", name="Connexion")).to_be_visible()
    daughter.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(daughter).to_have_url(re.compile(r"/invitation$"))
    expect(daughter.get_by_label("Code d'invitation")).to_have_value(code)
    assert code not in daughter.url

    # This time the invitation is for her account.
    daughter.get_by_role("button", name="Voir l'invitation").click()
    expect(daughter.get_by_text("Compte utilisé :")).to_contain_text(claire.name)
    expect(daughter.get_by_role("button", name="Créer mon compte et accepter")).to_have_count(0)
    assert_fits_phone(daughter)
    daughter.get_by_role("button", name="Accepter l'invitation").click()

    # Her father's dossier opens, and her account holds both dossiers.
    expect(daughter).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(dossier_band(daughter)).to_contain_text(f"Dossier de {father.name}")
    expect(daughter.locator(".timeline .doc-title")).to_have_text(father.titles)
    switch_to(daughter, "Mon dossier")
    expect(daughter).to_have_url(re.compile(rf"/dossiers/{claire.dossier_id}$"))
    expect(daughter.locator(".timeline .doc-title")).to_have_text(claire.titles)
    menu(daughter, "Mes dossiers").click()
    expect(held_dossier(daughter, claire.name)).to_contain_text("Mon dossier")
    expect(held_dossier(daughter, father.name)).to_contain_text("Vous le lisez seulement, en tant que proche")
    assert_fits_phone(daughter)
    held_dossier(daughter, father.name).click()
    expect(daughter).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(daughter.locator(".timeline .doc-title")).to_have_text(father.titles)


def test_a_relative_who_may_only_read_is_offered_a_copy_of_the_dossier_but_not_its_relatives(
    page, another_phone, server, seed_person,
):
    father = a_father(seed_person)
    son = another_phone.page

    # His father invites him to read his dossier; he has no account and makes one from the invitation.
    log_in(page, father)
    code = invite_a_relative_to_read(page)
    son.goto(f"{server.url}/invitation#i={code}")
    son.get_by_role("button", name="Voir l'invitation").click()
    accept_invitation_with_a_new_account(son, "Marc", "Dupont")
    expect(son).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(dossier_band(son)).to_contain_text(f"Dossier de {father.name}")
    expect(son.locator(".timeline .doc-title")).to_have_text(father.titles)

    # On the timeline: a copy of the dossier, but neither who may see it nor its relatives, which he may not manage.
    expect(son.get_by_role("link", name="Ses proches")).to_have_count(0)
    expect(son.get_by_role("link", name="Qui peut voir ce dossier")).to_have_count(0)
    assert_fits_phone(son)
    son.get_by_role("link", name="Télécharger une copie du dossier").click()
    copy = son.get_by_role("heading", name=f"Télécharger une copie du dossier de {father.given_name}")
    expect(copy).to_be_visible()
