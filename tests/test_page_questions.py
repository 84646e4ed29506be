"""What a patient's pages ask the database (issue 10): what most patients do not have is known from a question the
page asks anyway, so the page asks nothing more about it; and whoever has it still sees it."""

from __future__ import annotations

import re
from datetime import date

from server.access import emergencies
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.models import Delegation
from tests.conftest import activate, new_patient
from tests.patient_helpers import Statements, professional


async def questions(app, client, url: str) -> list[str]:
    with Statements(app.state.engine) as seen:
        page = await client.get(url)
    assert page.status_code == 200
    return seen.seen


def asking(statements: list[str], table: str) -> list[str]:
    """The statements that read `table`'s own rows first (its columns first, as a model or a row)."""
    return [s for s in statements if re.match(rf"SELECT {table}\.", s)]


async def test_a_patient_who_helps_no_one_and_has_nothing_to_review_asks_nothing_of_either(client, db, app, patient):
    await activate(client, patient)
    timeline = await questions(app, client, f"/dossiers/{patient.dossier.id}")
    assert asking(timeline, "delegation") == [] and asking(timeline, "emergencyaccess") == [], timeline
    # The count of new events in the Historique comes with the banner's notifications: one question.
    assert not [s for s in timeline if s.startswith("SELECT count(*)")], timeline
    historique = await questions(app, client, f"/dossiers/{patient.dossier.id}/historique")
    # Who helps with her dossier is asked, once, for the filter's choices (queries.people_in_log); whom she helps, not.
    assert [s for s in asking(historique, "delegation") if "delegation.dossier_id = " not in s] == [], historique
    assert asking(historique, "tlogleaf") == [], historique
    assert not [s for s in historique if s.startswith("SELECT count(*)")], historique


async def test_a_patient_who_helps_with_a_dossier_and_has_an_emergency_to_review_sees_both(client, db, app, patient):
    child = await new_patient(db, given_name="Léo", family_name="Martin", birth=date(2016, 5, 2), serial=2, sex="M")
    account = await account_for_patient(db, patient=patient.patient)
    db.add(Delegation(dossier_id=child.dossier.id, caregiver_account_id=account.id, relationship="parent"))
    urgentist = await professional(db, "Roux", given_name="Anne", profession="médecin")
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=urgentist, reason="Malaise, patiente inconsciente aux urgences",
                                     actor=Actor(None, "professional", "Anne Roux", "médecin"))
    await db.commit()
    await activate(client, patient)
    timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    assert 'aria-label="Changer de dossier"' in timeline.text and "Léo Martin" in timeline.text
    assert "Dr Anne Roux, médecin, a ouvert votre dossier en urgence le" in timeline.text
    historique = await client.get(f"/dossiers/{patient.dossier.id}/historique")
    assert 'aria-label="Changer de dossier"' in historique.text and "Léo Martin" in historique.text
