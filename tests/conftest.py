"""Shared fixtures. Every test that takes ``db`` runs on SQLite, and on PostgreSQL too when
RELAIS_TEST_DATABASE_URL names one (CI gives it the local server)."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from core.clock import FrozenClock
from storage.database import Database
from storage.migrate import upgrade
from storage.networks import seed_first
from storage.tables import Base

PG_URL = os.environ.get("RELAIS_TEST_DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "relais.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    """The PostgreSQL test database, emptied and migrated once per session."""
    db = Database(PG_URL)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    db.dispose()
    return PG_URL


def _truncate(db: Database) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        seed_first(conn)  # the network a migrated database starts with


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each engine under test."""
    if request.param == "sqlite":
        path = tmp_path / "relais.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_migrated")
        db = Database(url)
        _truncate(db)
        db.dispose()
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def in_process_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For tests that run ``relais`` commands in this process: close the services (database pools) each command
    built, as the ending process would."""
    from relais.cli import context
    from relais.wiring import Services

    built: list[Services] = []
    real_load = context.load

    def load(config: str | None) -> Services:
        built.append(real_load(config))
        return built[-1]

    monkeypatch.setattr(context, "load", load)
    yield
    for services in built:
        services.close()


@pytest.fixture(autouse=True)
def _heap_unfrozen() -> Iterator[None]:
    """A command run in the test process (``relais watch run``, the scheduler) freezes the heap as a real process
    does once started (``relais.heap``); the suite's later tests must find their garbage collected again."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
