"""Read latency of a patient's and a professional's pages on the demo dossier, and of an upload.

Starts `carnet serve` on demo data in a temporary directory, opens sessions through
the app's own functions, then measures each page with concurrent clients. Every line is also
given as a ratio to `GET /sante` measured just before it in the same run (this machine is shared
and noisy: absolute numbers move, ratios much less), and the whole table is repeated.

    .venv/bin/python bench/reads.py [--requests 300] [--concurrency 8] [--repeat 3] [--database-url URL]
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

    from server.auth.accounts import account_for_patient, account_for_professional

    from server.auth.sessions import start_session
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


async def measure(base: str, token: str, path: str, requests: int, concurrency: int, *, upload: bytes = b"") -> list[float]:
    """GET `path` (or, with `upload`, post that PDF to it as the professional's upload form) `requests` times."""
    timings: list[float] = []
    queue = list(range(requests))

    async def worker():
        async with httpx.AsyncClient(base_url=base, cookies={"carnet_session": token}, timeout=60) as client:
            token_page = (await client.get(path)).text if upload else ""
            csrf = token_page.split('name="_csrf_token" value="', 1)[-1].split('"', 1)[0] if upload else ""
            while queue:
                n = queue.pop()
                start = time.perf_counter()
                if upload:
                    response = await client.post(path, data={"title": f"Compte rendu {n}", "category": "compte_rendu",
                                                             "event_date": "2025-01-02", "_csrf_token": csrf},
                                                 files={"file": ("cr.pdf", upload, "application/pdf")})
                    ok = response.status_code == 303
                else:
                    response = await client.get(path)
                    ok = response.status_code == 200
                timings.append((time.perf_counter() - start) * 1000)
                assert ok, (path, response.status_code)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings


def one_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in range(40):
        pdf.cell(0, 6, f"Ligne {line} du compte rendu de consultation, texte ordinaire.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def run_line(base: str, token: str, path: str, requests: int, concurrency: int, *, upload: bytes = b""):
    """(timings in ms, requests per second) of one measured line."""
    started = time.perf_counter()
    timings = asyncio.run(measure(base, token, path, requests, concurrency, upload=upload))
    return timings, len(timings) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
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
            "PDF page 1 image": f"/documents/{ids['pdf']}/pages/1",
        }
        pdf = one_page_pdf()
        print(f"{args.requests} requests per line, {args.concurrency} concurrent clients, one server process")
        print(f"{'run':<4}{'reader':<18} {'page':<38} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7} {'× /sante':>9}")
        for run in range(1, args.repeat + 1):
            for reader, token in ids["tokens"].items():
                lines = [(label, path, b"") for label, path in pages.items()]
                if reader == "médecin traitant":  # an upload renders its PDF's pages in a child process
                    lines.append(("upload of a 1-page PDF", f"/dossiers/{ids['dossier']}/documents/nouveau", pdf))
                for label, path, upload in lines:
                    requests = max(args.requests // 10, 10) if upload else args.requests
                    concurrency = min(args.concurrency, 2) if upload else args.concurrency
                    _, ceiling = run_line(base, token, "/sante", args.requests, args.concurrency)
                    timings, per_second = run_line(base, token, path, requests, concurrency, upload=upload)
                    p95 = statistics.quantiles(timings, n=20)[18]
                    print(f"{run:<4}{reader:<18} {label:<38} {statistics.median(timings):7.1f} {p95:7.1f} "
                          f"{per_second:7.0f} {per_second / ceiling:9.3f}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
