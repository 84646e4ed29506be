"""The app's own integrator: started with it, it integrates within the merge delay; an event not yet in waits for it."""

import asyncio
import dataclasses

import pytest
from sqlmodel import select

from server.models import AccessEvent
from server.tlog import integrator
from server.tlog.store import TlogLeaf
from tests.conftest import activate
from tests.test_tlog_http import log


@pytest.fixture
def settings(settings):
    """The tests' settings leave the integrator off (0), so nothing writes behind a test's back; here it runs."""
    return dataclasses.replace(settings, journal_interval=0.2)


async def test_the_app_integrates_in_the_background_and_an_event_waits_for_it(client, app, db, patient):
    await activate(client, patient)
    await log(db, patient.dossier.id, 1)
    for _ in range(int(integrator.MAX_MERGE_DELAY.total_seconds() * 10)):  # the app's own task, every 0.2 s here
        if len((await db.exec(select(TlogLeaf.event_id))).all()) == len((await db.exec(select(AccessEvent.id))).all()):
            break
        await db.commit()  # end this read: SQLite's next one sees what the integrator committed since
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the background integrator did not integrate the event")
    await integrator.stop(app)
    await log(db, patient.dossier.id, 1)
    newest = (await db.exec(select(AccessEvent.seq).where(AccessEvent.dossier_id == patient.dossier.id)
                            .order_by(AccessEvent.seq.desc()))).first()
    waiting = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/{newest}")
    assert waiting.status_code == 409 and "quelques secondes" in waiting.text
