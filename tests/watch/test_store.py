"""The store step on a real database: what a second sight of a source's entries costs and decides, fuzzy matching
through the date index, and a run's health and run rows written in batches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.errors import NotFound
from core.model import ItemAction, Source, SourceHealth
from storage.collection import CollectionRepository, CollectionRun
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.watch.helpers import REF, source
from watch.entry import Entry, new_item
from watch.parse import enrich
from watch.store import Job, Stored, store_entries, store_many


def saved(db: Database, *sources: Source) -> list[Source]:
    with db.session() as s:
        repo = SourceRepository(s)
        repo.sync_from_config(list(sources))
        return [repo.by_name(x.name) for x in sources]


def entry(src: Source, ident: str, title: str, deadline: date | None = None, body: str = "") -> Entry:
    url = f"https://{src.name.replace(' ', '-')}.example/{ident}"
    e = Entry(ident, new_item(src, title=title, url=url, html=body or f"<p>{title}</p>", base_url=url, origin="feed"))
    e.item.deadline = deadline
    enrich(e, reference=REF)
    return e


def test_a_second_sight_of_unchanged_entries_only_touches_them(db: Database) -> None:
    (src,) = saved(db, source(name="agence"))
    first = [entry(src, f"e{i}", f"Appel numéro {i}", date(2027, 3, i + 1)) for i in range(5)]
    assert store_entries(db, src, first, now=REF).new == 5

    later = REF + timedelta(days=1)
    again = [entry(src, f"e{i}", f"Appel numéro {i}", date(2027, 3, i + 1)) for i in range(5)]
    counts = store_entries(db, src, again, now=later)

    assert (counts.new, counts.updated, counts.unchanged, counts.duplicates) == (0, 0, 5, 0)
    with db.session() as s:
        found = ItemRepository(s).find()
    assert len(found) == 5
    assert all(i.sources[0].last_seen_at == later and i.updated_at == REF for i in found)


def test_one_changed_entry_among_unchanged_ones_is_the_only_update(db: Database) -> None:
    (src,) = saved(db, source(name="agence"))
    store_entries(db, src, [entry(src, f"e{i}", f"Appel numéro {i}", date(2027, 3, i + 1)) for i in range(4)], now=REF)

    later = REF + timedelta(days=1)
    again = [entry(src, f"e{i}", f"Appel numéro {i}", date(2027, 3, i + 1)) for i in range(4)]
    again[2] = entry(src, "e2", "Appel numéro 2", date(2027, 4, 30))  # the deadline was extended
    counts = store_entries(db, src, again, now=later)

    assert (counts.updated, counts.unchanged) == (1, 3)
    with db.session() as s:
        items = ItemRepository(s)
        by_title = {i.title: i for i in items.find()}
        changed = by_title["Appel numéro 2"]
        assert changed.deadline == date(2027, 4, 30) and changed.updated_at == later
        assert by_title["Appel numéro 1"].updated_at == REF
        assert changed.id is not None
        assert [ev["action"] for ev in items.events(changed.id)] == [ItemAction.COLLECTED, ItemAction.UPDATED]


def test_fuzzy_matching_finds_the_item_sharing_a_date_among_many(db: Database) -> None:
    relay, official = saved(db, source(name="relais"), source(name="officiel", official=True))
    noise = [entry(relay, f"n{i}", f"Bourse jeunesse lot {i}", date(2027, 3, 15)) for i in range(30)]
    wanted = entry(relay, "eau", "Appel à projets Eau et assainissement", date(2027, 3, 15))
    other_day = entry(relay, "eau-bis", "Appel à projets Eau et assainissement", date(2027, 5, 1))
    store_entries(db, relay, [*noise, wanted, other_day], now=REF)

    again = entry(official, "AAP-1", "Appel à projets « Eau et assainissement »", date(2027, 3, 15))
    counts = store_entries(db, official, [again], now=REF)

    assert (counts.new, counts.duplicates) == (0, 1)
    with db.session() as s:
        merged = next(i for i in ItemRepository(s).find() if i.deadline == date(2027, 3, 15) and "Eau" in i.title)
    assert sorted(x.source_name for x in merged.sources) == ["officiel", "relais"]


def test_a_source_never_merges_with_an_item_it_already_gave(db: Database) -> None:
    (src,) = saved(db, source(name="agence"))
    store_entries(db, src, [entry(src, "a", "Appel à projets Eau 2027", date(2027, 3, 15))], now=REF)
    counts = store_entries(db, src, [entry(src, "b", "Appel à projets Eau 2027 !", date(2027, 3, 15))], now=REF)
    assert (counts.new, counts.duplicates) == (1, 0)


def test_sources_of_one_batch_merge_with_what_the_earlier_ones_stored(db: Database) -> None:
    relay, official, third = saved(db, source(name="relais"), source(name="officiel", official=True), source(name="c"))
    by_url = entry(relay, "r1", "Appel à projets Eau et assainissement", date(2027, 3, 15))
    url = by_url.item.url
    title = "Appel à projets Eau et assainissement"
    same_url = Entry("o1", new_item(official, title=title, url=url, html="<p>x</p>", base_url=url, origin="feed"))
    same_url.item.deadline = date(2027, 3, 15)  # the official source wins: its fields replace the relay's
    enrich(same_url, reference=REF)
    fuzzy = entry(third, "c1", "Appel à projets « Eau et assainissement »", date(2027, 3, 15))

    results = store_many(db, [Job(relay, [by_url], REF), Job(official, [same_url], REF), Job(third, [fuzzy], REF)])

    assert [(r.new, r.duplicates) for r in results if isinstance(r, Stored)] == [(1, 0), (0, 1), (0, 1)]
    with db.session() as s:
        (item,) = ItemRepository(s).find()
        assert item.id is not None
        assert sorted(x.source_name for x in item.sources) == ["c", "officiel", "relais"]
        actions = [ev["action"] for ev in ItemRepository(s).events(item.id)]
    assert actions == [ItemAction.COLLECTED, ItemAction.MERGED, ItemAction.MERGED]


def test_a_source_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_stored(db: Database) -> None:
    a, b, c = saved(db, source(name="a"), source(name="b"), source(name="c"))
    broken = entry(b, "b1", "Titre refusé")
    broken.item.title = None  # type: ignore[assignment]  # NOT NULL: the database refuses the row

    results = store_many(
        db,
        [Job(a, [entry(a, "a1", "Appel A")], REF), Job(b, [broken], REF), Job(c, [entry(c, "c1", "Appel C")], REF)],
    )

    assert isinstance(results[0], Stored) and results[0].new == 1
    assert isinstance(results[1], Exception)
    assert isinstance(results[2], Stored) and results[2].new == 1
    with db.session() as s:
        assert sorted(i.title for i in ItemRepository(s).find()) == ["Appel A", "Appel C"]
        assert len(CollectionRepository(s).sightings_many([a.id or 0, c.id or 0])[a.id or 0]) == 1


def test_health_and_runs_are_written_in_batches(db: Database) -> None:
    a, b = saved(db, source(name="a"), source(name="b"))
    assert a.id is not None and b.id is not None
    with db.session() as s:
        SourceRepository(s).save_health_many(
            [(a.id, SourceHealth(etag='"1"', last_run_at=REF, runs=3)), (b.id, SourceHealth(consecutive_failures=2))]
        )
        CollectionRepository(s).record_many(
            [
                CollectionRun(a.id, REF, REF + timedelta(seconds=1), "fetched", 200, parsed=4, new=4),
                CollectionRun(b.id, REF, REF, "error", 500, error="HTTP 500"),
            ]
        )
    with db.session() as s:
        repo, runs = SourceRepository(s), CollectionRepository(s)
        assert repo.by_name("a").health == SourceHealth(etag='"1"', last_run_at=REF, runs=3)
        assert repo.by_name("b").health.consecutive_failures == 2
        assert [(r.source_id, r.outcome, r.new, r.error) for r in runs.runs()] == [
            (b.id, "error", 0, "HTTP 500"),
            (a.id, "fetched", 4, None),
        ]


def test_health_of_a_source_deleted_meanwhile_is_an_error(db: Database) -> None:
    (a,) = saved(db, source(name="a"))
    assert a.id is not None
    with pytest.raises(NotFound), db.session() as s:
        SourceRepository(s).save_health_many([(a.id, SourceHealth(runs=1)), (a.id + 1000, SourceHealth(runs=1))])


def test_batch_inserts_give_each_item_its_own_id_even_after_the_last_one_was_deleted(db: Database) -> None:
    from sqlalchemy import delete

    from storage.tables import ItemRow

    (src,) = saved(db, source(name="agence"))
    first = [entry(src, f"a{i}", f"Premier lot {i}").item for i in range(3)]
    with db.session() as s:
        ItemRepository(s).add_many(first)
    with db.session() as s:  # SQLite hands the freed id out again: the batch must still know its own
        s.execute(delete(ItemRow).where(ItemRow.id == first[-1].id))
    second = [entry(src, f"b{i}", f"Second lot {i}").item for i in range(4)]
    with db.session() as s:
        ItemRepository(s).add_many(second)
    with db.session() as s:
        stored = ItemRepository(s).get_many([i.id for i in second if i.id is not None])
    assert [stored[i.id].title for i in second if i.id is not None] == [i.title for i in second]
    assert len({i.id for i in first[:2] + second}) == 6
