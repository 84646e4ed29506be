"""How fast do the insurer's feed and practice software's pushes go in, and what do they cost a patient reading?

One command, one run, one `carnet serve`: it seeds 10,000 dossiers (bulk rows through the app's models, and a
few real dossiers made with its own functions), then measures, each as a ratio to `GET /sante` measured in the
same run (the median of every `/sante` run, one before each measure: the machine is shared, ratios hold):
- the import of 100,000 reimbursement lines into the 10,000 dossiers, each patient's lines together (an extract
  by beneficiary), sent to `POST /api/remboursements` with the insurer's SMART token in 10 posts of 10,000 lines,
  one after the other. Each repeat sends new `id_ligne`s (the same ones change nothing: sending the last lines
  again is measured too). Then the same import with nobody reading, and the importer's worst order (each line
  to another dossier: one log event a line) on 5,000 lines, with and without a reader;
- 100 ITI-65 pushes (`POST /fhir`, one PDF each) from one professional's software, all in flight at once, one
  per dossier: pushes per second, latency p50 / p99, and every error (a 5xx, "database is locked");
- while each runs, a patient's timeline at one connection (wrk, p50 / p99), against the same measure taken
  just before with nothing else running.
Import and pushes are repeated (median); a dated section is appended to bench/RESULTS.md.

    .venv/bin/python bench/ingest.py              # 100,000 lines into 10,000 dossiers, 100 pushes; SQLite, 1 process
    .venv/bin/python bench/ingest.py --quick      # 10,000 lines into 1,000 dossiers, 20 pushes: a check, in a minute
    .venv/bin/python bench/ingest.py --postgres   # on its own PostgreSQL server (durable), 2 server processes
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    BROWSER_ENCODINGS, free_port, load_average, memory_mb, serve, signed_in_cookie, stop, wrk, write_down,
)
from bench.ingest_seed import REAL, Seeded, feed_parts, seed, token_for  # noqa: E402
from tests.fhir_support import Software, provide_bundle, report_pdf  # noqa: E402
from tests.pgserver import create_database, running_postgres  # noqa: E402

FULL = dict(dossiers=10_000, lines=100_000, parts=10, pushes=100, spread=5_000)
QUICK = dict(dossiers=1_000, lines=10_000, parts=10, pushes=20, spread=200)
CEILING_CONNECTIONS = 16
# --- measures --------------------------------------------------------------------------------------


@dataclass
class Timeline:
    p50: float
    p99: float
    requests: int
    errors: int  # non-2xx answers, and wrk's timeouts (30 s)


def wrk_latency(out: str) -> Timeline:
    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return Timeline(ms("50%"), ms("99%"), int(re.search(r"(\d+) requests in", out).group(1)),
                    int(non_2xx.group(1) if non_2xx else 0) + int(timeouts.group(1) if timeouts else 0))


def while_timeline_read(url: str, headers: dict[str, str], work):
    """Run `work()` while wrk reads the timeline at one connection; wrk stops (SIGINT) when the work ends."""
    command = ["wrk", "-c1", "-t1", "-d3600s", "--timeout", "30s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    probe = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        result = work()
    finally:
        probe.send_signal(signal.SIGINT)
        out, _ = probe.communicate(timeout=30)
    return result, wrk_latency(out)


@dataclass
class Run:
    rate: float  # lines or pushes per second
    before: Timeline | None  # the timeline with nothing else running, then during the run (None: nobody read)
    during: Timeline | None
    p50: float = 0.0  # pushes only: their own latency, ms
    p99: float = 0.0
    errors: list[str] = field(default_factory=list)
    added: int = 0  # imports only
    unchanged: int = 0


def import_once(base: str, insurer: Software, parts: list[bytes]) -> tuple[float, dict, list[str]]:
    """Send the parts one after the other, a fresh token before each; (seconds of posting, totals, errors)."""
    totals = {"ajoutees": 0, "deja_chargees": 0, "corrigees": 0}
    errors: list[str] = []
    posting = 0.0
    with httpx.Client(base_url=base, timeout=900) as client:
        for body in parts:
            headers = {"authorization": f"Bearer {token_for(base, insurer, 'system/remboursements.c')}",
                       "content-type": "text/csv"}
            started = time.perf_counter()
            answer = client.post("/api/remboursements", content=body, headers=headers)
            posting += time.perf_counter() - started
            if answer.status_code != 200:
                errors.append(f"{answer.status_code} {answer.text[:300]}")
                continue
            for name in totals:
                totals[name] += answer.json()[name]
    return posting, totals, errors


async def push_all(base: str, token: str, bodies: list[bytes]) -> tuple[float, list[float], list[str]]:
    """Every push at once; (seconds from the first sent to the last answered, each latency in ms, errors)."""
    headers = {"authorization": f"Bearer {token}", "content-type": "application/fhir+json"}
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as client:
        async def one(body: bytes) -> tuple[float, str | None]:
            """One push as a well-behaved client sends it: a 503 (the server's bounded queue, full) is sent again,
            the same bytes, after its Retry-After; the latency runs from the first send to the last answer."""
            started = time.perf_counter()
            while True:
                try:
                    answer = await client.post("/fhir", content=body, headers=headers)
                except httpx.HTTPError as error:
                    return (time.perf_counter() - started) * 1000, f"no answer: {error!r}"
                if answer.status_code != 503 or time.perf_counter() - started > 240:
                    break
                await asyncio.sleep(float(answer.headers.get("retry-after", "5")))
            latency = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                return latency, f"{answer.status_code} {answer.text[:300]}"
            statuses = [e["response"]["status"] for e in answer.json()["entry"]]
            return latency, None if all(s.startswith("201") for s in statuses) else f"200 but {statuses}"

        started = time.perf_counter()
        results = await asyncio.gather(*(one(body) for body in bodies))
        elapsed = time.perf_counter() - started
    return elapsed, [latency for latency, _ in results], [error for _, error in results if error]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(base: str, seeded: Seeded, *, sizes: dict, repeat: int, seconds: int,
            log: Path) -> tuple[dict[str, list[Run]], list[float]]:
    timeline = (f"{base}/dossiers/{seeded.timeline}",
                {"Cookie": signed_in_cookie(seeded.patient_token), "Accept-Encoding": BROWSER_ENCODINGS})
    for _ in range(2):  # warm-up
        wrk(timeline[0], connections=1, seconds=1, headers=timeline[1])
    ceilings: list[float] = []
    runs: dict[str, list[Run]] = {}
    read = [0]

    def server_errors() -> list[str]:
        """What the server's log says went wrong since the last call."""
        text = log.read_text(errors="replace")
        text, read[0] = text[read[0]:], len(text)
        return [f"server log: {n} × {what}" for what in ("database is locked", "Traceback") if (n := text.count(what))]

    def run(work, *, reader: bool) -> tuple[object, Timeline | None, Timeline | None]:
        """`work()` after a `/sante` run; with `reader`, the timeline quiet then during the work."""
        ceilings.append(wrk(f"{base}/sante", connections=CEILING_CONNECTIONS, seconds=seconds, headers={})[0])
        time.sleep(min(1, seconds / 2))  # what wrk left in flight ends
        if not reader:
            return work(), None, None
        command = ["wrk", "-c1", "-t1", f"-d{seconds}s", "--latency", timeline[0]]
        for header, value in timeline[1].items():
            command += ["-H", f"{header}: {value}"]
        before = wrk_latency(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        result, during = while_timeline_read(*timeline, work)
        return result, before, during

    def load(name: str, parts: list[bytes], lines: int, *, reader: bool = True) -> None:
        (posting, totals, errors), before, during = run(lambda: import_once(base, seeded.insurer, parts), reader=reader)
        done = Run(lines / posting, before, during, errors=errors + server_errors(), added=totals["ajoutees"],
                   unchanged=totals["deja_chargees"])
        runs.setdefault(name, []).append(done)
        print(f"  {name}: {done.rate:,.0f} lines/s ({posting:.1f} s), added {done.added:,}, unchanged "
              f"{done.unchanged:,}" + (f"; timeline p50 {before.p50:.1f} → {during.p50:.1f} ms, p99 {before.p99:.1f} "
                                       f"→ {during.p99:.1f} ms" if reader else "") + f"; errors {done.errors or 0}",
              flush=True)

    lines, parts, spread = sizes["lines"], sizes["parts"], sizes["spread"]
    for n in range(repeat):
        body = feed_parts(seeded.ins, lines=lines, parts=parts, prefix=f"R{n}")
        load("import", body, lines)
    load("import again", body, lines)  # the last lines: all already loaded
    load("import, nobody reading", feed_parts(seeded.ins, lines=lines, parts=parts, prefix="Q"), lines, reader=False)
    body = feed_parts(seeded.ins, lines=spread, parts=1, prefix="S0", spread=True)
    load("spread, nobody reading", body, spread, reader=False)
    load("spread", feed_parts(seeded.ins, lines=spread, parts=1, prefix="S1", spread=True), spread)

    for _ in range(repeat):
        bodies = [json.dumps(provide_bundle(ins, title=f"Compte rendu de consultation {n}",
                                            data=report_pdf(f"Compte rendu {n}"))).encode()
                  for n, ins in enumerate(seeded.push_ins[:sizes["pushes"]])]
        token = token_for(base, seeded.practice)
        (elapsed, latencies, errors), before, during = run(
            lambda: asyncio.run(push_all(base, token, bodies)), reader=True)
        done = Run(len(bodies) / elapsed, before, during, percentile(latencies, 0.5), percentile(latencies, 0.99),
                   errors + server_errors())
        runs.setdefault("pushes", []).append(done)
        print(f"  {len(bodies)} pushes: {done.rate:.1f}/s ({elapsed:.1f} s), p50 {done.p50:.0f} ms, p99 {done.p99:.0f} "
              f"ms, errors {len(done.errors)}; timeline p50 {before.p50:.1f} → {during.p50:.1f} ms, "
              f"p99 {before.p99:.1f} → {during.p99:.1f} ms", flush=True)
    return runs, ceilings


# --- the run, written down -------------------------------------------------------------------------


def med(values) -> float:
    return statistics.median(list(values))


def slowdown(runs: list[Run]) -> str:
    if runs[0].before is None:
        return "(nobody reads)"
    before_50, during_50 = med(r.before.p50 for r in runs), med(r.during.p50 for r in runs)
    before_99, during_99 = med(r.before.p99 for r in runs), med(r.during.p99 for r in runs)
    failed = sum(r.during.errors for r in runs)
    return (f"p50 {before_50:.1f} → {during_50:.1f} ms (×{during_50 / before_50:.1f}), "
            f"p99 {before_99:.1f} → {during_99:.1f} ms (×{during_99 / before_99:.1f})"
            + (f", {failed} failed" if failed else ""))


def report(runs: dict[str, list[Run]], ceiling: float, *, sizes: dict, flags: str, engine: str, workers: int,
           seeding: float, memory: float, elapsed: float, repeat: int, seconds: int) -> str:
    lines, dossiers, parts = sizes["lines"], sizes["dossiers"], sizes["parts"]
    posts = f"{parts} posts of {math.ceil(lines / parts):,} lines one after the other"
    per_patient = f"each patient's {lines // dossiers} together"
    names = {
        "import": f"import: {lines:,} new lines into {dossiers:,} dossiers ({per_patient}), {posts}",
        "import again": "the last import's lines sent again (all already loaded: nothing written)",
        "import, nobody reading": f"the same import of {lines:,} new lines, no timeline read meanwhile",
        "spread, nobody reading": f"worst order: {sizes['spread']:,} lines each to another dossier (one log event a "
                                  "line), 1 post, no timeline read",
        "spread": f"the same worst order, {sizes['spread']:,} new lines, while the timeline is read",
        "pushes": f"ITI-65: {sizes['pushes']} pushes at once, one 1-page PDF each, to {sizes['pushes']} dossiers",
    }
    table = ["| run | rate (each run) | × /sante | patient's timeline, 1 connection: quiet → during |",
             "| --- | --- | --- | --- |"]
    for key, name in names.items():
        measured = runs[key]
        rate = med(r.rate for r in measured)
        if key == "pushes":
            each = " / ".join(f"{r.rate:.1f}" for r in measured)
            cell = (f"{rate:.1f} pushes/s ({each}); latency p50 {med(r.p50 for r in measured):,.0f} ms, "
                    f"p99 {med(r.p99 for r in measured):,.0f} ms")
            ratio = f"×{rate / ceiling:.3f}"
        else:
            cell = f"{rate:,.0f} lines/s ({' / '.join(f'{r.rate:,.0f}' for r in measured)})"
            ratio = f"×{rate / ceiling:.2f}"
        table.append(f"| {name} | {cell} | {ratio} | {slowdown(measured)} |")
    errors = [e for measured in runs.values() for r in measured for e in r.errors]
    added = " / ".join(f"{r.added:,}" for r in runs["import"])
    again = runs["import again"][0]
    return (f"\n## The insurer's feed and ITI-65 pushes, and a patient reading meanwhile (`bench/ingest.py{flags}`), "
            f"{date.today():%Y-%m-%d}\n\n"
            f"{engine}, {workers} server process(es); {platform.machine()}, {os.cpu_count()} cores shared with the "
            f"client (and with other work: {load_average()}). `GET /sante` at {CEILING_CONNECTIONS} connections "
            f"before each run: median {ceiling:,.0f} req/s (×: a rate over it). Lines/s over the posts' own time (a "
            f"fresh token before each post, not counted); pushes/s from the first sent to the last answered, all "
            f"{sizes['pushes']} in flight at once (httpx.AsyncClient). Timeline: GET /dossiers/{{id}} (131 documents) "
            f"as its patient, wrk at one connection, {seconds} s with nothing else running, then for the whole run. "
            f"Median of {repeat} run(s) for the import and the pushes, one of each other line. Seeded {dossiers:,} "
            f"dossiers ({REAL} through the app's functions, the rest in bulk) in {seeding:.0f} s; the whole run took "
            f"{elapsed / 60:.1f} min.\n\n" + "\n".join(table) + "\n\n"
            f"Lines added by each import: {added}; sent again: {again.unchanged:,} already loaded, {again.added:,} "
            "added. Errors: " + ("; ".join(errors[:10]) if errors else
                                 "none (no 5xx, no \"database is locked\", in the answers or the server's log)")
            + f". Server memory (resident, after the run): {memory:.0f} MB.\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL server of its own")
    parser.add_argument("--workers", type=int, default=0, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, do not append to bench/RESULTS.md")
    args = parser.parse_args()
    began = time.perf_counter()
    sizes = QUICK if args.quick else FULL
    repeat, seconds = (1, 1) if args.quick else (args.repeat, 5)
    workers = args.workers or (2 if args.postgres else 1)
    data = Path(tempfile.mkdtemp(prefix="carnet-ingest-"))
    try:
        with running_postgres(durable=True) if args.postgres else contextlib.nullcontext("") as postgres:
            port = free_port()
            url = (asyncio.run(create_database(postgres, "ingest")) if postgres
                   else f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}")
            env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
                   "CARNET_ORIGIN": f"http://localhost:{port}",
                   "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"}
            os.environ.update({k: v for k, v in env.items() if k.startswith(("CARNET_", "DATABASE_"))})
            started = time.perf_counter()
            seeded = asyncio.run(seed(url, data, dossiers=sizes["dossiers"], pushes=sizes["pushes"]))
            seeding = time.perf_counter() - started
            print(f"seeded {sizes['dossiers']:,} dossiers in {seeding:.0f} s", flush=True)
            log = data / "server.log"
            server = serve(env, port, workers, log)
            try:
                runs, ceilings = measure(f"http://localhost:{port}", seeded, sizes=sizes, repeat=repeat,
                                         seconds=seconds, log=log)
                memory = memory_mb(server.pid)
            finally:
                stop(server)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    flags = (" --quick" if args.quick else "") + (" --postgres" if args.postgres else "")
    write_down(report(runs, med(ceilings), sizes=sizes, flags=flags, workers=workers, seeding=seeding, memory=memory,
                      engine="PostgreSQL 15 (durable)" if args.postgres else "SQLite", repeat=repeat,
                      seconds=seconds, elapsed=time.perf_counter() - began), print_only=args.no_write)


if __name__ == "__main__":
    main()
