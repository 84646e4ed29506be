"""A relative who already helps is given other terms by a new invitation: a reader becomes a manager, and back,
without being removed first (before, the invitation showed "Accepter l'invitation", then refused it)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accept_invitation_with_a_new_account, assert_fits_phone, dossier_band, log_in, menu
from tests.e2e.test_invitation_existing_account import a_father

pytestmark = pytest.mark.e2e


def invite_a_relative(page: Page, level: str, duration: str) -> str:
    """The patient invites a relative ("Lire seulement…" or "Gérer…") for a duration; returns the code."""
    menu(page, "Accès").click()
    page.get_by_role("link", name="Mes proches : qui m'aide à suivre mon dossier").click()
    page.get_by_label(level).check()
    page.get_by_label(duration, exact=True).check()
    page.get_by_role("button", name="Créer l'invitation").click()
    expect(page.get_by_role("heading", name="Invitation d'un proche")).to_be_visible()
    return page.locator("p.code").inner_text().strip()


def open_invitation(page: Page, server, code: str) -> None:
    page.goto(f"{server.url}/invitation#i={code}")
    expect(page.get_by_label("Code d'invitation")).to_have_value(code)
    page.get_by_role("button", name="Voir l'invitation").click()


def test_a_new_invitation_changes_what_a_relative_who_already_helps_may_do(page, another_phone, server, seed_person):
    father = a_father(seed_person)
    son = another_phone.page

    # He reads his father's dossier, invited as a reader.
    log_in(page, father)
    open_invitation(son, server, invite_a_relative(page, "Lire seulement", "Sans date de fin"))
    accept_invitation_with_a_new_account(son, "Marc", "Dupont")
    expect(son).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(son.get_by_role("link", name="Ses proches")).to_have_count(0)

    # His father now asks him to manage it, for a year: the invitation says it replaces what he has, and does.
    open_invitation(son, server, invite_a_relative(page, "Gérer votre dossier", "1 an"))
    expect(son.get_by_text(f"{father.name} vous invite à l'aider à suivre son dossier")).to_contain_text("gestion, 1 an")
    expect(son.get_by_text("Vous suivez déjà ce dossier (lecture seule)")).to_contain_text(
        "cette invitation remplace votre accès actuel")
    assert_fits_phone(son)
    son.get_by_role("button", name="Accepter l'invitation").click()
    expect(son).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(dossier_band(son)).to_contain_text(f"Dossier de {father.name}")
    expect(son.get_by_role("link", name="Ses proches")).to_be_visible()

    # One line for him on his father's "Mes proches", as a manager, and nothing pending.
    page.get_by_role("link", name="← Retour aux proches").click()
    expect(page.get_by_role("heading", name="1 personne aide à suivre ce dossier")).to_be_visible()
    helpers = page.get_by_role("list", name="Proches")
    expect(helpers.get_by_role("listitem")).to_have_count(1)
    expect(helpers).to_contain_text("Proche qui gère votre dossier")
    expect(page.get_by_text("Invitations en attente")).to_have_count(0)

    # And back to reading only, the same way.
    open_invitation(son, server, invite_a_relative(page, "Lire seulement", "3 mois"))
    expect(son.get_by_text("Vous suivez déjà ce dossier (gestion)")).to_be_visible()
    son.get_by_role("button", name="Accepter l'invitation").click()
    expect(son).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    expect(son.get_by_role("link", name="Ses proches")).to_have_count(0)
    menu(son, "Mes dossiers").click()
    expect(son.get_by_role("list", name="Dossiers")).to_contain_text("Vous le lisez seulement, en tant que proche")
