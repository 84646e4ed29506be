"""What the benches share: a seeded dossier, a `carnet serve` started and stopped, wrk, the server's memory,
the pages measured, and the write-up in bench/RESULTS.md (scale.py, cpu.py, tlog.py, ingest.py)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Seeded:
    dossier_id: str
    patient_token: str
    professional_token: str
    document_id: str  # one the professional may read
    after_id: str  # a document halfway down the timeline: the htmx page starts after it
    search_token: str
    # One document in each of SPREAD other patients' dossiers, all granted to the same professional: reads that
    # do not all wait for one dossier's chain lock, as a site's professionals read their own patients.
    spread_document_ids: list[str]
    # The first of those dossiers, and its patient's session: a search in a one-document dossier beside the big one
    # (what it costs must not be the installation's).
    small_dossier_id: str = ""
    small_patient_token: str = ""


SPREAD = 16
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"  # Chromium's: pages compressed as a browser gets them (until 12-05: gzip)
# The CSRF cookie (auth/csrf.py: a random secret of the browser's) a signed-in browser holds since its first page;
# a request without it is answered with a new one, which no browser asks for again. Until 12-07 the bench sent none.
BROWSER_SECRET = "5e" * 32


def signed_in_cookie(session_token: str) -> str:
    """The cookies a signed-in browser sends: its session's and its CSRF secret's."""
    return f"carnet_session={session_token}; csrftoken={BROWSER_SECRET}"


async def seed(url: str, data_dir: Path, documents: int, events: int) -> Seeded:
    """One patient's dossier of this size, a professional she granted access to, and their sessions."""
    from sqlalchemy import insert

    from server.access import grants
    from server.auth.accounts import account_for_patient, account_for_professional
    from server.auth.sessions import start_session
    from server.accesslog.audit import Actor
    from server.db import make_engine, make_sessionmaker
    from server.dossiers import add_document, create_patient, create_professional, found_by
    from server.files.store import DiskStorage
    from server.identifiers import ins_key, rpps_with_key
    from server.migrate import upgrade
    from server.models import AccessEvent, ChainHead, Document, new_id, utcnow
    from server.search import search_text, search_title

    engine = make_engine(url)
    await upgrade(engine)
    storage = DiskStorage(data_dir / "files")
    categories = ["biologie", "imagerie", "compte_rendu", "ordonnance", "remboursement", "vaccination"]
    async with make_sessionmaker(engine)() as db:
        nir = "2840369383047"
        patient, dossier = await create_patient(db, ins=nir + ins_key(nir), given_name="Camille", family_name="Martin",
                                                birth_date=date(1984, 3, 12), sex="F")
        kine = await create_professional(db, rpps=rpps_with_key("1000951238"), given_name="Léa", family_name="Fontaine",
                                         profession="masseur-kinésithérapeute", city="Lyon")
        template = await add_document(db, storage, dossier=dossier, title="Bilan lipidique", category="biologie",
                                      event_date=date(2025, 6, 1), filename="bilan.txt", mime_type="text/plain",
                                      data=b"Cholesterol total 1,9 g/L", author=kine)
        now = utcnow()
        start = date(2026, 1, 1)
        titles = [(f"{['Bilan', 'Compte rendu', 'Ordonnance'][n % 3]} {n}", categories[n % len(categories)])
                  for n in range(documents - 1)]
        rows = [dict(id=new_id(), dossier_id=dossier.id, title=title, category=category,
                     event_date=start - timedelta(days=n % 5000), storage_key=template.storage_key,
                     filename="bilan.txt", mime_type="text/plain", size=template.size, sha256=template.sha256,
                     search_text=search_text(title, about=found_by(category, None)), search_title=search_title(title),
                     hidden=n % 17 == 0, hidden_from_representatives=False, page_count=0, created_at=now)
                for n, (title, category) in enumerate(titles)]
        for chunk in range(0, len(rows), 5000):
            await db.exec(insert(Document), params=rows[chunk:chunk + 5000])
        await db.commit()
        await grants.grant_access(db, dossier=dossier, professional=kine, categories="", duration="sans",
                                  actor=Actor(None, "patient", "Camille Martin"))
        head = await db.get(ChainHead, dossier.id)
        at = datetime(2025, 1, 1, tzinfo=UTC)
        batch = []
        for n in range(1, events + 1):
            batch.append(dict(dossier_id=dossier.id, seq=head.seq + n, at=at + timedelta(seconds=n), action="read_timeline",
                              actor_kind="professional", actor_name="Léa Fontaine", actor_profession=kine.profession,
                              actor_rpps=kine.rpps, right="grant", prev_hash="0" * 64, hash="0" * 64))
            if len(batch) == 20_000:
                await db.exec(insert(AccessEvent), params=batch)
                batch = []
        if batch:
            await db.exec(insert(AccessEvent), params=batch)
        head.seq += events
        db.add(head)
        await db.commit()
        spread, small = [], None
        for n in range(SPREAD):
            nir = f"1840369383{n:03d}"
            other, other_dossier = await create_patient(db, ins=nir + ins_key(nir), given_name="Jean", family_name=f"Durand {n}",
                                                        birth_date=date(1984, 3, 12), sex="M")
            await grants.grant_access(db, dossier=other_dossier, professional=kine, categories="", duration="sans",
                                      actor=Actor(None, "patient", f"Jean Durand {n}"))
            spread.append((await add_document(db, storage, dossier=other_dossier, title="Bilan lipidique",
                                              category="biologie", event_date=date(2025, 6, 1), filename="bilan.txt",
                                              mime_type="text/plain", data=b"Cholesterol total 1,9 g/L", author=kine)).id)
            small = small or (other, other_dossier)
        patient_account = await account_for_patient(db, patient=patient)
        search_token = "bench"
        seeded = Seeded(
            dossier_id=dossier.id,
            patient_token=await start_session(db, account=patient_account, authenticated=True,
                                              data={"searches": {search_token: "bilan"}}),
            professional_token=await start_session(db, account=await account_for_professional(db, professional=kine),
                                                   authenticated=True),
            document_id=template.id,
            after_id=rows[min(len(rows) - 1, 40)]["id"] if rows else template.id,
            search_token=search_token,
            spread_document_ids=spread,
            small_dossier_id=small[1].id,
            small_patient_token=await start_session(db, account=await account_for_patient(db, patient=small[0]),
                                                    authenticated=True, data={"searches": {search_token: "bilan"}}),
        )
    await engine.dispose()
    return seeded


