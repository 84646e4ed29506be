"""A pregnant patient on her phone (an outside probe's find: at 16 SA, "Vaccinations à faire" told Camille to catch up
ROR, a live vaccine contre-indiqué during pregnancy). She notes her pregnancy with its expected delivery date: ROR
waits for the birth, the coqueluche dose of the pregnancy is listed; she notes its end, and ROR's catch-up is back.
Her summary, opened by a health link on another phone, says she is pregnant and when the birth is due."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from server.i18n.formats import date_fr
from tests.e2e.seeding import paris_today
from tests.e2e.steps import log_in, menu
from tests.e2e.test_every_page import no_violation
from tests.e2e.test_shl_journey import PASSCODE, RECIPIENT, stranger  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px wide"


def test_a_pregnant_patient_notes_her_pregnancy_and_ror_waits_for_the_birth(page, seed):
    patient = seed()
    page.set_viewport_size(PHONE)
    expected = paris_today() + timedelta(weeks=41 - 16)  # 16 SA today, as France counts from the expected date
    log_in(page, patient)
    menu(page, "Profil").click()
    vaccines = page.get_by_role("region", name="Vaccinations à faire")
    expect(vaccines.get_by_role("listitem").filter(has_text="ROR")).to_contain_text("À rattraper")

    pregnancy = page.get_by_role("region", name="Grossesse", exact=True)
    expect(pregnancy.get_by_text("Aucune grossesse indiquée.")).to_be_visible()
    pregnancy.get_by_role("link", name="Indiquer une grossesse").click()
    expect(page.get_by_role("heading", name="Indiquer une grossesse", level=1)).to_be_visible()
    date_field = page.get_by_label("Date prévue d'accouchement")
    expect(date_field).to_have_accessible_description(re.compile("première échographie"))
    fits(page)
    no_violation(page)
    date_field.fill(expected.isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    assert expected.isoformat() not in page.url

    pregnancy = page.get_by_role("region", name="Grossesse", exact=True)
    expect(pregnancy.get_by_text("Enceinte", exact=True)).to_be_visible()
    expect(pregnancy).to_contain_text("Aujourd'hui : 16 SA")
    expect(pregnancy.get_by_role("link", name="Indiquer une grossesse")).to_have_count(0)  # one at a time
    vaccines = page.get_by_role("region", name="Vaccinations à faire")
    expect(vaccines).to_contain_text("Grossesse en cours : les vaccins vivants (comme le ROR)")
    ror = vaccines.get_by_role("listitem").filter(has_text="ROR")
    expect(ror).to_contain_text("Après l'accouchement")
    expect(ror).to_contain_text("à faire après l'accouchement. Vaccin vivant, contre-indiqué pendant la grossesse.")
    expect(ror).not_to_contain_text("À rattraper")
    expect(vaccines.get_by_role("listitem").filter(has_text="Coqueluche")).to_contain_text(
        "dose de la grossesse (vaccin dTcaP)")
    fits(page)
    no_violation(page)

    # The birth: noted on its day, and the catch-up is offered again.
    pregnancy.get_by_text("Noter la fin de la grossesse").click()
    ended = pregnancy.get_by_label("Terminée le")
    expect(ended).to_have_accessible_description("Le jour de l'accouchement, ou de toute autre fin de grossesse.")
    fits(page)
    pregnancy.get_by_role("button", name="Enregistrer la fin de la grossesse").click()
    expect(page.get_by_text("La fin de la grossesse est notée")).to_be_focused()
    expect(page.get_by_role("region", name="Grossesse", exact=True)).to_contain_text("Grossesse terminée")
    ror = page.get_by_role("region", name="Vaccinations à faire").get_by_role("listitem").filter(has_text="ROR")
    expect(ror).to_contain_text("À rattraper")
    expect(ror).not_to_contain_text("Après l'accouchement")


def test_her_summary_opened_by_a_link_on_another_phone_says_she_is_pregnant_and_when_the_birth_is_due(
        page, stranger, seed):
    """The health link's summary is the IPS: its History of pregnancy section, read by the link's viewer."""
    patient = seed()
    expected = paris_today() + timedelta(weeks=41 - 16)
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=pregnancy")
    page.get_by_label("Date prévue d'accouchement").fill(expected.isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")

    menu(page, "Accès").click()
    page.get_by_role("link", name="Liens de partage").click()
    page.get_by_label("Synthèse médicale").check()
    page.get_by_label("Code d'accès (facultatif)").fill(PASSCODE)
    page.get_by_role("button", name="Créer le lien").click()
    stranger.goto(page.get_by_label("Lien à copier").input_value())
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    pregnancy = stranger.get_by_role("region", name="Grossesse", exact=True)
    expect(pregnancy).to_contain_text("Grossesse — Enceinte")
    expect(pregnancy).to_contain_text(f"accouchement prévu le {date_fr(expected)}")
