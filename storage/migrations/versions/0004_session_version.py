"""session version: logout and password changes end every session of an account

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

``users.session_version`` is copied into each session cookie and compared on every request; raising it ends every
session of the account. Existing accounts start at 0 (sessions signed before the upgrade carry no version and
end: everyone logs in again once).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
