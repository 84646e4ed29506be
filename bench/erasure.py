"""What erasing a deleted document's words from SQLite costs (search.erase_deleted_words, housekeeping's round).

FTS5 before SQLite 3.42 leaves a deleted row's words in its index beside a delete marker; the round merges the
index whole ('optimize'), under the write lock, then checkpoints the WAL and truncates it. Its cost is the whole
index's, which is the installation's (one FTS5 table for every dossier): measured here on one dossier of N
documents of W words of text each (a two-page report is a few hundred words), after one deletion and after ten.
The deletion itself (hiding.delete_document, the patient's request) is timed too. Medians of a few rounds, in ms.

    .venv/bin/python bench/erasure.py [--documents 5000,20000] [--words 300]   # prints; writes nothing
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS = 3


async def measure(documents: int, words: int) -> dict[str, float]:
    from sqlalchemy import func, insert, select, text

    from server import search
    from server.access import hiding
    from server.accesslog.audit import Actor
    from server.db import make_engine, make_sessionmaker
    from server.dossiers import create_patient
    from server.files.store import DiskStorage
    from server.identifiers import ins_key
    from server.migrate import upgrade
    from server.models import Document, new_id, utcnow

    data = Path(tempfile.mkdtemp(prefix="carnet-erasure-"))
    url = f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}"
    engine = make_engine(url)
    storage = DiskStorage(data / "files")
    patient = Actor(None, "patient", "Camille Martin")
    rng = random.Random(7)
    # Words of a report's length, Zipf-distributed over a vocabulary as large as a medical one.
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 12)))
                  for _ in range(30_000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    results: dict[str, list[float]] = {"deletion": [], "round, 1 deleted": [], "round, 10 deleted": [],
                                       "round, none deleted": []}
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as db:
            nir = "2840369383047"
            _, dossier = await create_patient(db, ins=nir + ins_key(nir), given_name="Camille", family_name="Martin",
                                              birth_date=date(1984, 3, 12), sex="F")
            now = utcnow()
            for chunk in range(0, documents, 1000):
                rows = []
                for n in range(chunk, min(documents, chunk + 1000)):
                    title = f"Compte rendu {n} " + " ".join(rng.choices(vocabulary, weights, k=3))
                    body = " ".join(rng.choices(vocabulary, weights, k=words))
                    # A key of its own (none stored): a deletion's check of who else holds its file reads no other.
                    rows.append(dict(id=new_id(), dossier_id=dossier.id, title=title, category="compte_rendu",
                                     event_date=date(2020, 1, 1) + timedelta(days=n % 2000), storage_key=f"{n:064x}",
                                     filename="cr.pdf", mime_type="application/pdf", size=1, sha256=f"{n:064x}",
                                     search_text=search.search_text(title, body), search_title=search.search_title(title),
                                     hidden=False, hidden_from_representatives=False, page_count=0, created_at=now))
                await db.exec(insert(Document), params=rows)
                await db.commit()
            await db.exec(text("INSERT INTO document_search (document_search) VALUES ('optimize')"))
            await db.commit()
            size = (await db.exec(select(func.sum(func.length(text("block"))))
                                  .select_from(text("document_search_data")))).one()[0]
            ids = list((await db.exec(select(Document.id).order_by(Document.id))).scalars())
            await db.commit()
            for _ in range(ROUNDS):
                started = time.perf_counter()
                await hiding.delete_document(db, document=await db.get(Document, ids.pop()), actor=patient,
                                             storage=storage)
                results["deletion"].append(time.perf_counter() - started)
                started = time.perf_counter()
                assert await search.erase_deleted_words(db) == 1
                results["round, 1 deleted"].append(time.perf_counter() - started)
                for _ in range(10):
                    await hiding.delete_document(db, document=await db.get(Document, ids.pop()), actor=patient,
                                                 storage=storage)
                started = time.perf_counter()
                assert await search.erase_deleted_words(db) == 10
                results["round, 10 deleted"].append(time.perf_counter() - started)
                started = time.perf_counter()
                assert await search.erase_deleted_words(db) == 0
                results["round, none deleted"].append(time.perf_counter() - started)
    finally:
        await engine.dispose()
        shutil.rmtree(data, ignore_errors=True)
    return {"index MB": size / 1e6, **{name: statistics.median(times) * 1000 for name, times in results.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", default="5000,20000", help="sizes of the dossier, comma-separated")
    parser.add_argument("--words", type=int, default=300, help="words of text in each document")
    args = parser.parse_args()
    import sqlite3
    print(f"SQLite {sqlite3.sqlite_version}, {args.words} words a document, medians of {ROUNDS} rounds (ms)\n")
    print("| documents | index (MB) | deletion | round, 1 deleted | round, 10 deleted | round, none deleted |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for documents in (int(n) for n in args.documents.split(",")):
        got = asyncio.run(measure(documents, args.words))
        print(f"| {documents:,} | {got['index MB']:.1f} | {got['deletion']:.1f} | {got['round, 1 deleted']:.0f} "
              f"| {got['round, 10 deleted']:.0f} | {got['round, none deleted']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
