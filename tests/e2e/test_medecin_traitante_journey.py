"""Camille declares Dr Claire Bernard her médecin traitant: her page says so of a woman, as her profession is written
("la médecin traitante déclarée", "Ne plus la déclarer"), never "le" nor "il"; and ending it, which ends her view of
what is hidden at once, is asked first, as "Retirer l'accès" and "Bloquer" are (it acted in one click: an outside
probe's find)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, menu, open_access_line, page_ready

pytestmark = pytest.mark.e2e

MASCULINE = re.compile(r"le médecin traitant déclaré|Ne plus le déclarer|Tant qu'il est bloqué|Ce professionnel")


def her_page(page, name: str) -> None:
    """From the Accès page, her line opened, to her own page."""
    page_ready(page)
    open_access_line(page, name)
    page.get_by_role("listitem").filter(has_text=name).get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    page_ready(page)  # its confirmations are carnet.js's


def test_a_woman_doctor_is_said_la_medecin_traitante_and_ending_it_is_asked_first(page, seed, seed_professional,
                                                                                  seed_grant):
    patient = seed()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", feminine=True)
    seed_grant(patient, doctor)
    name = "Dr Claire Bernard"
    log_in(page, patient)
    menu(page, "Accès").click()
    expect(page.get_by_role("heading", name="Qui peut voir mon dossier")).to_be_visible()

    her_page(page, name)
    page.get_by_role("button", name="Déclarer comme médecin traitant").click()
    expect(page.get_by_role("status").filter(has_text="Le médecin traitant est enregistré.")).to_be_visible()
    line = page.get_by_role("listitem").filter(has_text=name)
    expect(line.get_by_text("Médecin traitante", exact=True)).to_be_visible()

    her_page(page, name)
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"{name} est la médecin traitante déclarée.")
    expect(main).not_to_contain_text(MASCULINE)
    asked = []

    def cancel(dialog) -> None:  # each question answered "Annuler": nothing done
        asked.append(" ".join(dialog.message.split()))
        dialog.dismiss()

    page.on("dialog", cancel)
    page.get_by_role("button", name=f"Bloquer {name}").click()
    end = page.get_by_role("button", name="Ne plus la déclarer comme médecin traitante")
    end.click()
    expect(main).to_contain_text(f"{name} est la médecin traitante déclarée.")
    assert asked == [f"Bloquer {name} ? Cette professionnelle ne pourra plus rien lire, pas même les documents qu'elle a "
                     "ajoutés, ni en urgence, jusqu'à ce que vous la débloquiez.",
                     f"Ne plus déclarer {name} comme médecin traitante ?"]
    page.remove_listener("dialog", cancel)

    page.once("dialog", lambda dialog: dialog.accept())
    end.click()
    expect(page.get_by_role("status").filter(has_text="Plus aucun médecin traitant n'est déclaré dans Carnet.")
           ).to_be_visible()
