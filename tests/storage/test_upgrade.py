"""Migrations over data: a database filled at the FIRST revision upgrades to head (and down and up again) with
every row intact and the columns added since at their defaults, on each engine.

Generic over the revisions in ``storage/migrations``: the rows are written against the tables as the first
revision created them (reflected from the database, not from ``storage/tables.py``), so the test keeps its
meaning when later revisions add columns or tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, select, text

from storage.database import Database
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.tables import Base
from tests.figures.generated_year import generate

PG_URL = os.environ.get("RELAIS_TEST_DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])
Snapshot = dict[str, list[dict[str, Any]]]


@pytest.fixture(params=ENGINES)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no table at all (the PostgreSQL one is left migrated to head for the tests after us)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        db = Database(PG_URL)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    yield db
    upgrade(db)
    db.dispose()


def revisions(db: Database) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(db))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def extra_rows(now: datetime) -> Snapshot:
    """The tables the generated year leaves empty: accounts, source links, suppressions, preference bits."""
    return {
        "users": [
            {"id": 1, "email": "anne@resa.example", "role": "admin", "password_hash": "$argon2id$v=19$x",
             "active": True, "created_at": now, "last_login_at": now, "failed_logins": 0, "locked_until": None},
            {"id": 2, "email": "paul@resa.example", "role": "editor", "password_hash": "$argon2id$v=19$y",
             "active": False, "created_at": now, "last_login_at": None, "failed_logins": 3, "locked_until": now},
        ],
        "item_sources": [
            {"id": n, "item_id": n, "source_id": 1 + n % 3, "source_item_id": f"guid-{n}",
             "url": f"https://example.org/appel-{n}", "title": f"Appel n°{n} — éducation à la citoyenneté",
             "official": n % 2 == 0, "first_seen_at": now, "last_seen_at": now}
            for n in range(1, 40)
        ],
        "suppressions": [{"id": 1, "email_hash": "a" * 64, "reason": "hard_bounce", "at": now}],
        "preference_bits": [
            {"id": 1, "family": "themes", "slug": "eau", "bit": 0},
            {"id": 2, "family": "territories", "slug": "69", "bit": 0},
        ],
    }  # fmt: skip


def _bindable(value: Any, dialect: str) -> Any:
    # The first revision's DATETIME columns are reflected as plain DateTime: store UTC, naive on SQLite, as the
    # application's UTCDateTime does.
    if isinstance(value, datetime) and dialect == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _head_default(table: str, column: str) -> Any:
    default = Base.metadata.tables[table].columns[column].default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    return default.arg  # type: ignore[attr-defined]


def fill(conn: Connection, meta: MetaData, rows: Snapshot) -> None:
    """Insert through the reflected tables; a column this revision lacks is dropped, a NOT NULL one it has but
    the generator lacks gets the application's default (a real row always has one)."""
    for table in meta.sorted_tables:
        data = rows.get(table.name, [])
        if not data:
            continue
        prepared = []
        for row in data:
            values = {c.name: _bindable(row[c.name], conn.dialect.name) for c in table.columns if c.name in row}
            for c in table.columns:
                if c.name not in values and c.name in Base.metadata.tables[table.name].columns:
                    values[c.name] = _bindable(_head_default(table.name, c.name), conn.dialect.name)
            prepared.append(values)
        conn.execute(table.insert(), prepared)


def snapshot(db: Database) -> tuple[Snapshot, dict[str, Table]]:
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as conn:
        data = {
            t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in meta.sorted_tables
            if t.name != "alembic_version"
        }
    return data, dict(meta.tables)


# Columns a migration removed after moving what they held (each such migration checks the move in its own test,
# e.g. test_migration_0008.py: an item's territory became one of its tags).
DROPPED = {"items": {"territory"}}


def assert_survived(before: Snapshot, after: Snapshot, after_tables: dict[str, Table]) -> None:
    for name, old_rows in before.items():
        new_rows = after[name]
        assert len(new_rows) == len(old_rows), f"{name}: {len(old_rows)} rows before, {len(new_rows)} after"
        new_columns = set(after_tables[name].columns.keys()) - set(old_rows[0] if old_rows else {})
        gone = DROPPED.get(name, set())
        for old, new in zip(old_rows, new_rows, strict=True):
            kept = {k: v for k, v in old.items() if k not in gone}
            assert {k: new[k] for k in kept} == kept, f"{name} row {old.get('id')} changed"
            for column in new_columns:
                col = after_tables[name].columns[column]
                if col.server_default is None and col.nullable:
                    assert new[column] is None, f"{name}.{column}: added without default but not NULL"
                # NOT NULL without a default: the migration computed the value for existing rows (each such
                # migration checks its values in its own test, e.g. test_migration_0002.py)
                assert col.nullable or new[column] is not None, f"{name}.{column}: NOT NULL left empty"


def test_a_filled_database_upgrades_from_the_first_revision_and_back(empty_db: Database) -> None:
    db = empty_db
    chain = revisions(db)
    first = chain[0]
    assert chain[-1] == head_revision(db)
    upgrade(db, first)

    meta = MetaData()
    meta.reflect(db.engine)
    year = generate(seed=9)
    rows = {**year, **extra_rows(datetime(2026, 6, 30, 22, 0, tzinfo=UTC))}
    with db.engine.begin() as conn:
        fill(conn, meta, rows)
    before, _ = snapshot(db)
    assert sum(len(v) for v in before.values()) > 1000, "a realistic database, not a token row"
    assert all(before[name] for name in rows if name in before), "every filled table has rows"

    upgrade(db)
    assert current_revision(db) == head_revision(db)
    after, after_tables = snapshot(db)
    assert_survived(before, after, after_tables)

    command.downgrade(alembic_config(db), first)
    assert current_revision(db) == first
    down, _ = snapshot(db)
    assert down == before

    upgrade(db)
    again, again_tables = snapshot(db)
    assert_survived(before, again, again_tables)
    assert again == after
