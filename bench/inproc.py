"""What a page costs the app itself, in process: CPU time per request (`time.process_time`) of the Litestar app
called through ASGI, without a server, a socket or wrk, and the same code trees measured in turn.

`cpu.py` measures a `carnet serve` process under wrk: uvicorn's parsing and the integrator's rounds are in its
figures, and a run takes minutes. Here each request is one ASGI call in a task of its own (as a server runs it), on
a copy of one seeded database, so that two versions of the code (two trees) can be alternated A/B/A/B a few
seconds apart on a shared machine, and a change of a tenth of a millisecond told from the noise.

    .venv/bin/python bench/inproc.py seed --data /tmp/carnet-inproc            # once: cpu.py's seed, integrated
    .venv/bin/python bench/inproc.py compare --data /tmp/carnet-inproc base=/tmp/main a=/tmp/variant --rounds 4
    .venv/bin/python bench/inproc.py measure --data /tmp/carnet-inproc --requests 100 --rounds 30 --switch variant.py

Two processes a few seconds apart differed by 30 % on a shared machine (other tenants' load moves the CPU time a
request takes, too). `--switch` is the finer one: a file whose on() and off() put a variant in place and take it
away (a module's function swapped, a handler replaced) in the running app, both measured in turn every 100
requests; the median of the paired differences, with its spread, says what the variant changes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORIGIN = "http://localhost:8000"
SECRET = "bench-secret-that-is-long-enough-for-carnet"
sys.path.insert(0, str(ROOT))
from bench.harness import BROWSER_ENCODINGS, signed_in_cookie  # noqa: E402  (this tree's: no server module)


def environment(data: Path) -> dict[str, str]:
    return {"CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "CARNET_ORIGIN": ORIGIN, "CARNET_SECRET": SECRET,
            "DATABASE_URL": f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}", "CARNET_JOURNAL_INTERVAL": "0"}


def seed_once(data: Path, documents: int, events: int) -> None:
    """cpu.py's seed, and the journal integrated (what cpu.py waits for before it measures)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(environment(data))
    from bench.harness import seed
    from server.config import load_settings
    from server.db import make_engine, make_sessionmaker
    from server.tlog.integrator import integrate_now
    from server.tlog.signing import load_signer

    data.mkdir(parents=True, exist_ok=True)
    url = environment(data)["DATABASE_URL"]
    seeded = asyncio.run(seed(url, data, documents, events))

    async def integrate() -> None:
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            await integrate_now(session, signer=load_signer(load_settings()))
        await engine.dispose()

    asyncio.run(integrate())
    (data / "seeded.json").write_text(json.dumps({**asdict(seeded), "events": events}))


def pages(seeded: dict) -> dict[str, tuple[str, dict[str, str]]]:
    patient = {"cookie": signed_in_cookie(seeded["patient_token"]), "accept-encoding": BROWSER_ENCODINGS}
    professional = {**patient, "cookie": signed_in_cookie(seeded["professional_token"])}
    dossier = f"/dossiers/{seeded['dossier_id']}"
    return {
        "/sante": ("/sante", {}),
        "login page": ("/connexion", {"accept-encoding": patient["accept-encoding"]}),
        "/cles": ("/cles", patient),
        "timeline full": (dossier, patient),
        "htmx page 2": (f"{dossier}?apres={seeded['after_id']}",
                        {**patient, "hx-request": "true", "hx-target": f"more-{seeded['after_id']}"}),
        "category": (f"{dossier}?categorie=biologie", patient),
        "search": (f"{dossier}?recherche={seeded['search_token']}", patient),
        "one-doc search": (f"/dossiers/{seeded['small_dossier_id']}?recherche={seeded['search_token']}",
                           {**patient, "cookie": signed_in_cookie(seeded["small_patient_token"])}),
        "Historique": (f"{dossier}/historique", patient),
        "pro read": (f"/documents/{seeded['document_id']}", professional),
    }


async def call(app, target: str, headers: dict[str, str]) -> int:
    """One GET through the app's ASGI interface, in a task of its own; its status."""
    path, _, query = target.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query.encode(), "client": ("127.0.0.1", 50000), "server": ("localhost", 8000),
             "headers": [(b"host", b"localhost:8000"), *((k.encode(), v.encode()) for k, v in headers.items())]}
    received, status = False, []

    async def receive():
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await asyncio.create_task(app(scope, receive, send))
    return status[0]


