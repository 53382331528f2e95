"""places are tags: an item's département is one of its tags, the ``items.territory`` column goes; items and
subscribers keep what search reads folded (``items.search_text``, ``subscribers.search_name``)

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-05

An item had two notions of its places: its ``territory`` field (one département, from its source) and its
département tags (from suggestions and editors), read differently by the digest, the triage filters and the key
figures, and the item editor dropped one of them on save. Each item's ``territory`` joins its ``tags`` (once),
then the column and the triage index holding it go; the index keeps the other columns the filters compare.
Text search ignores case and accents on both engines: ``items.search_text`` holds the title and summary folded,
``subscribers.search_name`` the name (:mod:`storage.folding`), filled here for every row, in batches.

Downgrading drops ``search_text`` and gives each item back, as its ``territory``, the first of its tags that a
source names as its territory (the tags keep it).
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from core.text import fold

revision = "0008"
down_revision = "0005"  # 0006 and 0007 were reserved but not written
branch_labels = None
depends_on = None


def _tags(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):  # SQLite returns the JSON text
        value = json.loads(value)
    return list(value) if isinstance(value, list) else []


def _tags_param(bind: sa.engine.Connection) -> Any:
    # PostgreSQL's column is JSONB: the text must be cast; SQLite stores the JSON text as is.
    return "CAST(:tags AS JSONB)" if bind.dialect.name == "postgresql" else ":tags"


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, territory, tags FROM items WHERE territory IS NOT NULL AND territory <> ''")
    )
    update = sa.text(f"UPDATE items SET tags = {_tags_param(bind)} WHERE id = :id")  # noqa: S608 - a constant
    for item_id, territory, raw in rows.fetchall():
        tags = _tags(raw)
        if territory not in tags:
            bind.execute(update, {"id": item_id, "tags": json.dumps([*tags, territory])})
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_status_kind_territory_deadline")
        batch_op.drop_column("territory")
        batch_op.create_index("ix_items_status_kind_deadline", ["status", "kind", "deadline"], unique=False)
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.Text(), server_default="", nullable=False))
    _fill(bind, "SELECT id, title, summary FROM items", "UPDATE items SET search_text = :text WHERE id = :id")
    _fill(bind, "SELECT id, name FROM subscribers", "UPDATE subscribers SET search_name = :text WHERE id = :id")
    op.execute("ANALYZE items")


def _fill(bind: sa.engine.Connection, select: str, update: str) -> None:
    """Each row's folded text, 5,000 rows at a time."""
    last = 0
    while True:
        rows = bind.execute(sa.text(f"{select} WHERE id > :last ORDER BY id LIMIT 5000"), {"last": last}).fetchall()
        if not rows:
            return
        bind.execute(sa.text(update), [{"id": r[0], "text": fold("\n".join(x or "" for x in r[1:]))} for r in rows])
        last = rows[-1][0]


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("search_name")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_index("ix_items_status_kind_deadline")
        batch_op.add_column(sa.Column("territory", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_items_status_kind_territory_deadline", ["status", "kind", "territory", "deadline"], unique=False
        )
    known = {
        str(code)
        for (code,) in bind.execute(sa.text("SELECT DISTINCT territory FROM sources WHERE territory IS NOT NULL"))
    }
    if not known:
        return
    update = sa.text("UPDATE items SET territory = :territory WHERE id = :id")
    for item_id, raw in bind.execute(sa.text("SELECT id, tags FROM items")).fetchall():
        first = next((t for t in _tags(raw) if t in known), None)
        if first is not None:
            bind.execute(update, {"id": item_id, "territory": first})
