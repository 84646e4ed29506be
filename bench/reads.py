"""Read latency of a patient's and a professional's pages on the demo dossier.

Starts `carnet serve` on demo data in a temporary directory, opens sessions through
the app's own functions, then measures each page with concurrent clients.

    .venv/bin/python bench/reads.py [--requests 300] [--concurrency 8] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def open_sessions(env: dict) -> dict:
    """A session for the demo patient and one for her médecin traitant, plus ids to read."""
    os.environ.update(env)
    from sqlmodel import select

    from server.accounts import account_for_patient, account_for_professional, start_session
    from server.config import load_settings
    from server.db import make_engine, make_sessionmaker
    from server.models import Document, Dossier, Patient, Professional

    settings = load_settings()
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as db:
        patient = (await db.exec(select(Patient).where(Patient.family_name == "Martin"))).first()
        dossier = (await db.exec(select(Dossier).where(Dossier.patient_id == patient.id))).first()
        mt = await db.get(Professional, dossier.medecin_traitant_id)
        pdf = (await db.exec(select(Document).where(Document.dossier_id == dossier.id, Document.mime_type == "application/pdf"))).first()
        tokens = {
            "patient": await start_session(db, account=await account_for_patient(db, patient=patient), authenticated=True),
            "médecin traitant": await start_session(db, account=await account_for_professional(db, professional=mt), authenticated=True),
        }
    await engine.dispose()
    return {"tokens": tokens, "dossier": dossier.id, "pdf": pdf.id}


async def measure(base: str, token: str, path: str, requests: int, concurrency: int) -> list[float]:
    timings: list[float] = []
    queue = list(range(requests))

    async def worker():
        async with httpx.AsyncClient(base_url=base, cookies={"carnet_session": token}, timeout=30) as client:
            while queue:
                queue.pop()
                start = time.perf_counter()
                response = await client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="carnet-bench-")
    port = free_port()
    env = {"CARNET_ENV": "development", "CARNET_DATA_DIR": data, "CARNET_ORIGIN": f"http://localhost:{port}"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    carnet = [sys.executable, "-c", "from server.cli import main; main()"]
    full_env = {**os.environ, **env}
    subprocess.run([*carnet, "demo", "--reset"], env=full_env, check=True, capture_output=True, cwd=ROOT)
    ids = asyncio.run(open_sessions(env))
    server = subprocess.Popen([*carnet, "serve", "--port", str(port)], env=full_env, cwd=ROOT,
                              stdout=open("/tmp/bench-server.log", "w"), stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/sante").text == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        pages = {
            "timeline (page 1 of 131 documents)": f"/dossiers/{ids['dossier']}",
            "document page (PDF)": f"/documents/{ids['pdf']}",
            "PDF page 1 rendered to PNG": f"/documents/{ids['pdf']}/pages/1",
        }
        print(f"{args.requests} requests per line, {args.concurrency} concurrent clients, one server process")
        print(f"{'reader':<18} {'page':<38} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7}")
        for reader, token in ids["tokens"].items():
            for label, path in pages.items():
                started = time.perf_counter()
                timings = asyncio.run(measure(base, token, path, args.requests, args.concurrency))
                elapsed = time.perf_counter() - started
                p95 = statistics.quantiles(timings, n=20)[18]
                print(f"{reader:<18} {label:<38} {statistics.median(timings):7.1f} {p95:7.1f} {len(timings) / elapsed:7.0f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
