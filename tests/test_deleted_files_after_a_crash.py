"""A deleted document's files are erased even when the process dies between the deletion's commit and their
erasure (an outside probe killed the server 5 to 60 ms after "Supprimer", 25 times: two readable PDFs of deleted
documents stayed on disk, removed only by `carnet files check --repair`). The keys are written down in the
deletion's own transaction; housekeeping erases what is still written down a minute later."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from server.access import hiding
from server.files import blobs
from server.models import FileRelease
from tests.conftest import ORIGIN, AsyncTestClient, activate, add_text_document, new_patient, post_form
from tests.patient_helpers import CAMILLE


async def test_files_a_crash_left_after_a_deletion_are_erased_by_housekeeping(app, db, patient):
    storage = app.state.storage
    deleted = await add_text_document(db, app, patient.dossier, title="Échographie abdominale")
    kept = await add_text_document(db, app, patient.dossier, title="Bilan lipidique")
    # The same bytes as the deleted one, under another live document: its file is kept.
    twin = await add_text_document(db, app, patient.dossier, title="Échographie abdominale")
    assert twin.storage_key == deleted.storage_key
    other = await add_text_document(db, app, patient.dossier, title="Compte rendu opératoire")
    deleted_key, other_key = deleted.storage_key, other.storage_key  # their rows forget them

    # Deleted, then the process stops before the erasure (no storage: `release` never runs).
    for document in (deleted, other):
        await hiding.delete_document(db, document=document, actor=CAMILLE, storage=None)
    assert storage.exists(other_key) and storage.exists(deleted_key)
    written = set((await db.exec(select(FileRelease.storage_key))).all())
    assert written == {deleted_key, other_key}

    assert await blobs.release_pending(db, storage) == []  # the deletion's own release may still come
    erased = await blobs.release_pending(db, storage, older_than=timedelta(0))
    assert erased == [other_key]
    assert not storage.exists(other_key)
    assert storage.exists(deleted_key) and storage.exists(kept.storage_key)  # held by the twin, and live
    assert (await db.exec(select(FileRelease))).all() == []


async def test_a_deletion_that_ends_normally_erases_its_files_and_leaves_nothing_written_down(app, db, patient):
    storage = app.state.storage
    document = await add_text_document(db, app, patient.dossier, title="Radiographie du thorax")
    key = document.storage_key
    await hiding.delete_document(db, document=document, actor=CAMILLE, storage=storage)
    assert not storage.exists(key)
    assert (await db.exec(select(FileRelease))).all() == []


async def test_two_dossiers_deleting_their_copies_of_the_same_file_at_once_both_succeed_and_erase_it(app, db, patient):
    """The same bytes in two patients' dossiers (a leaflet, a letter sent to both parents' dossiers), each deleted at
    the same moment by its own patient: both deletions write the file down to erase; neither may fail on the
    other's line (a unique key on PostgreSQL, whose transactions do not wait on each other across two dossiers)."""
    storage = app.state.storage
    other = await new_patient(db, given_name="Paul", serial=2, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as hers, AsyncTestClient(app, base_url=ORIGIN) as his:
        await activate(hers, patient)
        await activate(his, other)
        for round in range(4):
            title = f"Fiche d'information vaccinale {round}"
            documents = [await add_text_document(db, app, p.dossier, title=title) for p in (patient, other)]
            assert documents[0].storage_key == documents[1].storage_key
            answers = await asyncio.gather(*(post_form(client, f"/documents/{d.id}/suppression", {},
                                                       follow_redirects=False)
                                             for client, d in zip((hers, his), documents, strict=True)))
            assert [a.status_code for a in answers] == [303, 303]
            assert not storage.exists(documents[0].storage_key)
            await db.commit()
            assert (await db.exec(select(FileRelease))).all() == []
