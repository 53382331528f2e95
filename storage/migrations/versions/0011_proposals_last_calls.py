"""proposals and last calls: members' proposals before and after their contact confirms; items already recalled

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

``proposals``: what a member proposed on ``/propose`` (its fields as the item will have them, the contact's
address, the stored image's random name), ``pending`` until the contact follows the emailed link, then the ``new``
item it became (``item_id``), and whether the proposer was told it was published or declined. ``last_calls``: the
approved calls and funding items already put in a « Dernier rappel » emailing (never twice).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("image_name", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_proposals_item_id_items"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index("ix_proposals_status_created", "proposals", ["status", "created_at"])
    op.create_index(op.f("ix_proposals_item_id"), "proposals", ["item_id"])
    op.create_table(
        "last_calls",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_last_calls_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_last_calls_issue_id_issues"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_last_calls")),
    )
    op.create_index(op.f("ix_last_calls_issue_id"), "last_calls", ["issue_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_last_calls_issue_id"), table_name="last_calls")
    op.drop_table("last_calls")
    op.drop_index(op.f("ix_proposals_item_id"), table_name="proposals")
    op.drop_index("ix_proposals_status_created", table_name="proposals")
    op.drop_table("proposals")
