"""An action that asks for a recent login, from a session opened long ago: one button asks her passkey again (a real
WebAuthn ceremony, the virtual authenticator's), without logging out, and brings her back to the form, filled as she
had sent it; what she typed is in no address at any moment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from server.auth.accounts import account_for_patient
from server.db import make_sessionmaker
from server.models import Dossier, Patient, WebSession, utcnow
from tests.e2e.conftest import run_async
from tests.e2e.seeding import SeededPatient, writer_engine
from tests.e2e.steps import log_in, menu

pytestmark = pytest.mark.e2e

LABEL = "Voyage à Lisbonne"
PASSCODE = "marée-haute-42"


async def age_her_sessions(data_dir: Path, patient: SeededPatient) -> None:
    """Her sessions were opened 11 minutes ago (sessions.RECENT_LOGIN is 10)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, patient.dossier_id)
            account = await account_for_patient(db, patient=await db.get(Patient, dossier.patient_id))
            await db.exec(update(WebSession).where(WebSession.account_id == account.id)
                          .values(created_at=utcnow() - timedelta(minutes=11)))
            await db.commit()
    finally:
        await engine.dispose()


def test_a_health_link_refused_for_an_old_login_is_made_after_her_passkey_without_typing_it_again(
        page, seed, server, console):
    console.allow("status of 400 (Bad Request)")  # the refused form, which the page shows
    patient = seed()
    log_in(page, patient)
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    run_async(age_her_sessions(server.data_dir, patient))

    menu(page, "Accès").click()
    page.get_by_role("link", name="Liens de partage").click()
    page.get_by_label("Synthèse médicale").check()
    page.get_by_label("Nom du lien (facultatif)").fill(LABEL)
    page.get_by_label("Code d'accès (facultatif)").fill(PASSCODE)
    page.get_by_label("30 jours").check()
    page.get_by_role("button", name="Créer le lien").click()
    expect(page.get_by_role("alert").filter(has_text="cette action demande une connexion de moins de 10 minutes")) \
        .to_be_visible()

    # One button: her passkey again, and back to the form as she had filled it.
    page.get_by_role("button", name="Me reconnecter pour continuer").click()
    expect(page.get_by_role("status").filter(has_text="C'est bien vous")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}/liens-sante$"))
    expect(page.get_by_label("Synthèse médicale")).to_be_checked()
    expect(page.get_by_label("Nom du lien (facultatif)")).to_have_value(LABEL)
    expect(page.get_by_label("Code d'accès (facultatif)")).to_have_value(PASSCODE)
    expect(page.get_by_label("30 jours")).to_be_checked()

    page.get_by_role("button", name="Créer le lien").click()
    expect(page.get_by_role("heading", name=f"Synthèse médicale : « {LABEL} »")).to_be_visible()
    # Opened again, the form is empty: it was given back once.
    page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
    expect(page.get_by_label("Nom du lien (facultatif)")).to_have_value("")
    assert not [a for a in addresses if "Lisbonne" in a or "haute-42" in a]
