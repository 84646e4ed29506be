"""A national-scale sample on PostgreSQL: many dossiers, their documents and their access logs.

    .venv/bin/python bench/generate.py                   # 20,000 dossiers, 1,000,000 documents, 10,000,000 events
    .venv/bin/python bench/generate.py --scale 0.01      # the same shape, a hundredth of it (a check that it works)
    .venv/bin/python bench/generate.py --database-url postgresql+asyncpg://…   (an empty database of your own)

Without --database-url it starts its own PostgreSQL server (Debian's binaries, as the tests do, but
durable: fsync and synchronous commit on, as in production) in a temporary directory.

It creates the schema with the app's migrations, then writes rows with COPY (asyncpg): patients and
their dossiers, 2,000 professionals, documents spread unevenly over the dossiers (a few large ones,
many small ones, as in life), and for each dossier a real hash chain of access events (audit.event_hash,
so `carnet audit verify` checks them as it checks any). Then it measures, and appends to bench/RESULTS.md:
- storage: each table's size on disk (heap and indexes), and per dossier;
- the pages of bench/scale.py on one more dossier (5,000 documents) inside this database: flat?
- appended events per second: real chained appends (audit.append, committed) from 16 concurrent
  writers over random dossiers, and from 16 writers on one dossier (its chain serialises them);
- the time of a backup (pg_dump, custom format) and of `carnet audit verify` over every chain.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DOSSIERS, DOCUMENTS, EVENTS, PROFESSIONALS = 20_000, 1_000_000, 10_000_000, 2_000
ACTIONS = ["read_timeline", "read_document", "read_timeline", "read_document", "download_document", "grant",
           "hide_document", "read_log", "upload_document", "read_timeline"]
CATEGORIES = ["biologie", "imagerie", "compte_rendu", "ordonnance", "remboursement", "vaccination"]
TITLES = ["Bilan sanguin", "Compte rendu de consultation", "Ordonnance", "Échographie abdominale",
          "Radiographie thoracique", "Vaccination antigrippale", "Décompte de remboursement", "Lettre de sortie"]


def spread(total: int, over: int, rng: random.Random) -> list[int]:
    """`total` items over `over` owners, unevenly (a long tail: most have few, some have many)."""
    weights = [rng.paretovariate(1.5) for _ in range(over)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):  # what rounding down left
        counts[i % over] += 1
    return counts


def nir_of(n: int) -> str:
    return f"{1 + n % 2}{50 + n % 50:02d}{1 + n % 12:02d}{10 + n % 80:02d}{n // 1000 % 1000:03d}{n % 1000:03d}"


async def generate(url: str, data_dir: Path, *, dossiers: int, documents: int, events: int) -> dict[str, float]:
    import asyncpg

    from server.accesslog.audit import HASHED_FIELDS, timestamp
    from server.db import make_engine
    from server.dossiers import directory_words
    from server.files.store import DiskStorage
    from server.identifiers import ins_key, rpps_with_key
    from server.migrate import upgrade
    from server.models import new_id
    from server.search import search_text, search_title

    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    storage = DiskStorage(data_dir / "files")
    blob = b"Compte rendu (document d'exemple du banc d'essai)"
    storage_key, digest = storage.put(blob)  # one file, which every generated document names
    rng = random.Random(20261201)
    now = datetime.now(UTC)
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        started = time.perf_counter()
        professionals = [(new_id(), rpps_with_key(f"{2000000000 + n:010d}"), f"Prénom{n}", f"Nom{n}",
                          rng.choice(["médecin généraliste", "masseur-kinésithérapeute", "infirmier", "pharmacien"]),
                          "Lyon", now) for n in range(PROFESSIONALS)]
        await connection.copy_records_to_table("professional", records=professionals, columns=[
            "id", "rpps", "given_name", "family_name", "profession", "city", "created_at"])
        fields = ("rpps", "given_name", "family_name", "profession", "city")  # the directory's words (0022)
        await connection.copy_records_to_table("professionalword", columns=["word", "professional_id"], records=[
            (word, pro[0]) for pro in professionals for word in directory_words(**dict(zip(fields, pro[1:6])))])
        patient_ids = [new_id() for _ in range(dossiers)]
        dossier_ids = [new_id() for _ in range(dossiers)]
        await connection.copy_records_to_table("patient", records=[
            (patient_ids[n], nir_of(n) + ins_key(nir_of(n)), f"Prénom{n}", f"Nom{n}",
             date(1950 + n % 70, 1 + n % 12, 1 + n % 28), "M" if n % 2 == 0 else "F", now) for n in range(dossiers)],
            columns=["id", "ins", "given_name", "family_name", "birth_date", "sex", "created_at"])
        await connection.copy_records_to_table("dossier", records=[
            (dossier_ids[n], patient_ids[n], "open", False, False, now) for n in range(dossiers)],
            columns=["id", "patient_id", "state", "emergency_opt_out", "notify_every_access", "created_at"])
        timings["patients, dossiers"] = time.perf_counter() - started

        started = time.perf_counter()
        per_dossier = spread(documents, dossiers, rng)
        batch: list[tuple] = []
        for n, count in enumerate(per_dossier):
            for k in range(count):
                title = f"{TITLES[(n + k) % len(TITLES)]} {k}"
                batch.append((new_id(), dossier_ids[n], title, CATEGORIES[(n + k) % len(CATEGORIES)],
                              date(2026, 11, 1) - timedelta(days=k % 3650), "", storage_key, "document.txt",
                              "text/plain", len(blob), digest, 0, search_text(title), search_title(title),
                              k % 17 == 0, False, now))
            if len(batch) >= 50_000:
                await copy_documents(connection, batch)
                batch = []
        if batch:
            await copy_documents(connection, batch)
        timings["documents"] = time.perf_counter() - started

        started = time.perf_counter()
        per_dossier = spread(events, dossiers, rng)
        heads, known, rows = [], [], []
        at0 = datetime(2025, 1, 1, tzinfo=UTC)
        for n, count in enumerate(per_dossier):
            previous = "0" * 64
            seen: dict[str, tuple[str, int]] = {}
            for seq in range(1, count + 1):
                pro = professionals[(n * 8 + seq % 8) % PROFESSIONALS]  # eight professionals per dossier
                content = {"dossier_id": dossier_ids[n], "seq": seq, "at": at0 + timedelta(seconds=seq * 600),
                           "action": ACTIONS[seq % len(ACTIONS)], "actor_account_id": None,
                           "actor_kind": "professional", "actor_name": f"{pro[2]} {pro[3]}", "actor_profession": pro[4],
                           "actor_rpps": pro[1], "on_behalf_of": "", "right": "grant", "document_id": None,
                           "document_title": "", "detail": "", "prev_hash": previous}
                hashed = {name: content[name] for name in HASHED_FIELDS}
                hashed["at"] = timestamp(content["at"])
                digest = hashlib.sha256(json.dumps(hashed, sort_keys=True, ensure_ascii=False,
                                                   separators=(",", ":")).encode()).hexdigest()
                rows.append((content["dossier_id"], seq, content["at"], content["action"], None, "professional",
                             content["actor_name"], pro[4], pro[1], "", "grant", None, "", "", previous, digest))
                previous = digest
                seen[pro[1]] = (f"{content['actor_name']}, {pro[4]}", seq)
            heads.append((dossier_ids[n], count, previous))
            known += [(dossier_ids[n], rpps, label, last) for rpps, (label, last) in seen.items()]
            if len(rows) >= 100_000:
                await copy_events(connection, rows)
                rows = []
        if rows:
            await copy_events(connection, rows)
        await connection.copy_records_to_table("chainhead", records=heads, columns=["dossier_id", "seq", "hash"])
        await connection.copy_records_to_table("logprofessional", records=known,
                                               columns=["dossier_id", "key", "label", "last_seq"])
        timings["events (hashed and copied)"] = time.perf_counter() - started
        started = time.perf_counter()
        await connection.execute("ANALYZE")
        timings["ANALYZE"] = time.perf_counter() - started
    finally:
        await connection.close()
    return timings


async def copy_documents(connection, rows: list[tuple]) -> None:
    await connection.copy_records_to_table("document", records=rows, columns=[
        "id", "dossier_id", "title", "category", "event_date", "source", "storage_key", "filename", "mime_type",
        "size", "sha256", "page_count", "search_text", "search_title", "hidden", "hidden_from_representatives", "created_at"])


async def copy_events(connection, rows: list[tuple]) -> None:
    await connection.copy_records_to_table("accessevent", records=rows, columns=[
        "dossier_id", "seq", "at", "action", "actor_account_id", "actor_kind", "actor_name", "actor_profession",
        "actor_rpps", "on_behalf_of", "right", "document_id", "document_title", "detail", "prev_hash", "hash"])


async def table_sizes(url: str) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, str, int]]]:
    """(table, rows, heap and TOAST bytes, index bytes) of Carnet's tables, biggest first;
    and (table, index, bytes) of the two big tables' indexes."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch("""
            SELECT c.relname, c.reltuples::bigint AS rows,
                   pg_table_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC""")
        indexes = await connection.fetch("""
            SELECT tablename, indexname, pg_relation_size(format('%I', indexname)::regclass) AS bytes
            FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('accessevent', 'document')
            ORDER BY tablename, bytes DESC""")
    finally:
        await connection.close()
    return ([(r["relname"], r["rows"], r["heap"], r["indexes"]) for r in rows],
            [(r["tablename"], r["indexname"], r["bytes"]) for r in indexes])


async def appends_per_second(url: str, *, writers: int, seconds: float, one_dossier: bool) -> float:
    """Chained appends committed per second (audit.append, as every action does), `writers` at once."""
    from sqlmodel import select

    from server.accesslog.audit import Actor, append, begin_chained, commit_chained
    from server.db import make_engine, make_sessionmaker
    from server.models import Dossier

    engine = make_engine(url, pool_size=writers, max_overflow=0)
    maker = make_sessionmaker(engine)
    async with maker() as session:
        ids = list((await session.exec(select(Dossier.id).limit(5_000))).all())
    actor = Actor(None, "professional", "Léa Fontaine", "masseur-kinésithérapeute", "10009512385")
    done = 0
    deadline = time.monotonic() + seconds
    rng = random.Random(1)

    async def writer() -> None:
        nonlocal done
        async with maker() as session:
            while time.monotonic() < deadline:
                await begin_chained(session)
                await append(session, dossier_id=ids[0] if one_dossier else rng.choice(ids), action="read_document",
                             actor=actor, right="grant")
                await commit_chained(session)
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(writer() for _ in range(writers)))
    elapsed = time.monotonic() - started
    await engine.dispose()
    return done / elapsed


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def megabytes(value: float) -> str:
    return f"{value / 1e6:,.0f} MB" if value >= 1e6 else f"{value / 1e3:,.1f} kB"


def main() -> None:
    import scale
    from tests.pgserver import create_database, postgres_bin, running_postgres

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of the full sizes")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, do not append to bench/RESULTS.md")
    args = parser.parse_args()
    dossiers, documents, events = (int(n * args.scale) for n in (DOSSIERS, DOCUMENTS, EVENTS))
    data = Path(tempfile.mkdtemp(prefix="carnet-generate-"))
    lines: list[str] = []
    with running_postgres(durable=True) as base:
        url = asyncio.run(create_database(base, "carnet"))
        print(f"generating {dossiers:,} dossiers, {documents:,} documents, {events:,} events", flush=True)
        timings = asyncio.run(generate(url, data, dossiers=dossiers, documents=documents, events=events))
        sizes, indexes = asyncio.run(table_sizes(url))
        total = sum(heap + index for _, _, heap, index in sizes)
        lines += [f"Generated {dossiers:,} dossiers, {documents:,} documents, {events:,} events: "
                  + ", ".join(f"{name} {value:.0f} s" for name, value in timings.items()) + ".", "",
                  "| table | rows | heap | indexes | per dossier |", "| --- | ---: | ---: | ---: | ---: |"]
        for name, rows, heap, index in sizes[:8]:
            lines.append(f"| {name} | {rows:,} | {megabytes(heap)} | {megabytes(index)} | "
                         f"{megabytes((heap + index) / dossiers)} |")
        lines.append(f"| all | | | | {megabytes(total / dossiers)} |")
        lines += ["", "Indexes of the two big tables: " + "; ".join(
            f"{table}.{name} {megabytes(size)}" for table, name, size in indexes) + "."]

        env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
               "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"}
        cli = [sys.executable, "-c", "from server.cli import main; main()"]
        verify = timed([*cli, "audit", "verify"], env)
        dump = timed([str(postgres_bin() / "pg_dump"), "-Fc", "-f", str(data / "backup.dump"),
                      url.replace("+asyncpg", "")], env)
        lines += ["", f"`carnet audit verify` over every chain: {verify:.0f} s ({events / verify:,.0f} events/s). "
                  f"Backup (`pg_dump -Fc`): {dump:.0f} s, {megabytes((data / 'backup.dump').stat().st_size)}."]

        rates = {label: [asyncio.run(appends_per_second(url, writers=16, seconds=args.seconds, one_dossier=one))
                         for _ in range(args.repeat)]
                 for label, one in (("16 writers, random dossiers", False), ("16 writers, one dossier", True))}
        lines += ["", "Chained appends committed per second (audit.append; durable PostgreSQL, fsync on): "
                  + "; ".join(f"{label}: " + " / ".join(f"{r:,.0f}" for r in values) for label, values in rates.items())
                  + "."]

        print("a 5,000-document dossier inside it, and the pages", flush=True)
        port = scale.free_port()
        env["CARNET_ORIGIN"] = f"http://localhost:{port}"
        os.environ.update({k: v for k, v in env.items() if k.startswith(("CARNET_", "DATABASE_"))})
        probe_events = 100_000
        seeded = asyncio.run(scale.seed(url, data, 5_000, probe_events))
        server = scale.serve(env, port, 2)
        try:
            results = scale.measure_pages(f"http://localhost:{port}", seeded, probe_events, seconds=args.seconds,
                                          repeat=args.repeat)
        finally:
            scale.stop(server)
            shutil.rmtree(data, ignore_errors=True)
        lines += ["", f"Pages of a dossier of 5,000 documents and {probe_events:,} events, in this database "
                  f"(2 server processes, wrk as in `bench/scale.py`):", "",
                  "| page | × /sante | p50 | p99 |", "| --- | --- | --- | --- |"]
        for name, m in results.items():
            lines.append(f"| {name} | ×{scale.statistics.median(m.ratio):.2f} ({scale.statistics.median(m.rate):.0f}/s) | "
                         f"{scale.statistics.median(m.p50):.1f} ms | {scale.statistics.median(m.p99):.1f} ms |")
    report = (f"\n## National-scale sample on PostgreSQL (`bench/generate.py"
              f"{f' --scale {args.scale:g}' if args.scale != 1 else ''}`), {date.today():%Y-%m-%d}\n\n"
              f"PostgreSQL 15 (durable: fsync on), {os.cpu_count()} cores shared with the client; "
              f"{scale.load_average()}.\n\n" + "\n".join(lines) + "\n")
    scale.write_down(report, print_only=args.no_write)


if __name__ == "__main__":
    main()
