"""networks: one deployment for several regional networks; what a network owns carries its id

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

A ``networks`` table, and the database as it was becomes its first network (id 1, slug ``principal``, renamed
after the config's first network when the application first starts on it). Every subscriber, consent event,
suppression, issue (newsletters, emailings, alerts), member proposal and item (with where it was seen) is attached
to it: each network triages its own row of an item that a shared source gave. The address is unique per
network, not in the whole database, so one person can subscribe to two networks; each network numbers its own
issues. What hangs from an issue (its items, the ledger, click counts) or from a subscriber (bounces) follows it.
Each staff account keeps its role, now its role in that network (``network_members``); ``users.superadmin`` marks
the accounts above the networks (none yet). Sources gain an optional network: none means shared, collected once for every network
that follows it.

Downgrading is refused while a second network exists: its subscribers could not be told apart any more.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OWNED = ("subscribers", "consent_events", "suppressions", "issues", "proposals", "items", "item_sources")


def _table_kwargs(table: str) -> dict[str, bool]:
    return {"sqlite_autoincrement": True} if table == "subscribers" else {}


def upgrade() -> None:
    networks = op.create_table(
        "networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
        sa.UniqueConstraint("slug", name=op.f("uq_networks_slug")),
    )
    op.bulk_insert(networks, [{"id": 1, "slug": "principal", "name": "Réseau principal", "created_at": None}])
    if op.get_bind().dialect.name == "postgresql":  # the next network takes 2, not 1 again
        op.execute("SELECT setval(pg_get_serial_sequence('networks', 'id'), 1)")

    op.create_table(
        "network_members",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_members_network_id_networks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_network_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("network_id", "user_id", name=op.f("pk_network_members")),
    )
    op.create_index(op.f("ix_network_members_user_id"), "network_members", ["user_id"], unique=False)
    op.execute("INSERT INTO network_members (network_id, user_id, role) SELECT 1, id, role FROM users")
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("superadmin", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("network_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sources_network_id_networks"), "networks", ["network_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(batch_op.f("ix_sources_network_id"), ["network_id"], unique=False)

    for table in OWNED:  # every existing row belongs to the first network, and no later row goes without one
        with op.batch_alter_table(table, table_kwargs=_table_kwargs(table)) as batch_op:
            batch_op.add_column(sa.Column("network_id", sa.Integer(), nullable=False, server_default="1"))
        with op.batch_alter_table(table, table_kwargs=_table_kwargs(table)) as batch_op:
            batch_op.alter_column("network_id", existing_type=sa.Integer(), server_default=None)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_network_id_networks"), "networks", ["network_id"], ["id"], ondelete="RESTRICT"
            )

    with op.batch_alter_table("subscribers", table_kwargs=_table_kwargs("subscribers")) as batch_op:
        batch_op.drop_constraint("uq_subscribers_email", type_="unique")
        batch_op.create_unique_constraint("uq_subscribers_network_email", ["network_id", "email"])
        batch_op.create_index(batch_op.f("ix_subscribers_email"), ["email"], unique=False)
    with op.batch_alter_table("consent_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_events_network_id"), ["network_id"], unique=False)
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_network_id"), ["network_id"], unique=False)
    with op.batch_alter_table("items") as batch_op:  # the triage's indexes, each network's queue apart
        batch_op.drop_index("ix_items_status_collected")
        batch_op.drop_index("ix_items_status_kind_deadline")
        batch_op.create_index("ix_items_network_status_collected", ["network_id", "status", "collected_at"])
        batch_op.create_index(
            "ix_items_network_status_kind_deadline", ["network_id", "status", "kind", "deadline"], unique=False
        )
    with op.batch_alter_table("item_sources") as batch_op:  # a shared source's entry: one item in each network
        batch_op.drop_constraint("uq_item_sources_source_item", type_="unique")
        batch_op.create_unique_constraint(
            "uq_item_sources_network_source_item", ["network_id", "source_id", "source_item_id"]
        )
    with op.batch_alter_table("issues") as batch_op:  # each network numbers its own newsletters and emailings
        batch_op.drop_constraint("uq_issues_kind_number", type_="unique")
        batch_op.create_unique_constraint("uq_issues_network_kind_number", ["network_id", "kind", "number"])
    with op.batch_alter_table("suppressions") as batch_op:
        batch_op.drop_constraint("uq_suppressions_email_hash", type_="unique")
        batch_op.create_unique_constraint("uq_suppressions_network_email_hash", ["network_id", "email_hash"])
        batch_op.create_index(batch_op.f("ix_suppressions_email_hash"), ["email_hash"], unique=False)


def downgrade() -> None:
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM networks")).scalar()
    if count and count > 1:
        raise RuntimeError(
            f"{count} réseaux dans la base : revenir avant 0013 confondrait leurs abonnés ; n'en gardez qu'un"
        )
    with op.batch_alter_table("suppressions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppressions_email_hash"))
        batch_op.drop_constraint("uq_suppressions_network_email_hash", type_="unique")
        batch_op.create_unique_constraint("uq_suppressions_email_hash", ["email_hash"])
    with op.batch_alter_table("issues") as batch_op:
        batch_op.drop_constraint("uq_issues_network_kind_number", type_="unique")
        batch_op.create_unique_constraint("uq_issues_kind_number", ["kind", "number"])
    with op.batch_alter_table("item_sources") as batch_op:
        batch_op.drop_constraint("uq_item_sources_network_source_item", type_="unique")
        batch_op.create_unique_constraint("uq_item_sources_source_item", ["source_id", "source_item_id"])
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_index("ix_items_network_status_kind_deadline")
        batch_op.drop_index("ix_items_network_status_collected")
        batch_op.create_index("ix_items_status_collected", ["status", "collected_at"], unique=False)
        batch_op.create_index("ix_items_status_kind_deadline", ["status", "kind", "deadline"], unique=False)
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_network_id"))
    with op.batch_alter_table("consent_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_network_id"))
    with op.batch_alter_table("subscribers", table_kwargs=_table_kwargs("subscribers")) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscribers_email"))
        batch_op.drop_constraint("uq_subscribers_network_email", type_="unique")
        batch_op.create_unique_constraint("uq_subscribers_email", ["email"])
    for table in OWNED:
        with op.batch_alter_table(table, table_kwargs=_table_kwargs(table)) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_network_id_networks"), type_="foreignkey")
            batch_op.drop_column("network_id")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_network_id"))
        batch_op.drop_constraint(batch_op.f("fk_sources_network_id_networks"), type_="foreignkey")
        batch_op.drop_column("network_id")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("superadmin")
    op.drop_index(op.f("ix_network_members_user_id"), table_name="network_members")
    op.drop_table("network_members")
    op.drop_table("networks")
