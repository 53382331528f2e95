"""The migrations create exactly the schema that ``storage/tables.py`` declares, on each engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.database import Database
from storage.migrate import head_revision, is_up_to_date
from storage.tables import Base


def test_migrated_schema_matches_the_tables(db: Database) -> None:
    assert is_up_to_date(db)
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, other: name != "apscheduler_jobs",
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"storage/tables.py and the migrations differ: {diff}"


def test_head_is_a_single_revision(db: Database) -> None:
    assert head_revision(db)
