"""Collection scenarios on a real database: the demo, conditional requests, updates, errors and previews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from core.clock import FrozenClock
from core.errors import FetchError
from core.model import ItemStatus, Source
from core.settings import WatchSettings, load_settings
from relais.wiring import declared_sources, outbound_policy
from storage.collection import CollectionRepository
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.watch.helpers import source
from watch.service import Watch, process_pool, taxonomy_rules

ROOT = Path(__file__).parents[2]
SETTINGS = load_settings(ROOT / "config.toml")
RSS = """<rss version="2.0"><channel><title>F</title><link>https://f.example/</link>
<item><title>Appel Eau 2027</title><link>https://f.example/eau</link><guid>eau</guid>
<description>Date limite de dépôt : {deadline}.</description></item></channel></rss>"""


def save(db: Database, *sources: Source) -> None:
    with db.session() as s:
        SourceRepository(s).sync_from_config(list(sources))


def watch(db: Database, clock: FrozenClock, handler: Callable[[httpx.Request], httpx.Response] | None = None) -> Watch:
    transport = httpx.MockTransport(handler) if handler else None
    rules = taxonomy_rules(SETTINGS.taxonomy)
    return Watch(db, WatchSettings(), clock, rules, transport=transport, policy=outbound_policy(SETTINGS))


def items(db: Database) -> list:  # type: ignore[type-arg]
    with db.session() as s:
        return ItemRepository(s).find()


def test_the_demo_sources_are_collected_and_cross_source_duplicates_merged(db: Database, clock: FrozenClock) -> None:
    save(db, *declared_sources(SETTINGS))
    results = watch(db, clock).collect()
    assert [r.outcome for r in results] == ["fetched"] * 5
    assert sum(r.parsed for r in results) == 52 and sum(r.duplicates for r in results) == 3
    found = items(db)
    assert len(found) == 49
    by_title = {i.title: i for i in found}
    official = by_title["AAP « Initiatives locales de solidarité internationale » 2027"]  # RSS wins over its relay
    assert sorted(s.source_name for s in official.sources) == [
        "Actualités des membres (Atom)",
        "Agence des financements (RSS)",
    ]
    assert official.kind == "funding" and official.deadline == date(2027, 3, 15)
    fondation = by_title["Appel « Solidarité internationale et territoires » 2027"]  # same URL, tracking stripped
    assert len(fondation.sources) == 2 and fondation.kind == "call"
    assert {t.tag for t in by_title["Chargé·e de projets eau et assainissement"].suggested_tags} >= {"eau"}
    with db.session() as s:
        assert len(CollectionRepository(s).runs()) == 5
        events = ItemRepository(s).events(official.id or 0)
    assert [e["action"] for e in events] in (["collected", "merged"],)

    again = watch(db, clock).collect()
    assert [r.outcome for r in again] == ["not_modified"] * 5 and sum(r.parsed for r in again) == 0
    assert len(items(db)) == 49


def test_conditional_requests_survive_a_restart(db: Database, clock: FrozenClock) -> None:
    seen: list[dict[str, str]] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        body = RSS.format(deadline="15 mars 2027")
        return httpx.Response(
            200, text=body, headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Nov 2026 07:00:00 GMT"}
        )

    save(db, source(url="https://f.example/rss", id=None, name="F"))
    assert watch(db, clock, server).collect()[0].new == 1
    second = watch(db, clock, server).collect()[0]  # a new Watch: validators came from the database
    assert second.outcome == "not_modified" and second.http_status == 304
    assert seen[1]["if-none-match"] == '"v1"' and seen[1]["if-modified-since"] == "Mon, 02 Nov 2026 07:00:00 GMT"
    assert seen[0]["user-agent"] == WatchSettings().user_agent
    with db.session() as s:
        health = SourceRepository(s).by_name("F").health
    assert health.not_modified_runs == 1 and health.runs == 2


def test_a_deadline_extended_is_an_update_and_approved_items_are_flagged(db: Database, clock: FrozenClock) -> None:
    deadline = ["15 mars 2027"]
    save(db, source(url="https://f.example/rss", name="F"))
    w = watch(db, clock, lambda r: httpx.Response(200, text=RSS.format(deadline=deadline[0])))
    w.collect()
    deadline[0] = "30 avril 2027"
    assert w.collect()[0].updated == 1
    (item,) = items(db)
    assert item.deadline == date(2027, 4, 30) and item.status == ItemStatus.NEW
    with db.session() as s:
        item.status, item.approved_at = ItemStatus.APPROVED, clock.now()
        ItemRepository(s).update(item)
    deadline[0] = "31 mai 2027"
    assert w.collect()[0].updated == 1
    (item,) = items(db)
    assert item.deadline == date(2027, 4, 30) and item.summary == "Date limite de dépôt : 30 avril 2027."
    assert item.pending_update == {
        "deadline": "2027-05-31",
        "summary": "Date limite de dépôt : 31 mai 2027.",
        "body_html": "Date limite de dépôt : 31 mai 2027.",
    }
    with db.session() as s:
        events = ItemRepository(s).events(item.id or 0)
    assert [e["action"] for e in events] == ["collected", "updated", "updated"]
    assert events[-1]["changes"]["pending"] is True and events[-1]["actor"] == "watch"


def test_a_failing_source_backs_off_keeps_its_items_and_never_makes_one(db: Database, clock: FrozenClock) -> None:
    status = [200]

    def server(request: httpx.Request) -> httpx.Response:
        if status[0] != 200:
            return httpx.Response(status[0], headers={"Retry-After": "7200"})
        return httpx.Response(200, text=RSS.format(deadline="15 mars 2027"))

    save(db, source(url="https://f.example/rss", name="F"))
    w = watch(db, clock, server)
    w.collect()
    status[0] = 429
    failed = w.collect()[0]
    assert failed.outcome == "error" and failed.http_status == 429 and "429" in (failed.error or "")
    assert w.collect()[0].outcome == "skipped"  # backing off for two hours (Retry-After)
    clock.advance(timedelta(hours=2, seconds=1))
    status[0] = 500
    assert w.collect()[0].outcome == "error"
    assert len(items(db)) == 1
    with db.session() as s:
        h = SourceRepository(s).by_name("F").health
        runs = CollectionRepository(s).runs()
    assert h.consecutive_failures == 2 and h.last_error == "HTTP 500 : erreur du serveur"  # French, by its code
    assert h.backoff_until == clock.now() + timedelta(hours=2)  # second failure: 2 × one hour
    assert [r.outcome for r in reversed(runs)] == ["fetched", "error", "skipped", "error"]
    status[0] = 200
    assert w.collect(force=True)[0].outcome == "not_modified"  # same body as before: nothing parsed


def test_preview_parses_a_source_without_storing_anything(db: Database, clock: FrozenClock) -> None:
    w = watch(db, clock, lambda r: httpx.Response(200, text=RSS.format(deadline="15 mars 2027")))
    unsaved = source(url="https://f.example/rss", name="pas encore enregistrée")
    (item,) = w.preview(unsaved)
    assert item.title == "Appel Eau 2027" and item.deadline == date(2027, 3, 15)
    assert items(db) == []
    with pytest.raises(FetchError):
        watch(db, clock, lambda r: httpx.Response(404)).preview(unsaved)


def test_parsing_in_a_process_pool(db: Database, clock: FrozenClock) -> None:
    save(db, *declared_sources(SETTINGS))
    w = watch(db, clock)
    w.parse_pool = process_pool(1)
    try:
        results = w.collect(["Agenda de la solidarité (iCalendar)"])
    finally:
        w.close()
    assert results[0].new == 15


def test_an_unknown_source_name_is_refused(db: Database, clock: FrozenClock) -> None:
    from core.errors import NotFound

    with pytest.raises(NotFound):
        watch(db, clock).collect(["absente"])


def test_run_rows_that_cannot_be_written_fail_the_collection_at_its_end(db: Database, clock: FrozenClock) -> None:
    # Health and run rows go to the writer thread in batches of 50, without the sources waiting for them: a
    # batch the database refuses stops nothing; the collection says so once every source is done, and the items
    # stored meanwhile (their own transactions) stay.
    asked: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        n = int(request.url.path[2:])
        body = RSS.format(deadline=f"{1 + n % 28} mars 2027").replace("Eau", f"numéro {n}").replace("eau", f"s{n}")
        return httpx.Response(200, text=body)

    save(db, *(source(url=f"https://f.example/s{n}", name=f"F{n:02d}") for n in range(60)))
    with db.engine.begin() as conn:  # put back below: PostgreSQL's test tables are shared by the whole session
        conn.exec_driver_sql("ALTER TABLE collection_runs RENAME TO collection_runs_away")
    try:
        with pytest.raises(Exception, match="collection_runs"):
            watch(db, clock, server).collect()
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE collection_runs_away RENAME TO collection_runs")
    assert sorted(asked) == sorted(f"/s{n}" for n in range(60))
    assert len(items(db)) == 60
