"""The deployment's networks (0013): the rows that what each network owns points at.

The configuration names networks by slug; the database gives each an id once and keeps it. Migration 0013 made the
database as it was into network 1, slug ``principal``: the first network of the configuration takes that row over
(its slug and name) as long as it is the only one, so an existing deployment keeps its subscribers whatever slug
it then chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from storage.tables import NetworkRow

FIRST_NETWORK = 1  # the network migration 0013 created: the whole database of a single-network deployment
FIRST_SLUG = "principal"
_SYNC_LOCK = (0x52454C, -1)  # an advisory lock of the namespace storage.locks uses, on a key no issue has


def network_of(session: Session) -> int:
    """The network a session works for (:meth:`storage.database.Database.for_network`); the first by default."""
    return int(session.info.get("network_id", FIRST_NETWORK))


def is_scoped(session: Session) -> bool:
    """Whether the session is one network's pages and jobs, not the deployment's operator's (the command line)."""
    return "network_id" in session.info and not session.info.get("operator")


@dataclass(frozen=True, slots=True)
class Declared:
    """A network as the configuration declares it."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class StoredNetwork:
    """A network's row: ``settings`` holds the keys of a network created in the admin (0015), None otherwise."""

    id: int
    slug: str
    name: str
    created_at: datetime | None
    settings: dict[str, Any] | None
    created_by: str | None


class NetworkRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def listing(self) -> list[StoredNetwork]:
        """Every network's row, in the order they were made."""
        rows = self.s.scalars(select(NetworkRow).order_by(NetworkRow.id))
        return [StoredNetwork(r.id, r.slug, r.name, r.created_at, r.settings, r.created_by) for r in rows]

    def create(self, slug: str, name: str, settings: dict[str, Any], by: str, at: datetime) -> int:
        """A network created in the admin, with its settings; a slug already taken is refused."""
        if self.s.scalar(select(NetworkRow.id).where(NetworkRow.slug == slug)) is not None:
            raise InvalidInput(f"network {slug!r} exists", code="network_exists", network=slug)
        row = NetworkRow(slug=slug, name=name, settings=settings, created_by=by, created_at=at)
        self.s.add(row)
        self.s.flush()
        return row.id

    def ids(self) -> dict[str, int]:
        """slug -> id of every network in the database."""
        return dict(self.s.execute(select(NetworkRow.slug, NetworkRow.id)).all())

    def sync(self, declared: Sequence[Declared], at: datetime) -> dict[str, int]:
        """Give every declared network its row (slug -> id); rows are never deleted here, and never renumbered.

        The first declared network takes over row 1 while the database has no other network and does not know the
        slug yet: that is the upgrade of a single-network deployment. On PostgreSQL, processes starting together
        (web workers, the scheduler) take their turn: the second finds the rows the first made."""
        if self.s.get_bind().dialect.name == "postgresql":
            self.s.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _SYNC_LOCK[0], "b": _SYNC_LOCK[1]})
        rows = {r.slug: r for r in self.s.scalars(select(NetworkRow))}
        if declared and declared[0].slug not in rows and list(rows) == [FIRST_SLUG]:
            first = rows.pop(FIRST_SLUG)
            first.slug = declared[0].slug
            rows[first.slug] = first
        for network in declared:
            row = rows.get(network.slug)
            if row is None:
                row = rows[network.slug] = NetworkRow(slug=network.slug, name=network.name, created_at=at)
                self.s.add(row)
            row.name = network.name
        self.s.flush()
        return {slug: row.id for slug, row in rows.items()}


def seed_first(conn: Connection) -> None:
    """Put back the row migration 0013 creates (for a database emptied table by table, as tests do)."""
    conn.execute(insert(NetworkRow).values(id=FIRST_NETWORK, slug=FIRST_SLUG, name="Réseau principal"))
    if conn.dialect.name == "postgresql":  # the next network takes 2
        conn.execute(text("SELECT setval(pg_get_serial_sequence('networks', 'id'), 1)"))


# The tables migration 0014 gave a policy (PostgreSQL): a network's rows only, while a network is set.
POLICY_TABLES = (
    "subscribers", "consent_events", "suppressions", "issues", "proposals", "items", "item_sources",
    "network_members",
)  # fmt: skip


def enforce_policies(conn: Connection, on: bool) -> None:
    """Switch PostgreSQL's row-level security on every policy table on (several networks) or off (one); forced,
    so that it holds for the tables' owner too. Only superusers bypass it: production connects as another role.
    A table already as asked is left alone (altering it would lock it)."""
    if conn.dialect.name != "postgresql":
        return
    q = text("SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)")
    now: dict[str, bool] = {str(name): bool(forced) for name, forced in conn.execute(q, {"names": list(POLICY_TABLES)})}
    for table in POLICY_TABLES:  # names of our schema, never input
        if bool(now.get(table)) == on:
            continue
        if on:
            conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
            conn.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
        else:
            conn.execute(text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
            conn.execute(text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
