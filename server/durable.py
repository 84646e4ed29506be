"""What makes a written file survive a power cut: its bytes synced, then the directory that names it, and any
directory made for it in the one that names that."""

from __future__ import annotations

import os
from pathlib import Path


def sync_directory(directory: Path) -> None:
    """A rename or a new link is an entry of its directory: until the directory is synced, a power cut may undo it
    (the file's own fsync does not cover its name)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_directories(directory: Path, *, mode: int = 0o777) -> None:
    """`directory` and its missing parents, as `Path.mkdir(parents=True)`, each new one synced in its parent: a file's
    directory synced names the file, but a directory just made is itself only an entry of its parent (a document's
    first in its shard, a key's new folder)."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    directory.mkdir(mode=mode, parents=True, exist_ok=True)
    for made in reversed(missing):
        sync_directory(made.parent)
