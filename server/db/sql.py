"""SQL both engines speak, each in its own words: an upsert (`upsert`), a text's first line (`first_line`)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, Insert, String, Table, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


@functools.cache
def upsert(dialect: str, table: Table, keys: tuple[str, ...], *, kept: tuple[str, ...] = (),
           updated: tuple[tuple[str, ColumnElement], ...] = ()) -> Insert:
    """INSERT … ON CONFLICT (keys) DO UPDATE the other columns, in this dialect (both speak it); those `kept` only
    while they are NULL (a value once had stays); each of `updated` (a column's name, an expression) to an expression
    of the row as it was (both engines read the old row's columns in it). The caller builds it once."""
    insert = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    expressions = dict(updated)
    return insert.on_conflict_do_update(index_elements=list(keys), set_={
        c.name: expressions[c.name] if c.name in expressions
        else func.coalesce(c, insert.excluded[c.name]) if c.name in kept else insert.excluded[c.name]
        for c in table.c if c.name not in keys})


class first_line(FunctionElement):  # noqa: N801  (read as the SQL function it stands for)
    """A text's first line, in SQL: an event's detail without the line on its right or its key that
    accesslog/right_words.py writes after it. SQLite has no split_part, PostgreSQL no instr."""

    type = String()
    inherit_cache = True


@compiles(first_line, "sqlite")
def _first_line_sqlite(element: first_line, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"substr({value}, 1, instr({value} || char(10), char(10)) - 1)"


@compiles(first_line, "postgresql")
def _first_line_postgresql(element: first_line, compiler: Any, **kw: Any) -> str:
    return f"split_part({compiler.process(element.clauses, **kw)}, chr(10), 1)"
