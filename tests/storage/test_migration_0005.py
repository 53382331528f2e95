"""Migration 0005 over a filled SQLite database: the subscribers table becomes AUTOINCREMENT with its rows, indexes
and the rows that point at it intact, and the newest id, once deleted, is never given again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.database import Database
from storage.migrate import alembic_config, upgrade

COLUMNS = "email, status, preferences, locale, soft_bounces, token_version, mask_kinds, mask_themes, mask_zones, " \
          "mask_territories, mask_streams"  # fmt: skip


def add(db: Database, sid: int | None, email: str) -> int:
    ident, value = ("id, ", f"{sid}, ") if sid is not None else ("", "")
    sql = (
        f"INSERT INTO subscribers ({ident}{COLUMNS}) VALUES ({value}:e, 'confirmed', '{{}}', 'fr', 0, 0, 0, 0, 0, 0, 0)"
    )
    with db.engine.begin() as conn:
        conn.execute(text(sql), {"e": email})
        return int(conn.execute(text("SELECT id FROM subscribers WHERE email = :e"), {"e": email}).scalar_one())


def table_sql(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'subscribers'")).scalar_one())


def test_sqlite_subscribers_become_autoincrement_and_keep_everything(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db, "0004")
    add(db, 3, "ancienne@exemple.fr")
    newest = add(db, 9, "recente@exemple.fr")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO consent_events (subscriber_id, email_hash, at, action, origin, details) "
                          "VALUES (9, 'h', '2026-11-02 08:00:00', 'signup', 'form', '{}')"))  # fmt: skip
    assert "AUTOINCREMENT" not in table_sql(db)

    upgrade(db, "0005")  # later revisions ask more of a new row (0013: its network)
    assert "AUTOINCREMENT" in table_sql(db)
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT id, email FROM subscribers ORDER BY id")).all() == [
            (3, "ancienne@exemple.fr"), (9, "recente@exemple.fr")
        ]  # fmt: skip
        assert conn.execute(text("SELECT subscriber_id FROM consent_events")).scalar_one() == 9  # not set to NULL
        indexes = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'subscribers'"))
        assert "ix_subscribers_status" in set(indexes.scalars())
        conn.execute(text("DELETE FROM subscribers WHERE id = :i"), {"i": newest})
    assert add(db, None, "recente@exemple.fr") == newest + 1  # before 0005: 9 again

    command.downgrade(alembic_config(db), "0004")  # and back: the rows stay
    assert "AUTOINCREMENT" not in table_sql(db)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM subscribers")).scalar_one() == 2
    db.dispose()
