"""Public feeds for the network's website: archive Atom, items as JSON Feed and Atom, events as iCalendar."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import feedparser
import icalendar

from core.model import ItemKind
from digest.feeds import archive_atom, events_ical, items_atom, items_json_feed
from tests.digest.digest_factory import item, network, newsletter

NOW = datetime(2026, 11, 2, 8, tzinfo=UTC)
HOME = "https://relais.resacoop.example"


def test_the_archive_feed_lists_sent_issues_newest_first() -> None:
    old, new, draft = (
        newsletter([], number=1, issue_id=1),
        newsletter([], number=2, issue_id=2),
        newsletter([], issue_id=3),
    )
    old.sent_at, new.sent_at = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    xml = archive_atom([old, draft, new], network(), feed_url=f"{HOME}/archives/feed.atom",
                       issue_url=lambda n: f"{HOME}/archives/{n}", now=NOW)  # fmt: skip
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert [e.link for e in parsed.entries] == [f"{HOME}/archives/2", f"{HOME}/archives/1"]
    assert parsed.feed.title == "RESA'CLIC – archives"


def test_items_as_atom_and_json_feed() -> None:
    items = [
        item(1, ItemKind.CALL, title="Appel & co <b>", deadline=date(2027, 1, 1), tags=["ecsi"]),
        item(2, url=None),
    ]
    parsed = feedparser.parse(items_atom(items, network(), feed_url=f"{HOME}/feeds/items.atom", home=HOME, now=NOW))
    assert not parsed.bozo and [e.title for e in parsed.entries] == ["Appel & co <b>", "Item 2"]
    ET.fromstring(items_atom([], network(), feed_url="x", home=HOME, now=NOW))  # an empty feed is valid XML
    feed = items_json_feed(items, network(), feed_url=f"{HOME}/feeds/items.json", home=HOME, now=NOW)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    first, second = feed["items"]
    assert first["url"] == "https://exemple.org/items/1" and "url" not in second
    assert first["_relais"]["deadline"] == "2027-01-01" and first["tags"] == ["ecsi"]


def test_events_as_icalendar() -> None:
    items = [
        item(1, ItemKind.EVENT, title="Festisol", starts_at=datetime(2026, 11, 14, 17, 30, tzinfo=UTC), place="Lyon"),
        item(2, ItemKind.EVENT, title="Journée", starts_at=datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        item(3, ItemKind.EVENT, title="Sans date"),
        item(4, ItemKind.CALL, title="Pas un événement", starts_at=NOW),
    ]
    cal = icalendar.Calendar.from_ical(events_ical(items, network(), home=HOME, now=NOW))
    events = cal.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Festisol", "Journée"]
    assert events[0]["location"] == "Lyon" and events[0].decoded("dtend").hour == 19
    assert events[1].decoded("dtstart") == date(2026, 12, 1)
    assert str(events[0]["uid"]) == "item-1@relais.resacoop.example"
