"""Alembic, driven from code: ``relais db upgrade`` and the schema checks done at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from core.errors import SchemaTooNew, StorageError
from storage.database import Database, safe_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["engine"] = db.engine
    return cfg


def current_revision(db: Database) -> str | None:
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StorageError(
            f"database {safe_url(db.url)} unreachable: {str(exc).splitlines()[0]}",
            code="database_unreachable",
            url=safe_url(db.url),
            detail=str(exc).splitlines()[0],
        ) from None


def head_revision(db: Database) -> str:
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    assert head is not None
    return head


def check_not_newer(db: Database) -> None:
    """Refuse a database migrated by a newer Relais: its revision is unknown to this code."""
    current = current_revision(db)
    if current is None:
        return
    script = ScriptDirectory.from_config(alembic_config(db))
    try:
        script.get_revision(current)
    except Exception:
        raise SchemaTooNew(
            f"database {safe_url(db.url)} is at schema revision {current}, newer than this Relais knows "
            f"(latest {head_revision(db)}): upgrade Relais",
            code="schema_too_new",
            url=safe_url(db.url),
            revision=current,
        ) from None


def upgrade(db: Database, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to ``target``; returns (revision before, revision after)."""
    check_not_newer(db)
    before = current_revision(db)
    try:
        command.upgrade(alembic_config(db), target)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"migration failed on {safe_url(db.url)}: {str(exc).splitlines()[0]}",
            code="migration_failed",
            url=safe_url(db.url),
            detail=str(exc).splitlines()[0],
        ) from None
    return before, current_revision(db)


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision(db)


def table_counts(db: Database) -> dict[str, int]:
    """Rows per table of the schema (for ``relais db status``)."""
    from sqlalchemy import func, select

    from storage.tables import Base

    with db.session() as s:
        return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}
