"""What SQLite's planner does with the questions a professional's pages and the patient's banner ask (migration
0020): each through an index that starts with what it names, never a scan of a table that grows with the site,
never a sort of everything a dossier ever had. SQLite's plans: the planner that picked the wrong index here."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from server.models import AccessEvent
from tests.conftest import post_form
from tests.patient_helpers import Plans
from tests.test_notifications import as_account, read_as, scene  # noqa: F401  (scene: a fixture)


# SQLite's plans alone: these tests ask for no PostgreSQL database.
pytestmark = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)


async def test_my_patients_reads_each_reason_through_its_index_never_every_dossier(client, db, app, scene):
    await read_as(client, db, app, scene.julie, scene.url)
    await as_account(client, db, scene.julie)
    with Plans(app.state.engine) as seen:
        page = await client.get("/pro")
    assert page.status_code == 200 and "Camille" in page.text, page.text[-3000:]
    # The dossiers open to them (not those where only their own documents are left: test_pro_own_documents.py).
    [plan] = [plan for statement, plan in seen.plans if "FROM dossier JOIN patient" in statement
              and "dossier.medecin_traitant_id = ?" in statement]
    assert "ix_dossier_medecin_traitant_id" in plan and "SCAN dossier" not in plan, plan
    # Those whose grant ended lately ("Accès terminés"): through their own grants, never every dossier.
    [ended] = [plan for statement, plan in seen.plans if "FROM dossier JOIN patient" in statement
               and "grant.revoked_at >= ?" in statement]
    assert "SCAN dossier" not in ended and "SCAN grant" not in ended, ended
    # ... their emergency accesses, and the log's changes of médecin traitant about them: by their key (0050).
    assert "SCAN emergencyaccess" not in ended and "SCAN logsubject" not in ended, ended
    assert "ix_logsubject_key (key=?)" in ended and "SCAN accessevent" not in ended, ended


async def test_a_professionals_standing_reads_one_range_of_the_dossier_and_professional(client, db, app, scene):
    await as_account(client, db, scene.julie)
    with Plans(app.state.engine) as seen:
        assert (await client.get(f"/documents/{scene.document.id}")).status_code == 200
    plan = seen.of("UNION ALL")
    for table in ("grant", "block", "emergencyaccess"):
        assert f"ix_{table}_dossier_professional (dossier_id=? AND professional_id=?)" in plan, plan
    # Whether the log declared them médecin traitant: their rows of its subjects in the dossier, each event by its key.
    ranges = ("dossier_id=? AND key=?", "key=? AND dossier_id=?")  # its primary key's, or 0050's: one range either way
    assert "SEARCH logsubject USING COVERING INDEX" in plan and any(f"({keys})" in plan for keys in ranges), plan
    assert "SEARCH accessevent USING INDEX sqlite_autoindex_accessevent_1 (dossier_id=? AND seq=?)" in plan, plan


async def test_the_banner_reads_what_this_reader_has_not_seen_in_order_and_vu_is_one_row(client, db, app, scene):
    await read_as(client, db, app, scene.julie, scene.url)
    await as_account(client, db, scene.camille)
    with Plans(app.state.engine) as seen:
        page = (await client.get(scene.url)).text
    assert "Julie Moreau" in page
    plan = seen.of("JOIN notification")
    assert "ix_notification_dossier_event (dossier_id=? AND event_id>?)" in plan and "TEMP B-TREE" not in plan, plan
    assert "SEARCH bannerseen USING INDEX sqlite_autoindex_bannerseen_1 (account_id=? AND dossier_id=?)" in plan, plan
    up_to = re.search(r'name="jusqua" value="(\d+)"', page).group(1)
    with Plans(app.state.engine) as seen:
        answer = await post_form(client, f"{scene.url}/notifications/vu", {"jusqua": up_to}, follow_redirects=False)
    assert answer.status_code == 303
    plan = seen.of("FROM bannerseen")
    assert "USING INDEX sqlite_autoindex_bannerseen_1 (account_id=? AND dossier_id=?)" in plan, plan


async def test_a_read_already_logged_is_looked_for_among_the_latest_events_only(client, db, app, scene):
    """A professional's page image or full-screen page logs their read once in RECENT_READ: that read is looked for
    among the dossier's latest events (its (dossier, seq) index from the head down), never through the whole log."""
    await as_account(client, db, scene.julie)
    with Plans(app.state.engine) as seen:
        for _ in range(3):
            assert (await client.get(f"/documents/{scene.document.id}/pages/1/plein-ecran")).status_code in (200, 404)
    plans = [plan for statement, plan in seen.plans if "accessevent.document_id" in statement and "LIMIT" in statement]
    assert plans and all("(dossier_id=? AND seq>?)" in plan for plan in plans), plans
    await db.commit()
    reads = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == scene.dossier.id,
                                                     AccessEvent.document_id == scene.document.id))).all()
    assert len(reads) == 1  # logged once, however many times it was shown