def wrk_run(url: str | list[str], *, connections: int, threads: int, seconds: int, headers: dict[str, str]) -> str:
    """wrk's report of one run at `url`, or at each URL of a list in turn (one host); non-2xx answers fail it."""
    command = ["wrk", f"-c{connections}", f"-t{threads}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if isinstance(url, list):
            paths = ", ".join(f'"{urlsplit(u).path}"' for u in url)
            script.write(f"local paths = {{{paths}}}\nlocal n = 0\n"
                         "request = function()\n  n = n % #paths + 1\n  return wrk.format(\"GET\", paths[n])\nend\n")
            script.flush()
            command += ["-s", script.name, url[0]]
        else:
            command.append(url)
        # Never waiting forever: wrk once hung on a server that had gone.
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors:\n{out}")
    return out


def wrk(url: str | list[str], *, connections: int, seconds: int, headers: dict[str, str]) -> tuple[float, float, float]:
    """(requests per second, p50 ms, p99 ms) of one wrk run; non-2xx answers count as a failed run."""
    out = wrk_run(url, connections=connections, threads=min(connections, 2), seconds=seconds, headers=headers)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return rate, ms("50%"), ms("99%")


def serve(env: dict, port: int, workers: int, log: Path | None = None) -> subprocess.Popen:
    """`carnet serve` on this port, once it accepts connections. Its output goes to `log`, kept (an error under load
    is read, not guessed), or else to a temporary file that `stop` deletes; a server that does not start says why."""
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve", "--port", str(port),
               "--workers", str(workers)]
    kept = log is not None
    if log is None:
        handle, name = tempfile.mkstemp(prefix="carnet-bench-server-", suffix=".log")
        os.close(handle)
        log = Path(name)
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server.carnet_log = None if kept else log  # type: ignore[attr-defined]
    started = time.monotonic()
    while time.monotonic() - started < 60 and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    exited = server.poll()
    why = f"it exited with {exited}" if exited is not None else "it did not listen within 60 s"
    output = log.read_text()[-2000:]
    stop(server)
    raise RuntimeError(f"the server did not start ({why}):\n{output}")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 20 s: a bench run ends even when the server's graceful shutdown does not
    (seen once with two workers on PostgreSQL after a short run; not diagnosed yet)."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        print("  the server did not stop within 20 s of SIGTERM: killed", flush=True)
        server.kill()
        server.wait()
    if getattr(server, "carnet_log", None):
        server.carnet_log.unlink(missing_ok=True)


