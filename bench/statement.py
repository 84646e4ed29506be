"""What one small statement costs through each layer between a request and SQLite, in process.

The same SELECT (one professional by id) run in a loop: as a model through the request's kind of session, as
columns through it, through SQLAlchemy's AsyncConnection, on Carnet's aiosqlite connection, on the sqlite3
connection itself. Medians of a few rounds, in µs; ratios within a round are what to read (the machine is shared).

    .venv/bin/python bench/statement.py            # prints; nothing is written to RESULTS.md
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

LOOPS, ROUNDS = 3000, 5


async def timed(run) -> float:
    for _ in range(200):
        await run()
    started = time.perf_counter()
    for _ in range(LOOPS):
        await run()
    return (time.perf_counter() - started) / LOOPS * 1e6


async def measure() -> dict[str, list[float]]:
    data = Path(tempfile.mkdtemp(prefix="carnet-statement-"))
    url = f"sqlite+aiosqlite:///{data / 'carnet.sqlite3'}"
    os.environ.update({"CARNET_ENV": "test", "CARNET_DATA_DIR": str(data), "DATABASE_URL": url,
                       "CARNET_SECRET": "bench-secret-that-is-long-enough-for-carnet"})
    from sqlalchemy import bindparam, select
    from sqlmodel import select as model_select

    from bench.harness import seed
    from server.db import hold_loaded_rows, make_engine, make_sessionmaker
    from server.models import Professional

    engine = make_engine(url)
    try:
        await seed(url, data, 131, 1000)
        columns = Professional.__table__.c  # type: ignore[attr-defined]
        as_model = model_select(Professional).where(Professional.id == bindparam("id"))
        as_columns = select(columns.id, columns.rpps, columns.given_name, columns.family_name, columns.profession,
                            columns.city, columns.created_at).where(columns.id == bindparam("id"))
        sql = ("SELECT id, rpps, given_name, family_name, profession, city, created_at FROM professional "
               "WHERE id = ?")
        results: dict[str, list[float]] = {}
        async with make_sessionmaker(engine)() as session:
            hold_loaded_rows(session)  # as a request's session (sessions.SessionMiddleware)
            professional_id = (await session.exec(model_select(Professional.id))).first()
            params = {"id": professional_id}
            connection = await session.connection()
            ours = (await connection.get_raw_connection()).driver_connection  # db.sqlite._ReadsOnTheLoop
            layers = {
                "a model, through the session": lambda: _first(session.exec(as_model, params=params)),
                "columns, through the session": lambda: _first(session.exec(as_columns, params=params)),
                "columns, through AsyncConnection": lambda: _first(connection.execute(as_columns, params)),
                "Carnet's aiosqlite connection": lambda: _fetch(ours.execute(sql, (professional_id,))),
                "the sqlite3 connection": lambda: _now(ours._connection.execute(sql, (professional_id,)).fetchone()),
            }
            for _ in range(ROUNDS):
                for name, run in layers.items():
                    results.setdefault(name, []).append(await timed(run))
    finally:
        await engine.dispose()
        shutil.rmtree(data, ignore_errors=True)
    return results


async def _first(result) -> object:
    return (await result).first()


async def _fetch(cursor) -> object:
    return await (await cursor).fetchone()


async def _now(value: object) -> object:
    return value


def main() -> None:
    results = asyncio.run(measure())
    print(f"| one SELECT by primary key, {LOOPS:,} times | median (µs) | each round (µs) |\n| --- | --- | --- |")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.0f} | {', '.join(f'{v:.0f}' for v in values)} |")


if __name__ == "__main__":
    main()
