"""Where document files live: one small interface, a directory on disk by default.

Files are named by their SHA-256, so identical bytes are stored once. Writes go to a temporary
file in the same directory, fsynced, then renamed into place: a crash leaves either the whole
file or a temporary one, which a failed write removes itself and `carnet files check` finds.
Every OS failure (disk full, read-only, I/O error) becomes `StorageUnavailable`, which the app
answers with a French 503: nothing was saved.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..durable import make_directories, sync_directory

TEMP_PREFIX = ".tmp-"


class IntegrityError(RuntimeError):
    """A stored file no longer matches the SHA-256 recorded when it was added."""


class MissingFile(FileNotFoundError):
    """A file the database names that the store does not hold: lost, or a restore's copy of `files/` without it."""


class StorageUnavailable(RuntimeError):
    """The store cannot be written or read right now (disk full, read-only, I/O error)."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    path: Path
    size: int
    mtime: float


class Storage(Protocol):
    def put(self, data: bytes) -> tuple[str, str]:
        """Store bytes; return (key, sha256 hex). Callers hold the key's lock (files/blobs.py)."""

    def get(self, key: str, *, sha256: str) -> bytes:
        """Return the bytes for key, checked against sha256."""

    def delete(self, key: str) -> None:
        """Erase the bytes for key (no error if they are already gone)."""

    def exists(self, key: str) -> bool:
        """Whether bytes are stored under key."""


def is_key(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class DiskStorage:
    """Content-addressed files under one directory, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        make_directories(self.root)

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise KeyError(key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> tuple[str, str]:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        try:
            if path.exists() and self._matches(path, digest):
                return digest, digest
            make_directories(path.parent)
            self._write(path, data)
        except OSError as exc:
            raise StorageUnavailable(str(exc.strerror or exc)) from exc
        return digest, digest

    @staticmethod
    def _matches(path: Path, digest: str) -> bool:
        """An existing file is kept only if it is whole (a damaged one is replaced by the good bytes)."""
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            sync_directory(path.parent)  # its name too: the row that points at it is committed next
        except BaseException:
            # A full disk or an I/O error mid-file: never leave the half-written temporary file behind.
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(str(exc.strerror or exc)) from exc

    def get(self, key: str, *, sha256: str) -> bytes:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingFile(key) from None
        except OSError as exc:
            raise StorageUnavailable(str(exc.strerror or exc)) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(key)
        return data

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def files(self) -> Iterator[StoredFile]:
        """Every file under the root: stored ones (named by a key) and anything else, temporary files included."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                stat = path.stat()
                yield StoredFile(path.name if is_key(path.name) and path.parent.name == path.name[:2] else "",
                                 path, stat.st_size, stat.st_mtime)

    def remove_path(self, path: Path) -> None:
        """Remove a file that is not a stored key (a temporary file a crash left, a stray file)."""
        if self.root not in path.parents:
            raise ValueError(path)
        path.unlink(missing_ok=True)
