"""What a page costs the server: its CPU time per request, as a ratio to `GET /sante`'s, per page.

`scale.py` counts requests per second, which the machine's other tenants move by ±20 % from one
run to the next. The server's own CPU time per request (utime + stime of its process, read from
/proc, over a few seconds of four connections) moves far less, so it is what tells whether a change
to the code made a page cheaper. Same seed as `scale.py` (one patient's dossier, a professional she
granted access to), one `carnet serve` process on SQLite.

    .venv/bin/python bench/cpu.py                     # 5,000 documents, 100,000 events, 3 rounds
    .venv/bin/python bench/cpu.py --documents 131 --events 1000 --rounds 5 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    BROWSER_ENCODINGS, free_port, load_average, pages_of, seed, serve, signed_in_cookie, stop, wait_for_the_journal,
    wrk_run, write_down,
)

CONNECTIONS = 4  # enough to keep one process busy, few enough to leave wrk and the others a core


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests_during(url: str | list[str], headers: dict[str, str], seconds: int) -> int:
    out = wrk_run(url, connections=CONNECTIONS, threads=1, seconds=seconds, headers=headers)
    return int(re.search(r"(\d+) requests in", out).group(1))


def measure(documents: int, events: int, rounds: int, seconds: int) -> dict[str, list[float]]:
    data = Path(tempfile.mkdtemp(prefix="carnet-cpu-"))
    port = free_port()
    url = f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}"
    env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
           "CARNET_ORIGIN": f"http://localhost:{port}", "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"}
    os.environ.update({k: v for k, v in env.items() if k.startswith(("CARNET_", "DATABASE_"))})
    seeded = asyncio.run(seed(url, data, documents, events))
    server = serve(env, port, 1)
    try:
        base = f"http://localhost:{port}"
        wait_for_the_journal(base, events)
        signed_in = {"Cookie": signed_in_cookie(seeded.patient_token), "Accept-Encoding": BROWSER_ENCODINGS}
        pages = {"GET /sante": (f"{base}/sante", {}),
                 # Two floors under every page: the layout alone (the login page), and a signed-in page that shows
                 # none of the dossier (her passkeys: the session's, and two small statements).
                 "floor: the login page": (f"{base}/connexion", {"Accept-Encoding": BROWSER_ENCODINGS}),
                 "floor: signed in, her passkeys": (f"{base}/cles", signed_in),
                 **pages_of(base, seeded, events)}
        for page, headers in pages.values():  # warm-up
            requests_during(page, headers, 1)
        costs: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(rounds):
            for name, (page, headers) in pages.items():
                before = cpu_seconds(server.pid)
                count = requests_during(page, headers, seconds)
                costs[name].append((cpu_seconds(server.pid) - before) / count * 1000)
    finally:
        stop(server)
        shutil.rmtree(data, ignore_errors=True)
    return costs


def table(costs: dict[str, list[float]]) -> str:
    ceiling = statistics.median(costs["GET /sante"])
    lines = ["| page | server CPU per request (median, ms) | × of `/sante` | each round (ms) |", "| --- | --- | --- | --- |"]
    for name, values in costs.items():
        cost = statistics.median(values)
        lines.append(f"| {name} | {cost:.2f} | ×{ceiling / cost:.2f} | {', '.join(f'{v:.2f}' for v in values)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, do not append to bench/RESULTS.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    costs = measure(args.documents, args.events, args.rounds, args.seconds)
    report = (f"\n## Server CPU per request (`bench/cpu.py`), {date.today():%Y-%m-%d}\n\n"
              f"SQLite, 1 server process; {platform.machine()}, {os.cpu_count()} cores; {load_average()}. wrk, "
              f"{CONNECTIONS} connections, {args.seconds} s a page, {args.rounds} rounds; {args.documents:,} documents, "
              f"{args.events:,} events. ×: `/sante`'s CPU per request over the page's (the share of `/sante`'s rate "
              f"the page reaches when the server is CPU-bound).\n\n" + table(costs) + "\n")
    write_down(report, print_only=args.no_write)


if __name__ == "__main__":
    main()
