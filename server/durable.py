"""What makes a written file survive a power cut: its bytes synced, then the directory that names it."""

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
