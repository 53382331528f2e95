"""network policies: on PostgreSQL, row-level security as a second wall between networks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

Every table a network owns gets a policy: a row is visible and writable only when its network is the one the
transaction works for (the ``relais.network_id`` setting, which the application sets at the start of each
transaction), or when no network is set (the deployment's own work: the watch, the national figures). Collected
items and their sightings are readable by every network (another network's approval of a shared entry is shown as
« déjà relayé par … ») and writable by their own only. The policies are
created here; row-level security itself is switched on by ``relais db upgrade`` when the configuration declares
more than one network (``storage.networks.enforce_policies``), so that a deployment of one network pays nothing
for it. SQLite has no row-level security: nothing to do there.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WALLED = ("subscribers", "consent_events", "suppressions", "issues", "proposals", "network_members")
# Collected content: every network may read another's rows of a shared entry (« déjà relayé par … »), and write
# its own only.
SHARED_READ = ("items", "item_sources")
_SET = "nullif(current_setting('relais.network_id', true), '')"  # NULL: no network set
MINE = f"({_SET} IS NULL OR network_id = {_SET}::integer)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WALLED:
        op.execute(f"CREATE POLICY network_rows ON {table} USING {MINE} WITH CHECK {MINE}")
    for table in SHARED_READ:
        op.execute(f"CREATE POLICY network_reads ON {table} FOR SELECT USING (true)")
        op.execute(f"CREATE POLICY network_inserts ON {table} FOR INSERT WITH CHECK {MINE}")
        op.execute(f"CREATE POLICY network_updates ON {table} FOR UPDATE USING {MINE} WITH CHECK {MINE}")
        op.execute(f"CREATE POLICY network_deletes ON {table} FOR DELETE USING {MINE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*WALLED, *SHARED_READ):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in WALLED:
        op.execute(f"DROP POLICY network_rows ON {table}")
    for table in SHARED_READ:
        for name in ("network_reads", "network_inserts", "network_updates", "network_deletes"):
            op.execute(f"DROP POLICY {name} ON {table}")
