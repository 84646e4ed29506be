"""The tests' databases: PostgreSQL's template and each test process's database made from it, emptied after each test."""

from __future__ import annotations

import uuid

import asyncpg

from server.db import make_engine

TEMPLATE_DB = "carnet_template"


async def create_from_template(url: str) -> None:
    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(f"{base.replace('+asyncpg', '')}/postgres")
    await conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    await conn.close()


async def drop(url: str) -> None:
    """A database a test made, gone with it: the server's files live in /dev/shm (pgserver.py), where databases of
    ~10 MB each kept to the end of the run would fill the memory."""
    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(f"{base.replace('+asyncpg', '')}/postgres")
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # a connection a test left open: closed
    finally:
        await conn.close()


class WorkerDatabase:
    """This test process's PostgreSQL database and its engine, kept from one test to the next and emptied after each.

    A database of its own for each test, made from the template and dropped after it, cost ~0.1 s a test on the
    database server (a new database's first connections build its catalogue caches anew), and a new engine compiled
    each statement again (SQLAlchemy keeps its compiled statements per engine). Deleting every row is 2 ms (TRUNCATE,
    which makes new files for each table and index, 30). A test that changed the schema (a migration step, a trigger
    disabled: an event trigger notes any DDL) or left a connection out, which may hold locks, gets a new copy of the
    template instead."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/w_{uuid.uuid4().hex[:16]}"
        self.engine = None
        self.admin = None  # a connection of the fixtures' own, to empty the tables
        self.emptying = ""

    async def ready(self):
        if self.engine is None:
            await self._copy_template()
        return self.engine

    async def _copy_template(self) -> None:
        if self.admin is not None:
            await self.admin.close()
        await drop(self.url)
        await create_from_template(self.url)
        self.admin = await asyncpg.connect(self.url.replace("+asyncpg", ""))
        await self.admin.execute(SCHEMA_WATCH)
        tables = [row[0] for row in await self.admin.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        # Without the triggers (foreign keys, the log's append-only guard) for this transaction: any order will do.
        self.emptying = "; ".join([
            "BEGIN", "SET LOCAL session_replication_role = replica", *(f'DELETE FROM "{table}"' for table in tables),
            "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences "
            "WHERE last_value IS NOT NULL", "COMMIT"])
        self.engine = make_engine(self.url)

    async def empty(self) -> None:
        """Every row the test wrote gone and the sequences back at 1, or a new copy of the template next time."""
        if not await self._emptied():
            await self.engine.dispose()
            self.engine = None

    async def _emptied(self) -> bool:
        if self.engine.sync_engine.pool.checkedout():
            return False
        try:
            await self.admin.execute("SET lock_timeout = '2s'")
            if await self.admin.fetchval("SELECT count(*) FROM carnet_tests.schema_changes"):
                return False
            await self.admin.execute(self.emptying)
            return True
        except asyncpg.PostgresError:
            return False


# Any DDL in the test's database (ALTER TABLE, CREATE, DROP: a migration step, a trigger disabled) is noted here.
SCHEMA_WATCH = """
CREATE SCHEMA carnet_tests;
CREATE TABLE carnet_tests.schema_changes (tag text);
CREATE FUNCTION carnet_tests.note_schema_change() RETURNS event_trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO carnet_tests.schema_changes VALUES (tg_tag); END $$;
CREATE EVENT TRIGGER carnet_tests_schema_change ON ddl_command_end EXECUTE FUNCTION carnet_tests.note_schema_change();
"""

_worker: list[WorkerDatabase] = []


def worker_database(base: str | None = None) -> WorkerDatabase:
    """This process's database, on the server at `base` the first time."""
    if not _worker:
        _worker.append(WorkerDatabase(base))
    return _worker[0]
