"""click counts: how many times each item of an issue was followed, per day, and nothing about who

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

Links in emails go through ``/r/{issue}/{item}/{signature}`` when ``[mail] count_clicks`` is on; each click adds
one to the row of (issue, item, day). No subscriber, address or cookie is stored: the table cannot say who read
what. A new table: nothing to convert, and downgrading drops it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "click_counts",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_click_counts_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_click_counts_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("issue_id", "item_id", "day", name=op.f("pk_click_counts")),
    )
    op.create_index(op.f("ix_click_counts_day"), "click_counts", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_click_counts_day"), table_name="click_counts")
    op.drop_table("click_counts")
