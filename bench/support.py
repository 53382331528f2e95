"""What several benchmarks share: the smoke size, a fresh database on each engine, rows built from the schema,
and the results table.

Smoke size (``python -m bench --smoke`` or ``RELAIS_BENCH_SMOKE=1``): every benchmark runs on data small enough to
finish in seconds, so that CI runs them all on every change (``make bench-smoke``) and a benchmark cannot rot
between two measurements. Its figures mean nothing; only that it runs to its table.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, make_url, text

from storage.bulk import bulk_insert
from storage.database import Database
from storage.migrate import upgrade


def smoke() -> bool:
    """True when the benchmarks run at their smoke size (``--smoke`` sets RELAIS_BENCH_SMOKE=1 for the children)."""
    return os.environ.get("RELAIS_BENCH_SMOKE") == "1"


def size(full: int, small: int) -> int:
    """``full`` for a measurement, ``small`` at the smoke size."""
    return small if smoke() else full


def tool(path: str, package: str, what: str) -> str | None:
    """A Debian tool a benchmark needs for a reference row (``scripts/install-system-deps bench`` installs them):
    its path, or None after saying which row is skipped. At full size a missing tool is an error: the figure it
    stands beside would mean nothing."""
    found = path if Path(path).exists() else shutil.which(Path(path).name)
    if found:
        return found
    if not smoke():
        raise SystemExit(f"{path} not found (Debian package {package}): run scripts/install-system-deps bench")
    print(f"smoke: {path} not found (Debian package {package}), {what} skipped")
    return None


def pg_url() -> str:
    """The PostgreSQL database a benchmark may wipe: RELAIS_BENCH_DATABASE_URL, else a database beside the tests'
    (RELAIS_TEST_DATABASE_URL's name with ``_bench`` appended, created when missing), so that a benchmark never
    empties the database a test run is using. Empty when neither is set: the benchmark runs on SQLite alone."""
    explicit = os.environ.get("RELAIS_BENCH_DATABASE_URL")
    if explicit:
        return explicit
    tests = os.environ.get("RELAIS_TEST_DATABASE_URL")
    if not tests:
        return ""
    url = make_url(tests)
    return ensure_database(url.set(database=f"{url.database}_bench").render_as_string(hide_password=False))


def ensure_database(address: str) -> str:
    """``address``, a PostgreSQL database created on its server when missing (a new machine has only ``test``)."""
    url = make_url(address)
    server = Database(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with server.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        server.dispose()
    return address


def wipe(db: Database) -> None:
    """Empty a PostgreSQL database completely (a SQLite benchmark starts from a new file instead)."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def fresh_database(url: str) -> Database:
    """An empty database at the latest schema."""
    db = Database(url)
    if db.dialect == "postgresql":
        wipe(db)
    upgrade(db)
    return db


def each_engine() -> Iterator[tuple[str, Database]]:
    """A fresh SQLite database in a temporary folder, then the PostgreSQL one when a URL is given."""
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(f"sqlite:///{tmp}/bench.db")
        try:
            yield "sqlite", db
        finally:
            db.dispose()
    if pg_url():
        db = fresh_database(pg_url())
        try:
            yield "postgresql", db
        finally:
            db.dispose()


class _RowContext:
    """What a context-sensitive column default reads (SQLAlchemy's ``context.get_current_parameters()``): the row."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.current_parameters = values

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> Mapping[str, Any]:
        return self.current_parameters


def schema_rows(
    table: Table, rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Rows given as {column: value} (domain values: aware datetimes, lists, dicts) as (columns, value lists) for
    :func:`storage.bulk.bulk_insert`, every column the row leaves out filled with its default from
    ``storage.tables`` (a default computed from the row's other values, such as folded search text, included). A
    column the schema no longer has, or a required one without a default, fails here, naming it: a benchmark
    building its data this way follows the schema instead of rotting."""
    given = list(columns) if columns is not None else None
    defaults: dict[str, Callable[[Mapping[str, Any]], Any]] = {}
    for col in table.columns:
        default = col.default
        if default is not None and getattr(default, "is_scalar", False):
            defaults[col.name] = lambda _row, v=default.arg: v  # type: ignore[attr-defined,misc]
        elif default is not None and getattr(default, "is_callable", False):
            # SQLAlchemy wraps every callable default to take the execution context
            defaults[col.name] = lambda row, f=default.arg: f(_RowContext(row))  # type: ignore[attr-defined,misc]
    names: list[str] = []
    out: list[list[Any]] = []
    for row in rows:
        if given is None:
            given = list(row)
        if not names:
            unknown = [c for c in given if c not in table.c]
            if unknown:
                raise ValueError(f"{table.name} has no column {', '.join(unknown)} (see storage/tables.py)")
            names = [*given, *(c for c in defaults if c not in given)]
            required = [
                c.name for c in table.columns
                if not c.nullable and c.name not in names and c.server_default is None
                and not (c.primary_key and c.autoincrement in (True, "auto"))
            ]  # fmt: skip
            if required:
                raise ValueError(f"{table.name}.{', '.join(required)}: required, no value given and no default")
            fill = [defaults[c] for c in names[len(given) :]]
        out.append([*(row[c] for c in given), *(f(row) for f in fill)])
    return names, out


def insert_rows(db: Database, table: Table, rows: Iterable[Mapping[str, Any]], batch: int = 50_000) -> int:
    """Insert rows (see :func:`schema_rows`) in batches through the storage layer's bulk insert; their count."""
    count, pending = 0, []
    with db.session() as s:
        for row in rows:
            pending.append(row)
            if len(pending) == batch:
                bulk_insert(s, table, *schema_rows(table, pending))
                count, pending = count + len(pending), []
        if pending:
            bulk_insert(s, table, *schema_rows(table, pending))
            count += len(pending)
    return count


def print_results(title: str, results: Sequence[tuple[str, str, str, str]]) -> None:
    """One markdown table of (engine, measure, result, verdict), under a title that states the machine's load."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{title} (load average {load} on {os.cpu_count()} CPUs)")
    print(f"| {'engine':<10} | {'measure':<34} | {'result':>10} | {'verdict':<16} |")
    print(f"|{'-' * 12}|{'-' * 36}|{'-' * 12}|{'-' * 18}|")
    for engine, what, value, verdict in results:
        print(f"| {engine:<10} | {what:<34} | {value:>10} | {verdict:<16} |")
