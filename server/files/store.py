"""Where document files live: one small interface, a directory on disk by default."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class IntegrityError(RuntimeError):
    """A stored file no longer matches the SHA-256 recorded when it was added."""


class Storage(Protocol):
    def put(self, data: bytes) -> tuple[str, str]:
        """Store bytes; return (key, sha256 hex)."""

    def get(self, key: str, *, sha256: str) -> bytes:
        """Return the bytes for key, checked against sha256."""

    def delete(self, key: str) -> None:
        """Erase the bytes for key (no error if they are already gone)."""


class DiskStorage:
    """Content-addressed files under one directory, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> tuple[str, str]:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        return digest, digest

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def get(self, key: str, *, sha256: str) -> bytes:
        data = self._path(key).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(key)
        return data
