"""At a pharmacy's counter: the patient lets the pharmacist read her prescriptions for the day, not for a month, and
both read when that day ends, to the hour (an outside probe's find: the shortest access was a month)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server.i18n.formats import date_fr
from tests.e2e.steps import log_in, log_in_professional, menu, open_access_line

pytestmark = pytest.mark.e2e


def spaced(pattern: str) -> re.Pattern:
    """A pattern whose spaces match the no-break ones French typography puts in a date, an hour and before ":"."""
    return re.compile(pattern.replace(" ", r"\s"))


def test_a_share_code_for_one_day_gives_the_pharmacist_until_this_hour_tomorrow(page, computer, seed,
                                                                                seed_professional):
    patient = seed()
    pharmacist = seed_professional(given_name="Sophie", family_name="Garnier", profession="pharmacien", feminine=True)
    desk = computer.page
    log_in(page, patient)
    log_in_professional(desk, pharmacist)

    menu(page, "Accès").click()
    page.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    page.get_by_label("Seulement certaines catégories").check()
    page.get_by_role("group", name="Catégories").get_by_label("Ordonnance", exact=True).check()
    page.get_by_label("1 jour", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()
    expect(page.get_by_text(spaced(r"Le professionnel pourra voir : Ordonnance, .*pendant 1 jour\."))).to_be_visible()
    code = page.locator("p.code").inner_text().strip()

    desk.get_by_role("link", name="Saisir un code de partage").click()
    desk.get_by_label("Code de partage").fill(code)
    desk.get_by_role("button", name="Ouvrir le dossier").click()
    # Tomorrow at this hour, in Paris (the minute may have turned between the code and this line).
    tomorrow = date_fr(datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=1))
    until = rf"jusqu'au {tomorrow} à \d{{1,2}} h \d\d"
    expect(desk.get_by_text(spaced(rf"Accès accordé par la patiente : Ordonnance, {until}\."))).to_be_visible()

    page.get_by_role("link", name="Voir les accès").click()
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text(spaced(f"Accès {until}"))
    open_access_line(page, pharmacist.name)
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text(spaced(until))
