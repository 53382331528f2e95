"""network settings: a network created by a super-admin in the admin keeps its settings in the database

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

``networks.settings`` holds, for a network created from the admin's « Réseaux » page, the same keys as a
``[[networks]]`` table of ``config.toml`` (name, region, départements, host, sender…); it is empty for the networks
the configuration declares, which the configuration keeps describing. A new nullable column: nothing to convert,
and downgrading drops it (the networks created in the admin then need a ``[[networks]]`` table to be served).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


# Plain ALTER TABLE on both engines (SQLite has dropped columns in place since 3.35): no copy of the table. SQLite
# commits DDL as it goes, so a downgrade that an older step then refuses (0013, with several networks) has already
# dropped these columns: the next attempt finds them gone, and goes on.


def upgrade() -> None:
    op.add_column("networks", sa.Column("settings", JSON, nullable=True))
    op.add_column("networks", sa.Column("created_by", sa.String(length=320), nullable=True))


def downgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("networks")}
    for column in ("created_by", "settings"):
        if column in present:
            op.drop_column("networks", column)
