"""Migration 0013 over a database filled at the revision before it, on each engine: the database becomes the first
network with every subscriber, consent event and suppression attached to it; afterwards an address may be in
two networks, and going back is refused while a second network exists."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from core.model import Subscriber, SubscriberStatus
from storage.database import Database
from storage.migrate import alembic_config, upgrade
from storage.networks import FIRST_NETWORK, Declared, NetworkRepository
from storage.subscribers import SubscriberRepository, email_hash
from tests.storage.test_networks import T0

BEFORE = "0012"
SUBSCRIBERS = ["ancienne@asso.example.org", "nouvelle@asso.example.org", "partie@asso.example.org"]


def fill(db: Database) -> None:
    with db.engine.begin() as conn:
        for n, email in enumerate(SUBSCRIBERS, start=1):
            conn.execute(
                text(
                    "INSERT INTO subscribers (id, email, status, preferences, locale, soft_bounces, token_version,"
                    " mask_kinds, mask_themes, mask_zones, mask_territories, mask_streams, search_name)"
                    " VALUES (:id, :email, 'confirmed', '{}', 'fr', 0, 0, 0, 0, 0, 0, 0, '')"
                ),
                {"id": n, "email": email},
            )
            conn.execute(
                text(
                    "INSERT INTO consent_events (subscriber_id, email_hash, at, action, origin, details)"
                    " VALUES (:id, :hash, :at, 'confirm', 'link', '{}')"
                ),
                {"id": n, "hash": email_hash(email), "at": T0},
            )
        conn.execute(
            text("INSERT INTO suppressions (email_hash, reason, at) VALUES (:hash, 'hard_bounce', :at)"),
            {"hash": email_hash("partie@asso.example.org"), "at": T0},
        )
        conn.execute(
            text(
                "INSERT INTO sources (name, url, kind, item_kind, every_seconds, tags, official, enabled, options,"
                " origin, consecutive_failures, runs, not_modified_runs, zero_item_runs, last_items)"
                " VALUES ('AFD', 'https://afd.example.org/feed', 'feed', 'funding', 3600, '[]', false, true, '{}',"
                " 'config', 0, 0, 0, 0, 0)"
            )
        )
        if db.dialect == "postgresql":
            conn.execute(text("SELECT setval('subscribers_id_seq', 3)"))


def test_the_database_becomes_the_first_network_with_every_row(empty_db: Database) -> None:
    db = empty_db
    upgrade(db, BEFORE)
    fill(db)
    upgrade(db)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, slug FROM networks")).all() == [(FIRST_NETWORK, "principal")]
        for table, rows in (("subscribers", 3), ("consent_events", 3), ("suppressions", 1)):
            assert conn.execute(text(f"SELECT network_id, count(*) FROM {table} GROUP BY network_id")).all() == [
                (FIRST_NETWORK, rows)
            ]
        assert conn.execute(text("SELECT network_id FROM sources")).scalar_one() is None  # shared
    with db.session() as s:  # the first network's storage sees all of it, unchanged
        repo = SubscriberRepository(s, FIRST_NETWORK)
        assert [x.email for x in repo.find()] == SUBSCRIBERS
        assert repo.is_suppressed("partie@asso.example.org")
        assert [e["action"] for e in repo.consent_events(1)] == ["confirm"]
        second = NetworkRepository(s).sync([Declared("principal", "RESACOOP"), Declared("centraider", "C")], T0)
        # the same address, now in the second network too: allowed once per network, not twice in one
        SubscriberRepository(s, second["centraider"]).save(Subscriber(email=SUBSCRIBERS[0]))
        assert SubscriberRepository(s, second["centraider"]).by_email(SUBSCRIBERS[0]) is not None
        assert repo.by_email(SUBSCRIBERS[0]).id == 1  # type: ignore[union-attr]
        assert repo.get(1).status == SubscriberStatus.CONFIRMED

    with pytest.raises(RuntimeError, match="2 réseaux dans la base"):
        command.downgrade(alembic_config(db), BEFORE)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM subscribers WHERE network_id <> 1"))
        conn.execute(text("DELETE FROM networks WHERE id <> 1"))
    command.downgrade(alembic_config(db), BEFORE)  # one network: back, every row kept
    with db.engine.connect() as conn:
        assert "network_id" not in {c["name"] for c in inspect(db.engine).get_columns("subscribers")}
        assert conn.execute(text("SELECT count(*) FROM subscribers")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM consent_events")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM suppressions")).scalar_one() == 1
    upgrade(db)