def memory_mb(pid: int) -> float:
    """Resident memory of the server and its workers, in MB."""
    total = 0
    for proc in [pid, *children(pid)]:
        try:
            status = Path(f"/proc/{proc}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found] + [g for c in found for g in children(int(c))]


def wait_for_the_journal(base: str, events: int) -> None:
    """Until the server has put the seeded events into its transparency log: the seed writes them at once, as no
    site ever does (a live site integrates each second's events), and the catching up is not what is measured."""
    started, last = time.perf_counter(), -1
    while time.perf_counter() - started < 600:
        answer = subprocess.run(["curl", "-s", f"{base}/journal/checkpoint?tous=1"], capture_output=True, text=True)
        lines = answer.stdout.splitlines()
        size = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else -1
        if size >= events and size == last:
            print(f"  the journal holds the {size:,} events ({time.perf_counter() - started:.0f} s)", flush=True)
            return
        last = size
        time.sleep(2)
    raise RuntimeError("the journal did not catch up with the seeded events in 10 minutes")


def analyze(url: str) -> None:
    """PostgreSQL: refresh the planner's statistics after a bulk seed, as any bulk load is followed (autovacuum would
    within a minute or so). Measured before it, the 100,000 seeded events looked like an empty table to the planner:
    the integrator's search for events not yet in the tree ran a second at a time, and a professional's read
    halved (bench/RESULTS.md, "A professional's reads on PostgreSQL")."""
    if url.startswith("postgresql"):
        import asyncio

        import asyncpg

        async def run() -> None:
            connection = await asyncpg.connect(url.replace("+asyncpg", ""))
            try:
                await connection.execute("ANALYZE")
            finally:
                await connection.close()

        asyncio.run(run())


def pages_of(base: str, seeded: Seeded, events: int) -> dict[str, tuple[str, dict[str, str]]]:
    """Each page measured: its URL and the headers a browser sends (the session's cookie, what it decompresses)."""
    patient = {"Cookie": signed_in_cookie(seeded.patient_token), "Accept-Encoding": BROWSER_ENCODINGS}
    professional = {"Cookie": signed_in_cookie(seeded.professional_token), "Accept-Encoding": BROWSER_ENCODINGS}
    more = {**patient, "HX-Request": "true", "HX-Target": f"more-{seeded.after_id}"}
    dossier = f"{base}/dossiers/{seeded.dossier_id}"
    return {
        "timeline, full page": (dossier, patient),
        "timeline, htmx page 2": (f"{dossier}?apres={seeded.after_id}", more),
        "timeline, category filter": (f"{dossier}?categorie=biologie", patient),
        "timeline, search": (f"{dossier}?recherche={seeded.search_token}", patient),
        "search, one-document dossier": (f"{base}/dossiers/{seeded.small_dossier_id}?recherche={seeded.search_token}",
                                         {**patient, "Cookie": signed_in_cookie(seeded.small_patient_token)}),
        "Historique, full page": (f"{dossier}/historique", patient),
        "Historique, htmx page 2": (f"{dossier}/historique?avant={events // 2 + 2}",
                                    {**patient, "HX-Request": "true", "HX-Target": "more-2"}),
        "professional reads a document": (f"{base}/documents/{seeded.document_id}", professional),
        f"professional reads, {SPREAD} dossiers": ([f"{base}/documents/{d}" for d in seeded.spread_document_ids],
                                                  professional),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> str:
    load = os.getloadavg()
    return f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"


def write_down(report: str, *, print_only: bool) -> None:
    """Print a run's section, and append it to bench/RESULTS.md unless asked not to."""
    print(report)
    if not print_only:
        with (ROOT / "bench" / "RESULTS.md").open("a") as out:
            out.write(report)
