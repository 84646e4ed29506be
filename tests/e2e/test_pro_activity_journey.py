"""A professional accounts for her own use: "Mon activité", from "Mes patients", lists her accesses, newest first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in_professional, menu

pytestmark = pytest.mark.e2e


def test_a_kine_reads_her_own_accesses_from_mes_patients(computer, seed, seed_professional, seed_grant):
    patient, kine = seed(), seed_professional()
    seed_grant(patient, kine)
    desk = computer.page
    log_in_professional(desk, kine)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    desk.get_by_role("link", name=re.compile("IRM du genou droit")).click()
    expect(desk.get_by_role("heading", name="IRM du genou droit")).to_be_visible()

    menu(desk, "Mes patients").click()
    desk.get_by_role("link", name="Mon activité : vos accès aux dossiers").click()
    expect(desk.get_by_role("heading", name="Mon activité")).to_be_visible()
    accesses = desk.get_by_role("list", name="Mes accès").get_by_role("listitem")
    expect(accesses).to_have_count(2)
    expect(accesses.nth(0)).to_contain_text("Consultation d'un document · MARTIN Camille · Accès accordé")
    expect(accesses.nth(1)).to_contain_text("Consultation du dossier · MARTIN Camille · Accès accordé")
    expect(desk.get_by_text("IRM du genou droit")).to_have_count(0)  # what she read, not named here
