"""The Accès page on a 360 × 740 phone (issue 13, point 4): a summary first, then one line per person that opens
to its details and actions; closed, the whole page fits in about two screens. A refused change of access keeps its
page's address: a reload shows the page again, not "Action impossible"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import assert_fits_phone, log_in, menu, open_access_line

pytestmark = pytest.mark.e2e

PHONE_SCREEN = {"width": 360, "height": 740}


def test_the_access_page_leads_with_a_summary_and_fits_two_screens_with_its_lines_closed(
    page, seed, seed_professional, seed_grant,
):
    page.set_viewport_size(PHONE_SCREEN)
    patient = seed()
    people = [
        seed_professional(given_name="Julie", family_name="Moreau"),
        seed_professional(given_name="Luc", family_name="Petit", profession="infirmier"),
        seed_professional(given_name="Claire", family_name="Bernard", profession="médecin"),
        seed_professional(given_name="Anne", family_name="Roux", profession="pharmacien"),
    ]
    for person in people:
        seed_grant(patient, person, categories="imagerie" if person.family_name == "Moreau" else "")
    log_in(page, patient)
    menu(page, "Accès").click()

    summary = page.get_by_text(re.compile(r"^4 professionnels peuvent voir votre dossier"))
    expect(summary).to_be_visible()
    assert summary.bounding_box()["y"] + summary.bounding_box()["height"] <= PHONE_SCREEN["height"]
    share = page.get_by_role("link", name="Partager avec un nouveau professionnel")
    assert share.bounding_box()["y"] + share.bounding_box()["height"] <= PHONE_SCREEN["height"]

    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 2 * PHONE_SCREEN["height"], f"the Accès page is {height} px high with its lines closed"
    assert_fits_phone(page)

    # A line opens to what that person sees and to the actions, all the same width.
    kine = people[0]
    revoke = page.get_by_role("button", name=f"Retirer l'accès de {kine.name}")
    expect(revoke).to_be_hidden()
    open_access_line(page, kine.name)
    expect(revoke).to_be_visible()
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text("Les documents de la catégorie Imagerie, sauf ceux qui sont masqués")
    block = page.get_by_role("button", name=f"Bloquer {kine.name}")
    see_as = page.get_by_role("link", name=f"Voir comme {kine.name}")
    widths = {round(action.bounding_box()["width"]) for action in (revoke, block, see_as)}
    assert len(widths) == 1, f"the actions are of different widths: {widths}"
    assert_fits_phone(page)

    # Removing an access is asked and told in plain words, the Historique's own, and says it can be undone.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    revoke.click()
    expect(page.get_by_role("status")).to_contain_text("L'accès est retiré : ce professionnel ne peut plus voir le dossier")
    assert asked == [f"Retirer l'accès de {kine.name} ? {kine.name} ne pourra plus voir le dossier, sauf les documents "
                     "ajoutés par ses soins. Un accès d'urgence lui reste possible : pour l'en empêcher aussi, "
                     "bloquez-le. Vous pourrez lui redonner accès plus tard."]
    page.get_by_role("status").get_by_text("L'accès est retiré").click()
    expect(page.get_by_role("status")).to_contain_text("Vous pourrez lui redonner accès plus tard.")
    menu(page, "Historique").click()
    expect(page.get_by_text(f"Vous avez retiré l'accès de {kine.name}", exact=False)).to_be_visible()


def test_a_refused_change_of_access_reloads_as_the_professionals_page_not_action_impossible(
    page, seed, seed_professional, seed_grant, console,
):
    console.allow("status of 400")  # the refused forms, on purpose
    patient = seed()
    pharmacist = seed_professional(given_name="Julien", family_name="Petit", profession="pharmacien")
    seed_grant(patient, pharmacist)
    log_in(page, patient)
    menu(page, "Accès").click()
    page.get_by_role("link", name=re.compile("^Donner accès à un professionnel")).click()
    page.get_by_label("Chercher un professionnel dans l'annuaire").fill("petit julien")
    page.get_by_role("button", name="Chercher").click()  # (the live search may not listen yet, on a fresh page)
    page.get_by_role("link", name=re.compile(pharmacist.name)).click()
    professional_page = re.compile(f"/dossiers/{patient.dossier_id}/professionnels/{pharmacist.professional_id}$")
    expect(page).to_have_url(professional_page)

    # "Changer son accès" sent for some categories without one ticked: refused, on the professional's page, at its
    # address. (Sent as it opens, it keeps the access's end: nothing there to refuse.)
    expect(page.get_by_role("heading", name="Changer son accès")).to_be_visible()
    page.get_by_label("Seulement certaines catégories").check()
    page.get_by_role("button", name=f"Changer l'accès de {pharmacist.name}").click()
    expect(page.get_by_role("alert").filter(has_text="Cochez au moins une catégorie")).to_be_visible()
    expect(page).to_have_url(professional_page)
    page.reload()
    expect(page.get_by_role("heading", name=pharmacist.name, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Changer son accès")).to_be_visible()
    expect(page.get_by_text("Action impossible")).to_have_count(0)

    # The same with a passkey renamed "   " on "Mes clés d'accès".
    menu(page, "Mes clés d'accès").click()
    page.get_by_label(re.compile("^Nouveau nom pour")).fill("   ")
    page.get_by_role("button", name="Renommer").click()
    expect(page.get_by_role("alert").filter(has_text="Donnez un nom à cette clé.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/cles$"))
    page.reload()
    expect(page.get_by_role("heading", name="Mes clés d'accès")).to_be_visible()
    expect(page.get_by_text("Action impossible")).to_have_count(0)
