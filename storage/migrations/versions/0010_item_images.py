"""item images: an « à la une » item may show an image, with the alt text that replaces it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Two columns on ``items``: ``image_url`` (an http(s) address, none by default) and ``image_alt`` (the words that
stand for the image when it is not shown; the item editor refuses an image without them). Existing items get no
image.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("image_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("image_alt", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_column("image_alt")
        batch_op.drop_column("image_url")