def measure(tree: Path, data: Path, requests: int, rounds: int, names: list[str],
            threads: bool = False, switch_file: Path | None = None) -> dict[str, list[float]]:
    """ms of CPU per request of each page, `rounds` times (pages interleaved), the code of `tree`, on a copy of the
    seeded database whose sessions are fresh."""
    work = Path(tempfile.mkdtemp(prefix="carnet-inproc-"))
    try:
        for item in data.iterdir():
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, work / item.name)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores a datetime on SQLite
        with sqlite3.connect(work / "carnet.sqlite3") as db:
            db.execute("UPDATE websession SET last_seen_at = ?, created_at = ?", (now, now))
        os.environ.update(environment(work))
        sys.path.insert(0, str(tree))
        from server.app import create_app
        from server.tlog.signing import load_signer

        app = create_app()
        app.state.journal_signer = load_signer(app.state.settings)
        seeded = json.loads((data / "seeded.json").read_text())
        chosen = {name: value for name, value in pages(seeded).items() if not names or name in names}
        costs: dict[str, list[float]] = {}
        switch = None
        if switch_file:  # a variant that a running process can switch on and off: on() and off() in this file
            switch = type(sys)("switch")
            switch.__dict__["app"] = app
            exec(compile(switch_file.read_text(), str(switch_file), "exec"), switch.__dict__)

        async def run() -> None:
            for target, headers in chosen.values():  # warm-up: compiled SQL, templates, caches
                for _ in range(max(50, requests // 5)):
                    code = await call(app, target, headers)
                    if code != 200:
                        raise RuntimeError(f"{target} answered {code}")
            gc.collect()
            gc.freeze()  # as the server does after its startup (app.freeze_startup_heap)
            for n in range(rounds):
                for name, (target, headers) in chosen.items():
                    # With a switch, both of its positions in turn, in either order a round: the same minute's machine.
                    for position in ((["off", "on"] if n % 2 == 0 else ["on", "off"]) if switch else [None]):
                        if switch:
                            getattr(switch, position)()
                        label = f"{name} [{position}]" if position else name
                        started, on_the_loop = time.process_time(), time.thread_time()
                        for _ in range(requests):
                            await call(app, target, headers)
                        costs.setdefault(label, []).append((time.process_time() - started) / requests * 1000)
                        if threads:  # the loop's own thread: the rest is the logging's and the database driver's
                            costs.setdefault(f"{label} (loop)", []).append(
                                (time.thread_time() - on_the_loop) / requests * 1000)

        asyncio.run(run())
        asyncio.run(app.state.engine.dispose())
        return costs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(data: Path, trees: dict[str, Path], rounds: int, requests: int, inner: int, names: list[str]) -> None:
    """Each tree in its own process, in turn, `rounds` times: A B C A B C …; each process measures every page
    `inner` times. The table gives each tree's median over all of them, and the spread of the processes' medians."""
    results: dict[str, dict[str, list[list[float]]]] = {label: {} for label in trees}
    for n in range(rounds):
        for label, tree in trees.items():
            command = [sys.executable, str(Path(__file__).resolve()), "measure", "--data", str(data), "--tree",
                       str(tree), "--requests", str(requests), "--rounds", str(inner), *sum((["--page", p] for p in names), [])]
            out = subprocess.run(command, capture_output=True, text=True, cwd=tree)
            if out.returncode:
                raise RuntimeError(out.stderr[-3000:])
            for name, values in json.loads(out.stdout.splitlines()[-1]).items():
                results[label].setdefault(name, []).append(values)
            print(f"  round {n + 1} {label}: " + ", ".join(
                f"{k} {statistics.median(v[-1]):.3f}" for k, v in results[label].items()), file=sys.stderr, flush=True)
    page_names = list(next(iter(results.values())))
    print("| variant | " + " | ".join(page_names) + " |")
    print("| --- |" + " --- |" * len(page_names))
    for label, by_page in results.items():
        cells = []
        for name in page_names:
            runs = by_page[name]
            medians = sorted(statistics.median(r) for r in runs)
            cells.append(f"{statistics.median([v for r in runs for v in r]):.3f} ({medians[0]:.2f}–{medians[-1]:.2f})")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(json.dumps(results), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--data", type=Path, required=True)
    s.add_argument("--documents", type=int, default=5000)
    s.add_argument("--events", type=int, default=100_000)
    m = sub.add_parser("measure")
    m.add_argument("--data", type=Path, required=True)
    m.add_argument("--tree", type=Path, default=ROOT)
    m.add_argument("--requests", type=int, default=500)
    m.add_argument("--rounds", type=int, default=3)
    m.add_argument("--page", action="append", default=[])
    m.add_argument("--threads", action="store_true", help="the loop's thread's CPU apart too")
    m.add_argument("--switch", type=Path, help="a file with on() and off(): both measured, in turn, in this process")
    c = sub.add_parser("compare")
    c.add_argument("--data", type=Path, required=True)
    c.add_argument("--rounds", type=int, default=4)
    c.add_argument("--requests", type=int, default=500)
    c.add_argument("--inner", type=int, default=2)
    c.add_argument("--page", action="append", default=[])
    c.add_argument("trees", nargs="+", help="label=path of a code tree")
    args = parser.parse_args()
    if args.command == "seed":
        seed_once(args.data, args.documents, args.events)
    elif args.command == "measure":
        print(json.dumps(measure(args.tree.resolve(), args.data, args.requests, args.rounds, args.page, args.threads,
                                 args.switch)))
    else:
        trees = {label: Path(path).resolve() for label, path in (t.split("=", 1) for t in args.trees)}
        compare(args.data, trees, args.rounds, args.requests, args.inner, args.page)


if __name__ == "__main__":
    main()
