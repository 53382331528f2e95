"""PostgreSQL's row-level security, the second wall between networks (migration 0014): connected as an application
role that is not a superuser, a transaction of one network sees and changes only its rows, even through SQL that
forgets to say which network it wants; collected items stay readable by all and writable by their own network; a
pooled connection carries nothing from one network's transaction to the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from core.model import Item, ItemKind, Subscriber, SubscriberStatus
from storage.database import Database
from storage.items import ItemRepository
from storage.networks import Declared, NetworkRepository, enforce_policies
from storage.subscribers import SubscriberRepository
from tests.conftest import PG_URL
from tests.storage.test_networks import T0

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: SQLite has no row-level security")
ROLE = "relais_app_test"


@pytest.fixture
def walls(db: Database) -> Iterator[tuple[Database, int, int]]:
    """Two networks with a subscriber and an item each, row-level security on, and the application's own role."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    with db.session() as s:
        ids = NetworkRepository(s).sync([Declared("resacoop", "RESACOOP"), Declared("centraider", "Centraider")], T0)
        enforce_policies(s.connection(), True)
    a, b = ids["resacoop"], ids["centraider"]
    for network, who in ((a, "abonne@resacoop.example"), (b, "abonne@centraider.example")):
        with db.for_network(network).session() as s:
            SubscriberRepository(s).save(Subscriber(who, SubscriberStatus.CONFIRMED))
            ItemRepository(s).add(Item(kind=ItemKind.CALL, title=f"Appel de {who}"))
    with db.engine.begin() as conn:
        conn.execute(text(f"DO $$ BEGIN CREATE ROLE {ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {ROLE}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}"))
    app = Database(make_url(PG_URL).set(username=ROLE).render_as_string(hide_password=False))
    app.engine.pool.dispose()
    app.guard_networks()
    try:
        yield app, a, b
    finally:
        app.dispose()
        with db.session() as s:
            enforce_policies(s.connection(), False)
        with db.engine.begin() as conn:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}"))
            conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}"))
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {ROLE}"))


def emails(db: Database) -> set[str]:
    with db.session() as s:
        return set(s.scalars(text("SELECT email FROM subscribers")))  # no network named: the policy decides


def test_a_network_sees_and_changes_only_its_rows_whatever_the_sql(walls: tuple[Database, int, int]) -> None:
    app, a, b = walls
    mine = app.for_network(a)
    assert emails(mine) == {"abonne@resacoop.example"}
    assert emails(app.for_network(b)) == {"abonne@centraider.example"}
    assert emails(app) == {"abonne@resacoop.example", "abonne@centraider.example"}  # the deployment's own work
    assert emails(mine) == {"abonne@resacoop.example"}  # the same pooled connection, walled again
    with mine.session() as s:
        assert s.execute(text("UPDATE subscribers SET name = 'x' WHERE network_id = :b"), {"b": b}).rowcount == 0  # type: ignore[attr-defined]
        assert s.execute(text("DELETE FROM issues WHERE network_id = :b"), {"b": b}).rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(DBAPIError, match="row-level security"), mine.session() as s:
        s.execute(
            text(
                "INSERT INTO subscribers (network_id, email, status, preferences, locale, soft_bounces,"
                " token_version, mask_kinds, mask_themes, mask_zones, mask_territories, mask_streams, search_name)"
                " VALUES (:b, 'intrus@example.org', 'confirmed', '{}', 'fr', 0, 0, 0, 0, 0, 0, 0, '')"
            ),
            {"b": b},
        )


def test_collected_items_are_read_by_all_and_written_by_their_own(walls: tuple[Database, int, int]) -> None:
    app, a, b = walls
    with app.for_network(a).session() as s:
        titles = set(s.scalars(text("SELECT title FROM items")))
        assert titles == {"Appel de abonne@resacoop.example", "Appel de abonne@centraider.example"}
        changed = s.execute(text("UPDATE items SET title = 'pris' WHERE network_id = :b"), {"b": b})
        assert changed.rowcount == 0  # type: ignore[attr-defined]
    with app.for_network(b).session() as s:
        assert "pris" not in set(s.scalars(text("SELECT title FROM items")))


def test_handles_made_before_the_walls_go_up_say_their_network_too(walls: tuple[Database, int, int]) -> None:
    """A running process that gains a second network (one created in the admin) raises the walls on handles it made
    while it had one: otherwise such a handle would read with the setting a pooled connection kept from another
    network's transaction."""
    app, a, b = walls
    later = Database(app.url)
    try:
        first = later.for_network(a)  # made while the process served one network
        assert not first.walls
        later.guard_networks()
        assert first.walls
        with later.for_network(b).session() as s:
            assert s.scalar(text("SELECT current_setting('relais.network_id', true)")) == str(b)
        assert emails(first) == {"abonne@resacoop.example"}
        with first.session() as s:
            assert s.scalar(text("SELECT current_setting('relais.network_id', true)")) == str(a)
    finally:
        later.dispose()
