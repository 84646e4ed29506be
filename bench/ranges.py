"""What a timeline's first page (its documents and their capped count, one statement) costs a reader of some
categories, against the patient's own page, at two sizes of dossier (in process, through a request's kind of
session; listing.statements.category_ranges says why it is asked a range at a time).

The bench seed (`harness.seed`: six categories in turn, one document in seventeen hidden), its professional read
with each grant's visibility as the rule gives it (`Visibility`), and a category the dossier has none of. Medians of
a few rounds, in µs, and each as a ratio to the patient's page in the same round (the machine is shared).

    .venv/bin/python bench/ranges.py            # prints; nothing is written to RESULTS.md
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES, LOOPS, ROUNDS = (1_000, 20_000), 300, 5
GRANTS = {  # a reader: the categories of their grant (None: the patient)
    "the patient": None,
    "biologie (a sixth of the documents)": {"biologie"},
    "biologie and imagerie": {"biologie", "imagerie"},
    "certificat (none in the dossier)": {"certificat"},
    "six categories": {"biologie", "imagerie", "compte_rendu", "ordonnance", "remboursement",
                                       "vaccination"},
}


async def measure(size: int) -> dict[str, list[float]]:
    data = Path(tempfile.mkdtemp(prefix="carnet-ranges-"))
    url = f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}"
    os.environ.update({"CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
                       "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"})
    from sqlmodel import select

    from bench.harness import seed
    from server.access.rule import Visibility
    from server.db import hold_loaded_rows, make_engine, make_sessionmaker
    from server.listing import counted_documents_page
    from server.models import Document

    seeded = await seed(url, data, size, 1000)
    engine = make_engine(url)
    results: dict[str, list[float]] = {}
    try:
        async with make_sessionmaker(engine)() as session:
            hold_loaded_rows(session)  # as a request's session (sessions.SessionMiddleware)
            author = (await session.exec(select(Document.author_professional_id)
                                         .where(Document.id == seeded.document_id))).one()
            readers = {name: Visibility(general=True, hidden_too=True) if categories is None else
                       Visibility(general=True, categories=frozenset(categories), author=author)
                       for name, categories in GRANTS.items()}
            for _ in range(ROUNDS):
                for name, visible in readers.items():
                    async def page() -> None:
                        await counted_documents_page(session, dossier_id=seeded.dossier_id, visible=visible, limit=21)
                    results.setdefault(name, []).append(await timed(page))
    finally:
        await engine.dispose()
        shutil.rmtree(data, ignore_errors=True)
    return results


async def timed(run) -> float:
    for _ in range(30):
        await run()
    started = time.perf_counter()
    for _ in range(LOOPS):
        await run()
    return (time.perf_counter() - started) / LOOPS * 1e6


def main() -> None:
    print("| reader | " + " | ".join(f"{size:,} documents: µs (× the patient's)" for size in SIZES) + " |")
    print("| --- |" + " --- |" * len(SIZES))
    table: dict[str, list[str]] = {}
    for size in SIZES:
        results = asyncio.run(measure(size))
        reference = results["the patient"]
        for name, values in results.items():
            ratios = [value / base for value, base in zip(values, reference)]
            table.setdefault(name, []).append(f"{statistics.median(values):.0f} (×{statistics.median(ratios):.2f})")
    for name, cells in table.items():
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
