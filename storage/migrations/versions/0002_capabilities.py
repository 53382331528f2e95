"""capabilities: preference masks for segment counts, the ledger's crash flag, indexes for key figures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Existing subscribers get their masks computed from their stored preferences (bits assigned in
``preference_bits`` in order of first use, as ``storage.subscribers.BitRegistry`` does); existing ledger rows were
not requeued after a crash.
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

FAMILIES = ("kinds", "themes", "zones", "territories", "streams")
DEFAULT_STREAMS = ["newsletter", "emailing"]
MAX_BITS = 63


def upgrade() -> None:
    op.create_table('preference_bits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=16), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('bit', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preference_bits')),
    sa.UniqueConstraint('family', 'bit', name='uq_preference_bits_family_bit'),
    sa.UniqueConstraint('family', 'slug', name='uq_preference_bits_family_slug')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requeued_after_crash', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_deliveries_status_finished', ['status', 'finished_at'], unique=False)
        batch_op.create_index('ix_deliveries_subscriber_status_finished', ['subscriber_id', 'status', 'finished_at'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_collected_kind', ['collected_at', 'kind'], unique=False)

    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        for family in FAMILIES:
            batch_op.add_column(sa.Column(f'mask_{family}', sa.BigInteger(), nullable=False, server_default='0'))

    _compute_masks()

    # The application always writes these columns; the defaults only served the rows that already existed.
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('requeued_after_crash', server_default=None)
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        for family in FAMILIES:
            batch_op.alter_column(f'mask_{family}', server_default=None)


def _compute_masks() -> None:
    conn = op.get_bind()
    bits: dict[str, dict[str, int]] = {f: {} for f in FAMILIES}
    rows = conn.execute(sa.text("SELECT id, preferences FROM subscribers ORDER BY id")).all()
    for sub_id, raw in rows:
        prefs: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else (raw or {})
        values: dict[str, int] = {}
        for family in FAMILIES:
            chosen = prefs.get(family, DEFAULT_STREAMS if family == "streams" else [])
            mask = 0
            for slug in chosen:
                table = bits[family]
                if slug not in table:
                    if len(table) >= MAX_BITS:
                        raise RuntimeError(f"more than {MAX_BITS} distinct {family} values among subscribers")
                    table[slug] = len(table)
                    conn.execute(
                        sa.text("INSERT INTO preference_bits (family, slug, bit) VALUES (:f, :s, :b)"),
                        {"f": family, "s": str(slug), "b": table[slug]},
                    )
                mask |= 1 << table[slug]
            values[f"mask_{family}"] = mask
        conn.execute(
            sa.text(
                "UPDATE subscribers SET mask_kinds = :mask_kinds, mask_themes = :mask_themes, "
                "mask_zones = :mask_zones, mask_territories = :mask_territories, mask_streams = :mask_streams "
                "WHERE id = :id"
            ),
            {**values, "id": sub_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        for family in reversed(FAMILIES):
            batch_op.drop_column(f'mask_{family}')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_collected_kind')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_subscriber_status_finished')
        batch_op.drop_index('ix_deliveries_status_finished')
        batch_op.drop_column('requeued_after_crash')

    op.drop_table('preference_bits')
