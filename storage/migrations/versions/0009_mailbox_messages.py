"""mailbox messages: the bounce mailbox's messages already handled, by folder, UIDVALIDITY and UID

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Bounces and complaints are read over IMAP (``subscribers/imap_bounces.py``); each message handled is remembered
by its IMAP identity so that none is processed twice, even when moving it to the processed folder failed or the
server cannot move. A new table: nothing to convert, and downgrading drops it.
"""

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mailbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=400), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_messages")),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mailbox_messages_mailbox_uidvalidity_uid"),
    )


def downgrade() -> None:
    op.drop_table("mailbox_messages")
