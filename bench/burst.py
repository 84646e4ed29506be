"""What a burst of ITI-65 pushes gets: 40 Bundles of 10 one-page PDFs each, all sent at once to 40 dossiers, by
a client that gives up after 60 s (an outside probe's setup: before 2026-12, every client timed out while the
server filed them all after 95 s). Each answer's status and latency, what was filed, then each Bundle refused
(503) sent again, the same bytes, after its Retry-After, until every one is filed or refused otherwise.

    .venv/bin/python bench/burst.py                # SQLite, one server process
    .venv/bin/python bench/burst.py --postgres     # its own PostgreSQL server, two server processes
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import free_port, serve, stop  # noqa: E402
from bench.ingest_seed import seed, token_for  # noqa: E402
from tests.fhir_support import provide_documents  # noqa: E402
from tests.pgserver import create_database, running_postgres  # noqa: E402

BUNDLES, DOCUMENTS, CLIENT_TIMEOUT_S = 40, 10, 60


async def send(base: str, token: str, bodies: list[bytes]) -> list[tuple[int | None, float, str]]:
    """Every body at once: (status or None for no answer in time, seconds, Retry-After) each."""
    headers = {"authorization": f"Bearer {token}", "content-type": "application/fhir+json"}
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT_S, limits=limits) as client:
        async def one(body: bytes) -> tuple[int | None, float, str]:
            started = time.perf_counter()
            try:
                answer = await client.post("/fhir", content=body, headers=headers)
            except httpx.TimeoutException:
                return None, time.perf_counter() - started, ""
            return answer.status_code, time.perf_counter() - started, answer.headers.get("retry-after", "")
        return await asyncio.gather(*(one(body) for body in bodies))


async def filed(url: str) -> int:
    from sqlmodel import func, select

    from server.db import make_engine, make_sessionmaker
    from server.models import Document

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as db:
        count = (await db.exec(select(func.count()).select_from(Document).where(
            Document.master_identifier.is_not(None)))).one()
    await engine.dispose()
    return count


def said(results: list[tuple[int | None, float, str]]) -> str:
    statuses = Counter("timeout" if status is None else str(status) for status, _, _ in results)
    times = sorted(seconds for _, seconds, _ in results)
    return (", ".join(f"{n} × {status}" for status, n in sorted(statuses.items())) +
            f"; answered in {times[0]:.1f} s (first) / {times[len(times) // 2]:.1f} s (median) / {times[-1]:.1f} s "
            "(last)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="carnet-burst-"))
    try:
        with running_postgres(durable=True) if args.postgres else contextlib.nullcontext("") as postgres:
            port = free_port()
            url = (asyncio.run(create_database(postgres, "burst")) if postgres
                   else f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}")
            env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
                   "CARNET_ORIGIN": f"http://localhost:{port}",
                   "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"}
            os.environ.update({k: v for k, v in env.items() if k.startswith(("CARNET_", "DATABASE_"))})
            seeded = asyncio.run(seed(url, data, dossiers=BUNDLES + 3, pushes=BUNDLES))
            bodies = [json.dumps(provide_documents(ins, DOCUMENTS)).encode() for ins in seeded.push_ins]
            base = f"http://localhost:{port}"
            server = serve(env, port, 2 if args.postgres else 1, data / "server.log")
            try:
                token = token_for(base, seeded.practice)
                send_all = asyncio.run(send(base, token, bodies))
                print(f"{BUNDLES} Bundles of {DOCUMENTS} PDFs at once, {CLIENT_TIMEOUT_S} s client timeout: "
                      f"{said(send_all)}; Retry-After {sorted(set(r for _, _, r in send_all if r))}", flush=True)
                time.sleep(CLIENT_TIMEOUT_S * 2 if any(s is None for s, _, _ in send_all) else 0)  # what still runs
                print(f"  filed: {asyncio.run(filed(url))} documents", flush=True)
                pending = [body for body, (status, _, _) in zip(bodies, send_all, strict=True) if status == 503]
                rounds = 0
                while pending and rounds < 20:
                    rounds += 1
                    time.sleep(max(int(r) for _, _, r in send_all if r))
                    token = token_for(base, seeded.practice)
                    send_all = asyncio.run(send(base, token, pending))
                    print(f"  round {rounds}, {len(pending)} sent again: {said(send_all)}", flush=True)
                    pending = [body for body, (status, _, _) in zip(pending, send_all, strict=True) if status == 503]
                print(f"  filed: {asyncio.run(filed(url))} documents (of {BUNDLES * DOCUMENTS})", flush=True)
            finally:
                stop(server)
                errors = (data / "server.log").read_text(errors="replace").count("Traceback")
                print(f"  tracebacks in the server's log: {errors}")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
