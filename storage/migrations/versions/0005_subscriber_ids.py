"""subscriber ids: never reused, so a deleted subscriber's links never reach a newcomer

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

Personal links name the subscriber's row. On SQLite an ``INTEGER PRIMARY KEY`` without ``AUTOINCREMENT`` gives the
next row ``max(id) + 1``: erase the newest subscriber, let the same address sign up again, and the old links
(unsubscribe, preferences, confirmation) named the new row. SQLite gets ``AUTOINCREMENT`` by rebuilding the table
(its rows, indexes and constraints kept; ``sqlite_sequence`` starts at the largest id present). PostgreSQL's
sequence never goes back: nothing to do there.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "subscribers", schema=None, recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("id", autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "subscribers", schema=None, recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ) as batch_op:
        batch_op.alter_column("id", autoincrement=False)
