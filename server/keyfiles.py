"""A secret key file made once: the first process to start writes it, every other keeps that one."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .durable import make_directories, sync_directory


def write_once(path: Path, data: bytes) -> None:
    """`data` at `path` (mode 0600, its folder 0700) unless a key is already there: written to a draft, then
    linked into place, which is atomic and never replaces, so processes starting together all keep the first."""
    make_directories(path.parent, mode=0o700)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())  # a key lost or empty after a power cut: what it signed could no longer be checked
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
    sync_directory(path.parent)
