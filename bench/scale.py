"""Is a page's cost flat in the size of the dossier? One command: seed the sizes, measure, write down.

For each size (documents in one dossier, events in its log) it seeds a fresh database through the
app's own models (bulk rows, a few stored files), starts one `carnet serve` process, and measures
with wrk, for every page, its requests per second at 16 connections as a ratio to `GET /sante`
(measured before each page, in the same run; the median of those: the machine is shared and noisy,
ratios hold, numbers drift), and its latency at one connection (p50, p99). It repeats each measure, keeps the median,
reads the server's memory, and appends a dated section to bench/RESULTS.md.

    .venv/bin/python bench/scale.py                       # 131 / 5,000 / 50,000 documents; 1,000 / 100,000 / 1,000,000 events
    .venv/bin/python bench/scale.py --quick               # two sizes, shorter runs: a check that it works
    .venv/bin/python bench/scale.py --postgres           # on its own PostgreSQL server (durable), 2 server processes
    .venv/bin/python bench/scale.py --quick --only professional   # the pages whose name holds "professional"

Needs wrk (Debian's `wrk`); installs it with apt-get when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Seeded, analyze, free_port, load_average, memory_mb, pages_of, seed, serve, stop, wait_for_the_journal, wrk, write_down,
)
from server.tlog.integrator import STRAGGLER_WINDOW  # noqa: E402
from tests.pgserver import create_database, running_postgres  # noqa: E402  (the project's own PostgreSQL)

SIZES = [(131, 1_000), (5_000, 100_000), (50_000, 1_000_000)]
QUICK = [(131, 1_000), (5_000, 100_000)]
CONNECTIONS = 16


@dataclass
class Measure:
    rate: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)


def measure_size(documents: int, events: int, *, postgres: str, workers: int, seconds: int,
                 repeat: int, only: str = "") -> tuple[dict[str, Measure], float]:
    data = Path(tempfile.mkdtemp(prefix="carnet-scale-"))
    port = free_port()
    url = (asyncio.run(create_database(postgres, f"scale_{documents}_{events}")) if postgres
           else f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}")
    env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
           "CARNET_ORIGIN": f"http://localhost:{port}", "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"}
    os.environ.update({k: v for k, v in env.items() if k.startswith(("CARNET_", "DATABASE_"))})
    started = time.perf_counter()
    seeded = asyncio.run(seed(url, data, documents, events))
    print(f"  seeded {documents:,} documents and {events:,} events in {time.perf_counter() - started:.0f} s", flush=True)
    server = serve(env, port, workers)
    try:
        wait_for_the_journal(f"http://localhost:{port}", events)
        analyze(url)
        if postgres:
            # Until a checkpoint is older than the integrator's straggler window, each round looks for events not
            # yet in the tree among all of them (server/tlog/integrator.py): a fresh tree's first two minutes,
            # which took a third of PostgreSQL's time here. A site runs past them; so does the measure.
            time.sleep(STRAGGLER_WINDOW.total_seconds() + 5)
        results = measure_pages(f"http://localhost:{port}", seeded, events, seconds=seconds, repeat=repeat, only=only)
        memory = memory_mb(server.pid)
    finally:
        stop(server)
        shutil.rmtree(data, ignore_errors=True)
    return results, memory


def measure_pages(base: str, seeded: Seeded, events: int, *, seconds: int, repeat: int,
                  only: str = "") -> dict[str, Measure]:
    """Every page (whose name holds `only`) at 16 connections, as a ratio to `/sante` measured between the pages,
    then at one connection."""
    pages = {name: page for name, page in pages_of(base, seeded, events).items() if only in name}
    results = {name: Measure() for name in pages}
    for _ in range(2):  # warm-up: caches, the first visit's log bookkeeping
        for page, headers in pages.values():
            wrk(page, connections=1, seconds=1, headers=headers)
    ceilings: list[float] = []
    for _ in range(repeat):
        for name, (page, headers) in pages.items():
            ceilings.append(wrk(f"{base}/sante", connections=CONNECTIONS, seconds=seconds, headers={})[0])
            rate, _, _ = wrk(page, connections=CONNECTIONS, seconds=seconds, headers=headers)
            time.sleep(1)  # the requests wrk left in flight finish before the latency is measured
            _, p50, p99 = wrk(page, connections=1, seconds=max(2, seconds // 2), headers=headers)
            m = results[name]
            m.rate.append(rate)
            m.p50.append(p50)
            m.p99.append(p99)
    # Each rate over the median of every `/sante` run of this size, all interleaved with the pages: with two
    # worker processes one `/sante` run swung from 760 to 1,400 req/s, and a ratio to the run just before with it.
    ceiling = statistics.median(ceilings)
    for m in results.values():
        m.ratio = [rate / ceiling for rate in m.rate]
    return results


def table(results: dict[tuple[int, int], tuple[dict[str, Measure], float]]) -> str:
    sizes = list(results)
    names = list(next(iter(results.values()))[0])
    head = "| page | " + " | ".join(f"{d:,} docs / {e:,} events" for d, e in sizes) + " | flat? |"
    lines = [head, "| --- |" + " --- |" * (len(sizes) + 1)]
    for name in names:
        cells, ratios = [], []
        for size in sizes:
            m = results[size][0][name]
            ratio = statistics.median(m.ratio)
            ratios.append(ratio)
            cells.append(f"×{ratio:.2f} ({statistics.median(m.rate):.0f}/s), p50 {statistics.median(m.p50):.1f} ms, "
                         f"p99 {statistics.median(m.p99):.1f} ms")
        spread = (max(ratios) - min(ratios)) / max(ratios) if max(ratios) else 0
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {'yes' if spread <= 0.2 else 'no'} ({spread:.0%}) |")
    memory = " / ".join(f"{results[s][1]:.0f} MB" for s in sizes)
    lines.append(f"\nServer memory (resident, after the run): {memory}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL server of its own")
    parser.add_argument("--workers", type=int, default=0, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--only", default="", help="the pages whose name holds this, e.g. 'professional'")
    parser.add_argument("--no-write", action="store_true", help="print, do not append to bench/RESULTS.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    workers = args.workers or (2 if args.postgres else 1)
    sizes = QUICK if args.quick else SIZES
    seconds, repeat = (2, 1) if args.quick else (args.seconds, args.repeat)
    results = {}
    with running_postgres(durable=True) if args.postgres else contextlib.nullcontext("") as postgres:
        for documents, events in sizes:
            print(f"{documents:,} documents, {events:,} events", flush=True)
            results[(documents, events)] = measure_size(documents, events, postgres=postgres, workers=workers,
                                                        seconds=seconds, repeat=repeat, only=args.only)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    flags = ((" --quick" if args.quick else "") + (" --postgres" if args.postgres else "")
             + (f" --only '{args.only}'" if args.only else ""))
    report = (f"\n## Flat at any size (`bench/scale.py{flags}`), {date.today():%Y-%m-%d}\n\n"
              f"{engine}, {workers} server process(es); {platform.machine()}, {os.cpu_count()} cores; "
              f"{load_average()}. wrk, {CONNECTIONS} connections "
              f"for the rate (×: the ratio to the median of `GET /sante`, measured before each page), 1 connection for "
              f"the latency; median of {repeat} run(s) of {seconds} s.\n\n" + table(results) + "\n")
    write_down(report, print_only=args.no_write)


if __name__ == "__main__":
    main()
