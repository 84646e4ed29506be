"""What the transparency log costs: appended events per second with and without the Merkle tree.

One command, one run. Each appended event here is a professional's document read (`GET /documents/{id}`:
the read's event is chained and committed before the bytes go out), at 16 connections, as a ratio to
`GET /sante` measured just before it in the same server. Measured twice per repeat, on a fresh server each
time: without the tree (`CARNET_JOURNAL_INTERVAL=0`: no integrator runs) and with it (the integrator every
second). With the tree, it also says how long after the load the last event was in a signed checkpoint (the
merge delay under load), and, on a dossier seeded with a backlog of events never integrated, how many leaves
per second the integrator adds.

    .venv/bin/python bench/tlog.py                 # SQLite, 1 process, 3 repeats of 10 s, a 100,000-event backlog
    .venv/bin/python bench/tlog.py --quick         # 1 repeat of 5 s, a 10,000-event backlog
    .venv/bin/python bench/tlog.py --print-only    # do not append to bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import free_port, load_average, seed, serve, signed_in_cookie, stop, wrk, write_down  # noqa: E402

CONNECTIONS = 16


def environment(data: Path, port: int, interval: str) -> dict:
    env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data),
           "DATABASE_URL": f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}", "CARNET_ORIGIN": f"http://localhost:{port}",
           "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet", "CARNET_JOURNAL_INTERVAL": interval}
    os.environ.update({k: v for k, v in env.items() if k.startswith(("CARNET_", "DATABASE_"))})
    return env


def tree_size(base: str) -> int:
    answer = httpx.get(f"{base}/journal/checkpoint", timeout=5)
    return int(answer.text.split("\n")[1]) if answer.status_code == 200 else 0


def events_in_log(data: Path) -> int:
    import sqlite3

    with sqlite3.connect(data / "carnet.sqlite3") as db:
        return db.execute("SELECT count(*) FROM accessevent").fetchone()[0]


def wait_for_tree(base: str, data: Path, *, limit: float) -> float | None:
    """Seconds until every event of the log is in a signed checkpoint (None past `limit`)."""
    started, target = time.perf_counter(), events_in_log(data)
    while time.perf_counter() - started < limit:
        if tree_size(base) >= target:
            return time.perf_counter() - started
        time.sleep(0.1)
    return None


def one_run(interval: str, *, seconds: int, backlog: int) -> dict:
    """A fresh server and dossier: the ceiling, the read load, and with the tree its delays."""
    data = Path(tempfile.mkdtemp(prefix="carnet-tlog-"))
    port = free_port()
    base = f"http://localhost:{port}"
    env = environment(data, port, interval)
    seeded = asyncio.run(seed(env["DATABASE_URL"], data, 131, backlog))
    server = serve(env, port, 1)
    try:
        result: dict = {}
        if interval != "0":  # the backlog: every seeded event, integrated from the server's start
            delay = wait_for_tree(base, data, limit=600)
            result["backlog_leaves_per_s"] = events_in_log(data) / delay if delay else None
        read = f"{base}/documents/{seeded.document_id}"
        headers = {"Cookie": signed_in_cookie(seeded.professional_token)}
        wrk(read, connections=1, seconds=1, headers=headers)  # warm-up
        result["ceiling"] = wrk(f"{base}/sante", connections=CONNECTIONS, seconds=seconds, headers={})[0]
        before = events_in_log(data)
        result["reads"], result["p50"], result["p99"] = wrk(read, connections=CONNECTIONS, seconds=seconds,
                                                            headers=headers)
        result["appended"] = (events_in_log(data) - before) / seconds
        if interval != "0":
            result["merge_delay"] = wait_for_tree(base, data, limit=60)
        return result
    finally:
        stop(server)
        shutil.rmtree(data, ignore_errors=True)


def med(values: list) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--print-only", action="store_true")
    args = parser.parse_args()
    repeat, seconds, backlog = (1, 5, 10_000) if args.quick else (3, 10, 100_000)
    runs: dict[str, list[dict]] = {"without the tree": [], "with the tree": []}
    for n in range(repeat):
        for name, interval in (("without the tree", "0"), ("with the tree", "1")):
            print(f"repeat {n + 1}/{repeat}, {name}", flush=True)
            runs[name].append(one_run(interval, seconds=seconds, backlog=backlog if interval != "0" else 0))
    lines = [f"\n## Transparency log: appended events with and without the tree ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n",
             f"`.venv/bin/python bench/tlog.py{' --quick' if args.quick else ''}` — SQLite, one `carnet serve` process, "
             f"{platform.machine()}, {os.cpu_count()} cores, {load_average()}; {repeat} repeat(s) of {seconds} s at "
             f"{CONNECTIONS} connections, each on a fresh server; ratios to that server's `GET /sante` measured just before.\n",
             "| | `/sante` req/s | reads = events appended /s | ratio to `/sante` | p50 ms | p99 ms | every event in a signed checkpoint after the load |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, results in runs.items():
        ratios = [r["reads"] / r["ceiling"] for r in results]
        delay = med([r.get("merge_delay") for r in results]) if name == "with the tree" else None
        lines.append(f"| {name} | {med([r['ceiling'] for r in results]):.0f} | {med([r['appended'] for r in results]):.0f} "
                     f"| ×{med(ratios):.2f} ({', '.join(f'{x:.2f}' for x in ratios)}) | {med([r['p50'] for r in results]):.1f} "
                     f"| {med([r['p99'] for r in results]):.1f} | {'' if delay is None else f'{delay:.1f} s'} |")
    leaves = med([r.get("backlog_leaves_per_s") for r in runs["with the tree"]])
    lines.append(f"\nA backlog of {backlog:,} events never integrated: the integrator adds {leaves:,.0f} leaves/s "
                 "(from the server's start until a signed checkpoint covers them all, median).\n")
    write_down("\n".join(lines) + "\n", print_only=args.print_only)


if __name__ == "__main__":
    main()
