"""A real `carnet serve` process on a free port, with a data directory (and database) of its own."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen
    database_url: str

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(server: Server, timeout: float = 120) -> None:
    """Until the server answers `/sante`. The bound catches a server that never starts, not a slow one: with
    `--workers 2` on a machine loaded by four test processes and their browsers, a worker took over 30 s to import."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"The server exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/sante", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"The server did not answer /sante within {timeout} s:\n{server.log_text()}")


@contextmanager
def running_server(*, prefix: str = "carnet-", workers: int = 1, database_url: str | None = None,
                   environ: dict[str, str] | None = None) -> Iterator[Server]:
    """Start `carnet serve` (which migrates first), wait until it answers, stop it afterwards.

    Without a database_url the server keeps its SQLite database in its data directory.
    """
    # A directory of its own, not pytest's tmp_path: another pytest session started meanwhile
    # prunes old numbered tmp dirs, and could delete the database under the running server.
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        data_dir = Path(tmp)
        port = free_port()
        url = f"http://localhost:{port}"  # WebAuthn refuses the RP ID "localhost" on 127.0.0.1
        env = {
            **os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data_dir), "CARNET_ORIGIN": url,
            "CARNET_SECRET": secrets.token_urlsafe(32), **(environ or {}),
        }
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        log = data_dir / "server.log"
        with log.open("wb") as out:
            command = [sys.executable, "-c", "from server.cli import main; main()", "serve", "--port", str(port),
                       "--workers", str(workers)]
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        running = Server(url, data_dir, log, process, database_url or f"sqlite+aiosqlite:///{data_dir / 'carnet.sqlite3'}")
        try:
            wait_until_healthy(running)
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
