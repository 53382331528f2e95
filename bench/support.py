"""What several benchmarks share: a fresh database on each engine, and the results table."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence

from sqlalchemy import text

from storage.database import Database
from storage.migrate import upgrade


def pg_url() -> str:
    """The PostgreSQL database a benchmark may wipe: RELAIS_BENCH_DATABASE_URL, else RELAIS_TEST_DATABASE_URL."""
    return os.environ.get("RELAIS_BENCH_DATABASE_URL") or os.environ.get("RELAIS_TEST_DATABASE_URL") or ""


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


def print_results(title: str, results: Sequence[tuple[str, str, str, str]]) -> None:
    """One markdown table of (engine, measure, result, verdict), under a title that states the machine's load."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{title} (load average {load} on {os.cpu_count()} CPUs)")
    print(f"| {'engine':<10} | {'measure':<34} | {'result':>10} | {'verdict':<16} |")
    print(f"|{'-' * 12}|{'-' * 36}|{'-' * 12}|{'-' * 18}|")
    for engine, what, value, verdict in results:
        print(f"| {engine:<10} | {what:<34} | {value:>10} | {verdict:<16} |")
