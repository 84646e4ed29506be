"""A relative prints the Historique of her father's dossier: the paper says who "vous" is (an outside probe's find:
"Pour le compte de Jean Dupont, vous avez masqué…" under "Vous gérez ce dossier", and no name)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import paris_today, years_before
from tests.e2e.steps import accept_invitation_with_a_new_account, log_in, menu, page_ready

pytestmark = pytest.mark.e2e

# (Its spaces as typography writes them: "«\u00a0vous\u00a0»", "11\u202fh\u202f48".)
PRINTED_BY = re.compile(r"^Imprimé par Claire Dupont, proche de Jean Dupont, le \d+\s\S+\s\d{4}\sà\s\d+\sh\s\d+\. "
                        r"Dans cet historique, «\svous\s» désigne Claire Dupont\.$")


def test_a_daughter_who_prints_her_fathers_historique_is_named_on_the_paper_not_on_the_screen(
    page, another_phone, seed_person,
):
    today = paris_today()
    father = seed_person(given_name="Jean", family_name="Dupont", sex="M",
                         birth_date=years_before(today, 80) - timedelta(days=20),
                         documents=[(today - timedelta(days=12), "biologie", "Bilan rénal")])
    daughter = another_phone.page
    log_in(page, father)
    page.goto(f"/dossiers/{father.dossier_id}/proches")
    page.get_by_label("Gérer votre dossier pour vous (sauf vos clés d'accès)").check()
    page.get_by_role("button", name="Créer l'invitation").click()
    code = page.locator("p.code").inner_text().strip()
    daughter.goto("/invitation")
    daughter.get_by_label("Code d'invitation").fill(code)
    daughter.get_by_role("button", name="Voir l'invitation").click()
    accept_invitation_with_a_new_account(daughter, "Claire", "Dupont")
    expect(daughter).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))

    # Her Historique, and the page made to print it: on screen, "vous" as before, and no name more.
    menu(daughter, "Historique").click()
    expect(daughter.get_by_role("heading", name="Historique du dossier de Jean Dupont")).to_be_visible()
    page_ready(daughter)
    printed_by = daughter.get_by_text(PRINTED_BY)
    expect(printed_by).to_be_hidden()
    daughter.emulate_media(media="print")
    expect(printed_by).to_be_visible()
    daughter.emulate_media(media="screen")
    daughter.get_by_role("link", name="Imprimer").click()
    expect(daughter.get_by_role("heading", name="Historique du dossier de Jean Dupont")).to_be_visible()
    expect(daughter.get_by_text(PRINTED_BY)).to_be_hidden()
    daughter.emulate_media(media="print")
    expect(daughter.get_by_text(PRINTED_BY)).to_be_visible()
    expect(daughter.get_by_role("listitem").filter(has_text="Vous avez accepté l'invitation")).to_be_visible()

    # Her father's own paper names him.
    menu(page, "Historique").click()
    expect(page.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
    page_ready(page)
    page.emulate_media(media="print")
    expect(page.get_by_text(re.compile(r"^Imprimé par Jean Dupont, le .*«\svous\s» désigne Jean Dupont\.$"))).to_be_visible()
