"""Fixtures of the storage tests: an empty database on each engine, for migrations tested from an older revision."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.migrate import upgrade
from tests.conftest import ENGINES, PG_URL


@pytest.fixture(params=ENGINES)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no schema) on each engine; on PostgreSQL the shared test database, migrated again after."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
        yield db
        db.dispose()
        return
    request.getfixturevalue("pg_migrated")
    db = Database(PG_URL)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    yield db
    with db.engine.begin() as conn:  # leave the shared test database as the other tests expect it
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    db.dispose()
