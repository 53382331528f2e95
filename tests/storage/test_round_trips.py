"""Round trips of the web's hottest paths, counted on the engine (SQLAlchemy's ``before_cursor_execute``, ``begin``
and ``commit`` events). Under load every PostgreSQL round trip blocks a web worker's event loop while a server
process on the same cores answers: a statement that is not needed is latency for every request behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from core.clock import FrozenClock
from core.model import Item, ItemKind, ItemStatus, Preferences, Source, SourceKind, Stream, Subscriber
from core.settings import TaxonomySettings
from curation.actions import Curator
from curation.desk import NAMES_KEPT, CurationDesk
from curation.validate import Taxonomy
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from storage.triage import TriageQuery
from subscribers.service import identity_lookup

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class Trips:
    def __init__(self, db: Database) -> None:
        self.db, self.seen = db, []
        self._listeners: list[tuple[str, Any]] = [("before_cursor_execute", self._sql)]
        if db.dialect == "postgresql":  # a round trip there; pysqlite's BEGIN is a library call
            self._listeners += [("begin", self._begin), ("commit", self._commit)]
        for name, fn in self._listeners:
            event.listen(db.engine, name, fn)

    def _sql(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(" ".join(statement.split())[:40])

    def _begin(self, conn: Any) -> None:
        if not conn.connection.dbapi_connection.autocommit:  # psycopg sends BEGIN before the first statement
            self.seen.append("BEGIN")

    def _commit(self, conn: Any) -> None:
        if not conn.connection.dbapi_connection.autocommit:
            self.seen.append("COMMIT")

    def close(self) -> None:
        for name, fn in self._listeners:
            event.remove(self.db.engine, name, fn)


@pytest.fixture
def trips(db: Database) -> Iterator[Trips]:
    counter = Trips(db)
    yield counter
    counter.close()


@pytest.fixture
def item_id(db: Database) -> int:
    with db.session() as s:
        item = Item(kind=ItemKind.CALL, title="Appel eau potable", collected_at=NOW)
        ItemRepository(s).add(item)
    assert item.id is not None
    return item.id


def test_a_triage_page_is_its_selects_alone(db: Database, item_id: int, trips: Trips) -> None:
    desk = CurationDesk(db, FrozenClock(NOW), Taxonomy.from_settings(TaxonomySettings()))
    page, _names, relayed = desk.triage_page(TriageQuery())
    assert relayed == {}
    assert [r.id for r in page.rows] == [item_id]
    # the page (with its count), its sightings, the sources' names; on PostgreSQL no BEGIN, no COMMIT, no SET
    assert len(trips.seen) == 3 and all(s.startswith("SELECT") for s in trips.seen), trips.seen


def test_the_filters_source_names_are_read_again_after_a_while_or_a_save(db: Database, trips: Trips) -> None:
    clock = FrozenClock(NOW)
    desk = CurationDesk(db, clock, Taxonomy.from_settings(TaxonomySettings()))
    source = desk.save_source(Source("Fonds Eau", "https://eau.example/rss", SourceKind.FEED, ItemKind.CALL))
    assert desk.triage_page(TriageQuery())[1] == [(source.id, "Fonds Eau")]
    trips.seen.clear()
    assert desk.triage_page(TriageQuery())[1] == [(source.id, "Fonds Eau")]
    assert not [s for s in trips.seen if "sources.name" in s and "item_sources" not in s], trips.seen  # kept
    # a rename through this desk shows at once
    desk.save_source(replace(source, name="Fonds Eau potable"))
    assert desk.triage_page(TriageQuery())[1] == [(source.id, "Fonds Eau potable")]
    # one made elsewhere (another web process) within NAMES_KEPT
    with db.session() as s:
        SourceRepository(s).save(Source("Agenda ECSI", "https://ecsi.example/ics", SourceKind.ICAL, ItemKind.EVENT))
    assert len(desk.triage_page(TriageQuery())[1]) == 1
    clock.advance(NAMES_KEPT)
    assert [name for _, name in desk.triage_page(TriageQuery())[1]] == ["Agenda ECSI", "Fonds Eau potable"]


def test_an_approval_reads_the_item_once(db: Database, item_id: int, trips: Trips) -> None:
    result = Curator(db, FrozenClock(NOW), Taxonomy.from_settings(TaxonomySettings())).approve(
        [item_id], actor="redaction@exemple.fr"
    )
    assert result.done == [item_id]
    items_read = [s for s in trips.seen if s.startswith("SELECT items.")]
    assert len(items_read) == 1, trips.seen
    with db.reading() as s:
        assert ItemRepository(s).get(item_id).status is ItemStatus.APPROVED


def test_a_new_subscriber_is_one_insert_with_its_masks(db: Database, trips: Trips) -> None:
    with db.session() as s:  # the preference bits exist already, as on every sign-up but the first
        SubscriberRepository(s).save(Subscriber(email="premier@exemple.fr", created_at=NOW))
    trips.seen.clear()
    sub = Subscriber(email="alice@exemple.fr", created_at=NOW, preferences=Preferences(streams=[Stream.NEWSLETTER]))
    with db.session() as s:
        SubscriberRepository(s).save(sub)
    writes = [w for w in trips.seen if w.startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1 and writes[0].startswith("INSERT INTO subscribers"), trips.seen
    with db.reading() as s:
        stored = SubscriberRepository(s).get(sub.id or 0)
    assert stored.preferences.streams == [Stream.NEWSLETTER]


def test_the_identity_behind_a_link_is_one_select(db: Database, trips: Trips) -> None:
    sub = Subscriber(email="alice@exemple.fr", created_at=NOW)
    with db.session() as s:
        SubscriberRepository(s).save(sub)
    trips.seen.clear()
    found = identity_lookup(db)(sub.id or 0)
    assert found is not None and found.token_version == 0
    assert len(trips.seen) == 1 and trips.seen[0].startswith("SELECT"), trips.seen
