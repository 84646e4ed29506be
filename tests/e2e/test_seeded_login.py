"""The steps' login (steps.log_in, log_in_professional) seeds the activation, then logs in through the login page: what
it leaves in the database is what an activation in the browser leaves, or the tests that use it would prove things of
a Carnet no one meets. Should an activation come to leave something more, this says so (seeded_passkeys.py)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import authenticators_on
from tests.e2e.steps import DESKTOP, activate_professional, log_in, log_in_by_activation, log_in_professional

pytestmark = pytest.mark.e2e


def traces(server, *, patient_id: str | None = None, professional_id: str | None = None) -> dict:
    """What an activation leaves for this person. Not the passkey's signature counter nor its last use, nor the
    session's data: a login sets those, and the seeded one is followed by a login where the other is not."""
    with sqlite3.connect(server.data_dir / "carnet.sqlite3") as db:
        owner = "patient_id" if patient_id else "professional_id"
        person = patient_id or professional_id
        [(account, name)] = db.execute(f"SELECT id, display_name FROM account WHERE {owner} = ?", (person,)).fetchall()
        dossier = db.execute("SELECT id FROM dossier WHERE patient_id = ?", (patient_id,)).fetchone()
        return {
            "account": name,
            "passkeys": db.execute("SELECT name, transports, backed_up FROM passkey WHERE account_id = ?",
                                   (account,)).fetchall(),
            "activation codes (used, revoked)": db.execute(
                f"SELECT used_at IS NOT NULL, revoked_at IS NOT NULL FROM activationcode WHERE {owner} = ?",
                (person,)).fetchall(),
            "recovery codes left": db.execute("SELECT count(*) FROM recoverycode WHERE account_id = ? AND used_at IS NULL",
                                              (account,)).fetchone(),
            "sessions (authenticated)": db.execute("SELECT authenticated FROM websession WHERE account_id = ?",
                                                   (account,)).fetchall(),
            "notices": db.execute("SELECT count(*) FROM accountnotice WHERE account_id = ?", (account,)).fetchone(),
            "events": db.execute(
                "SELECT action, actor_kind, actor_name, right, detail FROM accessevent WHERE dossier_id = ? ORDER BY seq",
                (dossier[0] if dossier else None,)).fetchall(),
        }


def patient_of(server, dossier_id: str) -> str:
    with sqlite3.connect(server.data_dir / "carnet.sqlite3") as db:
        return db.execute("SELECT patient_id FROM dossier WHERE id = ?", (dossier_id,)).fetchone()[0]


def test_a_seeded_login_leaves_what_an_activation_in_the_browser_leaves(page, another_phone, browser, server, seed,
                                                                          seed_professional):
    by_hand, seeded = seed(), seed()
    log_in_by_activation(another_phone.page, by_hand)
    log_in(page, seeded)
    left = traces(server, patient_id=patient_of(server, by_hand.dossier_id))
    assert left["passkeys"] == [("Mon téléphone", "internal", 0)]
    named = "«\u00a0Mon téléphone\u00a0»"  # no-break spaces
    assert left["events"] == [("passkey_added", "patient", "Camille Martin", "", named)]
    assert traces(server, patient_id=patient_of(server, seeded.dossier_id)) == left

    by_hand, seeded = seed_professional(), seed_professional()
    for professional, way in ((by_hand, activate_professional), (seeded, log_in_professional)):
        context = browser.new_context(base_url=server.url, **DESKTOP)
        desk = context.new_page()
        authenticators_on(desk, server)
        way(desk, professional)
        context.close()
    left = traces(server, professional_id=by_hand.professional_id)
    assert left["passkeys"] == [("Ordinateur du cabinet", "internal", 0)]
    assert left["recovery codes left"] == (10,)
    assert traces(server, professional_id=seeded.professional_id) == left
