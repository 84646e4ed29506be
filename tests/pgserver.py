"""A throwaway PostgreSQL server for the tests, started from the Debian binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the `postgres` system user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def running_postgres(*, durable: bool = False, options: str = ""):
    """Yield the base URL (without database) of a fresh server; stop and delete it afterwards.

    Tests run without fsync; benchmarks (`durable`) with PostgreSQL's defaults, as in production. `options`: more
    of the server's settings (`-c ssl=on …`)."""
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (scripts/test installs it)")
    # The tests' server in memory where the machine has a tmpfs: a database per test, made from a template, took
    # a third of a second on disk. Benchmarks keep it on disk, as production does.
    memory = not durable and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK)
    root = Path(tempfile.mkdtemp(prefix="carnet-pg-", dir="/dev/shm" if memory else None))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        os.chmod(root, 0o700)
    port = free_port()
    subprocess.run(
        _as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "app", "--auth=trust", "-E", "UTF8", "--no-sync"]),
        check=True, capture_output=True,
    )
    options = f"{options} -c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"]),
        check=True, capture_output=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"postgresql+asyncpg://app@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        # Deleted in the background: a test session leaves hundreds of databases, whose files took 17-45 s to
        # delete in the teardown of each pytest-xdist worker's last test, the end of the whole run waiting for it.
        subprocess.Popen(["rm", "-rf", "--", str(root)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def create_database(base: str, name: str) -> str:
    """A new empty database on the server at `base`; its URL."""
    import asyncpg

    connection = await asyncpg.connect(f"{base.replace('+asyncpg', '')}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{base}/{name}"
