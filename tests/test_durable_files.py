"""What Carnet writes to disk survives a power cut: a document's bytes and a key are synced, then the directory that
names them (a file's own fsync does not cover its name, which a crash may otherwise take back)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.files.store import DiskStorage
from server.auth.accounts import account_for_patient
from server.keyfiles import write_once
from tests.caregiver_helpers import as_account
from tests.test_patient_adds_documents import add


@pytest.fixture
def synced(monkeypatch) -> list[Path]:
    """The paths os.fsync was asked for, in order."""
    paths: list[Path] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        paths.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return paths


def test_a_documents_bytes_and_their_name_are_on_the_disk_when_stored(tmp_path, synced):
    key, _digest = DiskStorage(tmp_path / "files").put(b"%PDF-1.4 compte rendu")
    stored = next(p for p in (tmp_path / "files").rglob("*") if p.is_file() and p.name == key.rsplit("/", 1)[-1])
    assert synced[-1] == stored.parent  # the rename, synced after the bytes were
    assert any(p.parent == stored.parent and p.name.startswith(".tmp-") for p in synced[:-1])


def test_a_key_file_and_its_name_are_on_the_disk_when_written(tmp_path, synced):
    write_once(tmp_path / "keys" / "journal.key", b"secret")
    assert (tmp_path / "keys" / "journal.key").read_bytes() == b"secret"
    assert synced[-1] == tmp_path / "keys"
    assert synced[0] == tmp_path  # the folder made for it, named in its parent first
    assert any(p.parent == tmp_path / "keys" and p.name.startswith(".journal.key.") for p in synced[:-1])


async def test_the_first_document_of_its_shard_is_named_in_a_directory_that_survives_too(client, db, app, patient,
                                                                                       synced):
    """A patient's note, stored in a shard directory made for it: the shard's own name is an entry of the files'
    root, which a power cut could take back with the document in it (its directory alone was synced)."""
    account = await account_for_patient(db, patient=patient.patient)
    await as_account(client, db, account)
    root = app.state.storage.root
    answer = await add(client, patient.dossier.id, title="Tension 03/2025", category="note_patient",
                       note="12/8 le matin")
    assert answer.status_code == 303, answer.text
    shard = next(p for p in root.iterdir() if p.is_dir() and len(p.name) == 2)
    assert root in synced and synced.index(root) < synced.index(shard)  # the shard named before what it names
