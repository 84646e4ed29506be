"""A burst of ITI-65 Bundles: one that cannot have its turn, or the dossier's write lock, within a few seconds is
refused whole, a French 503 OperationOutcome with Retry-After, and the same bytes sent again are filed. An outside
probe's find: 40 Bundles of 10 PDFs at once were all answered after 95 s, each client having given up at 60 s
(bench/burst.py measures it; here, the answer's shape, the turn or the lock held by the test)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

import server.db.sqlite
from server.accesslog.audit import begin_chained
from server.fhir import documents
from tests.fhir_support import as_bundle, as_outcome, provide_documents
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture
from tests.test_fhir_push_checks import nothing_stored


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(documents, "BUNDLE_WAIT_S", 0.3)


async def test_a_bundle_that_does_not_get_its_turn_in_time_is_refused_whole_and_filed_when_sent_again(
        client, db, patient, practice, short_wait):
    bundle = provide_documents(patient.patient.ins, 3)
    async with AsyncExitStack() as others:  # as many Bundles as are filed at once, each taking its time
        for _ in range(documents.BUNDLES_AT_ONCE):
            await others.enter_async_context(documents.bundle_turn())
        refused = await push(client, practice, bundle)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    [issue] = as_outcome(refused).issue
    assert issue.code == "transient"
    assert issue.diagnostics == ("Carnet reçoit trop d'envois en ce moment : rien n'a été enregistré de ce Bundle. "
                                 "Renvoyez-le tel quel dans quelques secondes (en-tête Retry-After).")
    assert await nothing_stored(db, patient)
    again = as_bundle(await push(client, practice, bundle))
    assert [e.response.status for e in again.entry] == ["200 OK"] + ["201 Created"] * 6


async def test_a_bundle_that_cannot_have_the_dossiers_write_lock_soon_is_refused_whole_not_held_for_its_timeout(
        app, client, db, patient, practice, short_wait):
    bundle = provide_documents(patient.patient.ins, 2)
    async with app.state.sessionmaker() as holder:
        await begin_chained(holder, dossier_id=patient.dossier.id)  # the chain's lock, as a writer of the dossier
        refused = await asyncio.wait_for(push(client, practice, bundle), server.db.sqlite.BUSY_TIMEOUT_S / 2)
        await holder.commit()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    [issue] = as_outcome(refused).issue
    assert issue.code == "transient" and "très sollicité" in issue.diagnostics
    assert await nothing_stored(db, patient)
    assert (await push(client, practice, bundle)).status_code == 200
