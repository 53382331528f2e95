"""Pasting the address of each demo page proposes the right way to follow it: the demo folder served on
127.0.0.2 (trusted for the test), discovered by the watch as the admin and ``relais watch discover`` do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from core.clock import FrozenClock
from core.model import ItemKind, SourceKind
from core.settings import WatchSettings
from storage.database import Database
from tests.watch.helpers import DEMO, HOST, FakeResolver, file_server
from watch.discover import Way
from watch.service import Watch


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    with file_server(DEMO, HOST) as port:
        yield f"http://{HOST}:{port}"


@pytest.fixture
def watch(db: Database) -> Watch:
    settings = WatchSettings(timeout=5.0, trusted_networks=[f"{HOST}/32"])
    clock = FrozenClock(datetime(2026, 11, 25, tzinfo=UTC))
    return Watch(
        db=db, settings=settings, clock=clock, resolver=FakeResolver()
    )  # no name resolves: the demo's links are fictitious


@pytest.mark.parametrize(
    ("page", "way", "kind", "items"),
    [
        ("financements.rss", Way.FEED, SourceKind.FEED, 6),
        ("actualites.atom", Way.FEED, SourceKind.FEED, 9),
        ("agenda.ics", Way.CALENDAR, SourceKind.ICAL, 1),
        ("emplois.json", Way.API, SourceKind.JSON, 9),
        ("appels.html", Way.BLOCKS, SourceKind.HTML, 9),
        ("formations.html", Way.BLOCKS, SourceKind.HTML, 5),
    ],
)
def test_each_demo_page_proposes_the_right_way_first(
    demo: str, watch: Watch, page: str, way: Way, kind: SourceKind, items: int
) -> None:
    found = watch.discover(f"{demo}/{page}")
    best = found.proposals[0]
    assert found.problem is None and (best.way, best.source.kind) == (way, kind)
    assert best.source.url == f"{demo}/{page}" and len(best.items) >= items


def test_the_demo_page_declaring_its_feed_gets_the_feed_first_because_its_items_are_the_pages(
    demo: str, watch: Watch
) -> None:
    found = watch.discover(f"{demo}/actualites.html")
    best = found.proposals[0]
    assert best.way == Way.FEED and best.source.url == f"{demo}/actualites.atom" and best.items
    assert best.items[0].title == "Retour sur le Festival des solidarités à Lyon"
    assert [p.way for p in found.proposals][1] == Way.BLOCKS  # the page's own list stays an alternative


def test_the_demo_list_without_selectors_gives_trainings_with_their_closing_dates(demo: str, watch: Watch) -> None:
    best = watch.discover(f"{demo}/formations.html").proposals[0]
    assert best.source.item_kind == ItemKind.TRAINING
    assert best.source.options["item"] == "ul.catalogue > li.fiche"
    assert [i.title for i in best.items][-1] == "Évaluer un projet : méthodes simples pour les petites associations"
    assert best.items[0].deadline is not None and best.items[0].deadline.isoformat() == "2027-01-08"
