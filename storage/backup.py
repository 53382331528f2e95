"""Consistent, engine-independent snapshots of the database.

A snapshot is every table of the schema read inside ONE read transaction (REPEATABLE READ on PostgreSQL, a single
read transaction on SQLite's WAL), written as JSON lines, one file per table, with a manifest (schema revision,
row counts). Restoring writes the rows back into an empty database migrated to the same revision, in foreign-key
order, and resets PostgreSQL's sequences. The same snapshot restores into either engine.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Column, ColumnElement, Connection, Date, Table, delete, func, select, text

from core.errors import StorageError
from storage.database import Database
from storage.migrate import current_revision
from storage.tables import Base, NetworkRow, UTCDateTime

BATCH = 5_000


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    return value


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def tables() -> list[Table]:
    """The schema's tables in foreign-key order (parents first)."""
    return list(Base.metadata.sorted_tables)


@contextmanager
def snapshot(db: Database) -> Iterator[tuple[str, Connection]]:
    """The schema revision and a connection that reads the database in ONE read transaction (REPEATABLE READ on
    PostgreSQL, every network's rows whatever the pooled connection said before; one read transaction under
    SQLite's WAL). An empty database has nothing to back up."""
    revision = current_revision(db)
    if revision is None:
        raise StorageError(
            "the database is empty: nothing to back up (run 'relais db upgrade' first)", code="backup_empty_database"
        )
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            conn.execute(text("SELECT set_config('relais.network_id', '', true)"))  # the row policies: every row
        else:
            conn.execute(text("BEGIN"))
        try:
            yield revision, conn
        finally:
            conn.rollback()


def dump(db: Database, open_table: Callable[[str], IO[str]]) -> dict[str, Any]:
    """Write every table through ``open_table(name)`` (a text stream per table); returns the manifest."""
    counts: dict[str, int] = {}
    with snapshot(db) as (revision, conn):
        for table in tables():
            with open_table(table.name) as out:
                counts[table.name] = dump_rows(conn, table, out)
    return {"format": 1, "revision": revision, "dialect": db.dialect, "tables": counts}


def dump_rows(conn: Connection, table: Table, out: IO[str], where: ColumnElement[bool] | None = None) -> int:
    """Write ``table``'s rows (those ``where`` keeps) as JSON lines, then its column list; returns how many."""
    n = 0
    pk = list(table.primary_key.columns)
    query = select(table).order_by(*pk)
    if where is not None:
        query = query.where(where)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
    names = [c.name for c in table.columns]
    for row in result:
        out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    out.write(json.dumps({"$columns": names}) + "\n")
    return n


def read_rows(table: Table, lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    pending: list[list[Any]] = []
    columns: list[str] | None = None
    for line in lines:
        data = json.loads(line)
        if isinstance(data, dict) and "$columns" in data:
            columns = data["$columns"]
            continue
        pending.append(data)
    if columns is None:
        raise StorageError(
            f"backup of table {table.name} is truncated (no column list)", code="backup_truncated", table=table.name
        )
    decoders = [_decoder(table.columns[c]) for c in columns]
    for values in pending:
        yield {c: dec(v) for c, dec, v in zip(columns, decoders, values, strict=True)}


def restore(db: Database, manifest: dict[str, Any], open_table: Callable[[str], Iterator[str]]) -> dict[str, int]:
    """Load a snapshot into an empty database at the snapshot's schema revision; returns rows per table."""
    if manifest.get("format") != 1:
        raise StorageError(
            f"unknown backup format {manifest.get('format')!r}", code="backup_format", format=manifest.get("format")
        )
    revision = current_revision(db)
    if revision != manifest["revision"]:
        raise StorageError(
            f"the backup is at schema revision {manifest['revision']} but the database is at {revision or '(empty)'}:"
            " migrate an empty database to that revision first",
            code="backup_revision",
            backup=manifest["revision"],
            revision=revision or "(vide)",
        )
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        for table in tables():
            if table.name == "networks":  # a migrated database holds its first network; the backup's replace it
                continue
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                raise StorageError(
                    f"table {table.name} is not empty: restore needs an empty database",
                    code="restore_not_empty",
                    table=table.name,
                )
        if "networks" in manifest["tables"]:
            conn.execute(delete(NetworkRow))
        for table in tables():
            if table.name not in manifest["tables"]:
                continue
            batch: list[dict[str, Any]] = []
            n = 0
            for row in read_rows(table, open_table(table.name)):
                batch.append(row)
                if len(batch) >= BATCH:
                    conn.execute(table.insert(), batch)
                    n += len(batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
                n += len(batch)
            counts[table.name] = n
        if db.dialect == "postgresql":
            reset_sequences(conn)
    for name, n in counts.items():
        if n != manifest["tables"][name]:
            raise StorageError(
                f"table {name}: restored {n} rows, the manifest says {manifest['tables'][name]}",
                code="restore_count",
                table=name,
                restored=n,
                expected=manifest["tables"][name],
            )
    return counts


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: every serial column's sequence continues after the largest id in its table."""
    for table in tables():
        for col in table.primary_key.columns:
            if col.autoincrement is True or (col.autoincrement == "auto" and len(table.primary_key.columns) == 1):
                # names come from the schema's metadata, never from input
                sql = (
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col.name}'), "  # noqa: S608
                    f"COALESCE((SELECT MAX({col.name}) FROM {table.name}), 0) + 1, false)"
                )
                conn.execute(text(sql))
