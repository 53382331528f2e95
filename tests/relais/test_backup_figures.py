"""Backup → wipe → restore gives back identical key figures: a generated year, ``relais backup`` and
``relais restore`` run as real commands, on SQLite, on PostgreSQL, and from SQLite into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from core.errors import StorageError
from figures.compute import compute_key_figures
from figures.model import KeyFigures
from figures.period import month, year
from relais.cli import app
from storage.database import Database
from storage.migrate import upgrade
from tests.conftest import PG_URL
from tests.figures.generated_year import TAXONOMY, generate, load
from tests.relais.test_cli import make_config

pytestmark = pytest.mark.usefixtures("in_process_cli")


def relais(*args: str, config: Path) -> Result:
    """The ``relais`` command, in process (a subprocess would spend seconds importing)."""
    return CliRunner().invoke(app, ["--config", str(config), *args])


PERIODS = [year(2026), month(2026, 1), month(2026, 12)]


def figures(db: Database) -> list[KeyFigures]:
    return [compute_key_figures(db, p, TAXONOMY) for p in PERIODS]


def wipe(url: str, tmp: Path) -> None:
    """Drop everything: a fresh SQLite file, or an empty public schema on PostgreSQL."""
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink()
        return
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()


def filled(url: str) -> list[KeyFigures]:
    db = Database(url)
    if url.startswith("postgresql"):
        wipe(url, Path())
    upgrade(db)
    load(db, generate(seed=31))
    result = figures(db)
    db.dispose()
    return result


def restored(url: str) -> list[KeyFigures]:
    db = Database(url)
    result = figures(db)
    db.dispose()
    return result


CASES = [("sqlite", "sqlite")] + ([("postgresql", "postgresql"), ("sqlite", "postgresql")] if PG_URL else [])


@pytest.mark.parametrize(("source", "target"), CASES)
def test_backup_wipe_restore_gives_identical_figures(source: str, target: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'relais.db'}"
    src_url = sqlite_url if source == "sqlite" else PG_URL
    dst_url = sqlite_url if target == "sqlite" else PG_URL
    before = filled(src_url)
    assert before[0].sends.messages_accepted > 0 and before[0].items != before[1].items, "a year that says something"

    archive = tmp_path / "backups" / "relais.tar.gz"
    out = relais("backup", str(archive), config=make_config(tmp_path, src_url))
    assert out.exit_code == 0, out.output
    assert "sauvegarde écrite" in out.stdout

    wipe(src_url, tmp_path)
    if dst_url != src_url:
        wipe(dst_url, tmp_path)
    dest = tmp_path / "restored"
    dest.mkdir()
    back = relais("restore", str(archive), config=make_config(dest, dst_url))
    assert back.exit_code == 0, back.output

    assert restored(dst_url) == before
    again = relais("restore", str(archive), config=make_config(dest, dst_url))
    assert isinstance(again.exception, StorageError) and "not empty" in str(
        again.exception
    )  # a second restore never mixes data
    if dst_url == PG_URL:
        pg = Database(PG_URL)
        upgrade(pg)  # leave it migrated for the tests that follow
        pg.dispose()
