"""A nurse whose profession is written in the feminine: her patient reads "infirmière" on Accès and in the Historique,
never "infirmier"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, log_in_professional, menu, open_access_line

pytestmark = pytest.mark.e2e


def test_the_patient_reads_infirmiere_for_a_nurse_written_in_the_feminine(
    page, computer, seed, seed_professional, seed_grant,
):
    patient = seed()
    nurse = seed_professional(given_name="Nathalie", family_name="Garnier", profession="infirmier", feminine=True)
    seed_grant(patient, nurse)
    log_in_professional(computer.page, nurse)
    computer.page.get_by_role("link", name=re.compile("MARTIN Camille")).click()  # her read, in the Historique

    log_in(page, patient)
    menu(page, "Accès").click()
    line = page.get_by_role("listitem").filter(has_text=nurse.name)
    expect(line.get_by_text("infirmière", exact=True).first).to_be_visible()
    open_access_line(page, nurse.name)
    expect(line).not_to_contain_text(re.compile(r"\binfirmier\b"))

    menu(page, "Historique").click()
    expect(page.get_by_text(f"{nurse.name}, infirmière, a consulté").first).to_be_visible()
    expect(page.get_by_text(f"Vous avez donné accès à {nurse.name}, infirmière,").first).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(re.compile(r"\binfirmier\b"))
