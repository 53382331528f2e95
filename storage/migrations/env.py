"""Alembic environment: uses the engine handed over by :mod:`storage.migrate`, or the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one: with foreign keys on, that drop would
            # fire ON DELETE actions (SET NULL, CASCADE) on every referencing row. Off for the migration only
            # (the pragma is ignored inside a transaction, so it is set before the migration's own).
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                context.configure(
                    connection=conn,
                    target_metadata=target_metadata,
                    render_as_batch=sqlite,
                    compare_type=True,
                    include_object=lambda obj, name, type_, reflected, other: name != "apscheduler_jobs",
                )
                context.run_migrations()
                if sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise RuntimeError(f"the migration broke foreign keys: {problems[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
