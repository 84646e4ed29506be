"""A professional's own activity ("Mon activité", from "Mes patients"): her accesses to dossiers, newest first, by
keyset pages, each with its right; a patient named only where "Mes patients" names her, and never a document's title
(an outside probe's find: a GP had no way to account for her own reads)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlmodel import select

from server.access.grants import grant_access
from server.accesslog import audit
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_professional
from server.models import Grant, utcnow
from tests.conftest import activate_professional, add_text_document, new_patient, new_professional

LINE = re.compile(r'<li class="log-line">\s*<span class="log-text">(.*?)</span>', re.S)


def activity(page: str) -> list[str]:
    """Each line of the page, as read: what, whose dossier, which right (the time left out)."""
    lines = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).split()) for line in LINE.findall(page)]
    return [line.partition(" · ")[2] for line in lines]


async def given_access(db, patient, professional) -> None:
    me = Actor(None, "patient", f"{patient.patient.given_name} {patient.patient.family_name}")
    await grant_access(db, dossier=patient.dossier, professional=professional, categories="", duration="1m", actor=me)


async def test_her_own_reads_newest_first_with_the_right_and_no_title(client, pro_client, db, app, patient):
    julie = await new_professional(db)
    await activate_professional(pro_client, julie)
    report = await add_text_document(db, app, patient.dossier, title="IRM du genou droit")
    await given_access(db, patient, julie.professional)
    assert (await pro_client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    assert (await pro_client.get(f"/documents/{report.id}")).status_code == 200

    assert 'href="/pro/activite"' in (await pro_client.get("/pro")).text  # from "Mes patients"
    response = await pro_client.get("/pro/activite")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert activity(response.text) == ["Consultation d'un document · MARTIN Camille · Accès accordé",
                                       "Consultation du dossier · MARTIN Camille · Accès accordé"]
    assert "IRM du genou" not in response.text
    # The patient's own events are hers, not the professional's; and a patient has no such page.
    assert "Vous avez" not in response.text
    assert (await client.get("/pro/activite", follow_redirects=False)).status_code in (302, 303, 401)


async def test_a_dossier_no_longer_shown_to_her_is_not_named(pro_client, db, app, patient):
    julie = await new_professional(db)
    await activate_professional(pro_client, julie)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    for each in (patient, other):
        await given_access(db, each, julie.professional)
        assert (await pro_client.get(f"/dossiers/{each.dossier.id}")).status_code == 200
    # Hugo's grant ended long ago (past what "Mes patients" lists as ended lately): his name is said nowhere.
    grant = (await db.exec(select(Grant).where(Grant.dossier_id == other.dossier.id))).one()
    grant.starts_at, grant.revoked_at = utcnow() - timedelta(days=90), utcnow() - timedelta(days=60)
    db.add(grant)
    await db.commit()
    page = (await pro_client.get("/pro/activite")).text
    assert activity(page) == ["Consultation du dossier · un dossier qui ne vous est plus ouvert · Accès accordé",
                              "Consultation du dossier · MARTIN Camille · Accès accordé"]
    assert "Lefèvre" not in page and "LEFÈVRE" not in page


async def test_older_accesses_are_the_next_page_by_keyset(pro_client, db, app, patient, monkeypatch):
    monkeypatch.setattr("server.professionals.activity.PAGE", 2)
    julie = await new_professional(db)
    await activate_professional(pro_client, julie)
    report = await add_text_document(db, app, patient.dossier, title="IRM du genou droit")
    await given_access(db, patient, julie.professional)
    await pro_client.get(f"/dossiers/{patient.dossier.id}")
    for _ in range(2):
        await pro_client.get(f"/documents/{report.id}")
    first = (await pro_client.get("/pro/activite")).text
    assert activity(first) == ["Consultation d'un document · MARTIN Camille · Accès accordé"] * 2
    older = re.search(r'href="(/pro/activite\?avant=\d+)"', first)[1]
    second = (await pro_client.get(older)).text
    assert activity(second) == ["Consultation du dossier · MARTIN Camille · Accès accordé"]
    assert "Accès plus anciens" not in second
    assert "Aucun accès plus ancien." in (await pro_client.get("/pro/activite?avant=1")).text


async def test_the_migration_adds_the_index_and_takes_it_back(db, app):
    from alembic import command
    from sqlalchemy import inspect

    from tests.patient_helpers import migrate

    async def indexes() -> set[str]:
        async with app.state.engine.connect() as connection:
            found = await connection.run_sync(lambda sync: inspect(sync).get_indexes("accessevent"))
        return {index["name"] for index in found}

    await db.commit()
    await migrate(app, command.downgrade, "0061")
    assert "ix_accessevent_actor" not in await indexes()
    await migrate(app, command.upgrade, "head")
    assert "ix_accessevent_actor" in await indexes()


async def test_a_page_cursor_out_of_range_or_not_a_number_is_a_french_refusal(pro_client, db):
    julie = await new_professional(db)
    await activate_professional(pro_client, julie)
    for cursor in ("99999999999999999999999", "-5", "abc", "0"):
        response = await pro_client.get(f"/pro/activite?avant={cursor}")
        assert response.status_code == 200, cursor  # the top, as the Historique does
        assert "Traceback" not in response.text and "Internal" not in response.text
        assert "Aucun accès pour le moment." in response.text, cursor  # the top: her first page, empty


async def test_what_her_software_did_names_the_software_and_nothing_else_of_the_detail(pro_client, db, app, patient):
    """An outside probe's find: "Mon activité" did not tell her own reads from her software's (with several
    registered, or a key she fears has leaked). Its name is said; a search's words, which a detail also holds, not."""
    julie = await new_professional(db)
    await activate_professional(pro_client, julie)
    await given_access(db, patient, julie.professional)
    account = await account_for_professional(db, professional=julie.professional)
    actor = audit.Actor.professional(account, julie.professional)
    await audit.begin_chained(db, dossier_id=patient.dossier.id)
    await audit.append(db, dossier_id=patient.dossier.id, action="read_timeline", actor=actor, right="grant",
                       detail="via le logiciel «\u00a0Logiciel du cabinet\u00a0»")
    await audit.append(db, dossier_id=patient.dossier.id, action="search", actor=actor, right="grant",
                       detail="«\u00a0sérologie VIH\u00a0»")
    await audit.commit_chained(db)
    page = (await pro_client.get("/pro/activite")).text
    assert activity(page) == ["Recherche dans le dossier · MARTIN Camille · Accès accordé",
                              "Consultation du dossier · MARTIN Camille · Accès accordé · via le logiciel "
                              "« Logiciel du cabinet »"]  # (the page's spaces folded)
    assert "sérologie" not in page


async def test_the_page_says_when_a_patient_is_named_as_it_names_them(pro_client, db):
    """An outside probe's find: the page said a dossier no longer open to her is not named, and named one whose access
    had just ended (as "Mes patients" still shows it)."""
    julie = await new_professional(db)
    await activate_professional(pro_client, julie)
    page = " ".join(html.unescape((await pro_client.get("/pro/activite")).text).split())
    assert "n'est pas nommé" not in page
    assert "Un patient n'y est nommé que tant que « Mes patients » le montre" in page


async def test_a_correction_is_said_as_a_new_version_not_as_another_document(client, db, patient):
    """An outside probe: her corrected report read "Ajout d'un document" twice in "Mon activité", where the patient's
    Historique says it replaces the one before."""
    from tests.test_pro_corrections import added_by, correct

    _pro, first = await added_by(client, db, patient)
    assert (await correct(client, first.id, title="Compte rendu de séance")).status_code == 303
    lines = activity((await client.get("/pro/activite")).text)
    assert [line.split(" · ")[0] for line in lines if "document" in line] == [
        "Nouvelle version d'un document", "Ajout d'un document"], lines
