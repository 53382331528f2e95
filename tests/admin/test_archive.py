"""The public archive and feeds, as a visitor and the network's website see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import icalendar
from starlette.testclient import TestClient

from admin.web import WebContext
from core.model import IssueStatus, Item, ItemKind, ItemStatus
from digest.service import DigestService
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository


def _publish(web: WebContext, db: Database) -> tuple[int, int]:
    """Two approved items, a sent newsletter and a draft emailing."""
    now = web.clock.now()
    with db.session() as s:
        repo = ItemRepository(s)
        repo.add(Item(ItemKind.CALL, "Appel ECSI", url="https://exemple.org/a", status=ItemStatus.APPROVED,
                      approved_at=now, collected_at=now))  # fmt: skip
        repo.add(Item(ItemKind.EVENT, "Festisol", status=ItemStatus.APPROVED, approved_at=now, collected_at=now,
                      starts_at=now + timedelta(days=10), place="Lyon"))  # fmt: skip
    web.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    svc = DigestService(db, web.clock, web.settings.network, web.settings.taxonomy)
    sent = svc.build_newsletter()
    draft = svc.build_emailing(text="Bientôt", subject="Brouillon")
    with db.session() as s:
        sent.status, sent.sent_at = IssueStatus.SENT, datetime(2026, 11, 2, 9, tzinfo=UTC)
        IssueRepository(s).save(sent)
    assert sent.id and draft.id
    return sent.id, draft.id


def test_a_sent_issue_has_a_public_page_with_generic_links(client: TestClient, web: WebContext, db: Database) -> None:
    sent, draft = _publish(web, db)
    page = client.get(f"/archives/{sent}")
    assert page.status_code == 200 and "Appel ECSI" in page.text
    assert "RELAISx" not in page.text and "/abonnement" in page.text
    assert "unsafe-inline" in page.headers["content-security-policy"]
    assert client.get(f"/archives/{draft}").status_code == 404  # drafts are not public
    assert client.get("/archives/999").status_code == 404


def test_the_archive_index_and_its_atom_feed(client: TestClient, web: WebContext, db: Database) -> None:
    sent, _draft = _publish(web, db)
    index = client.get("/archives")
    assert index.status_code == 200 and f'href="/archives/{sent}"' in index.text and "Brouillon" not in index.text
    feed = feedparser.parse(client.get("/archives/feed.atom").text)
    assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == [str(sent)]


def test_items_feeds_for_the_website(client: TestClient, web: WebContext, db: Database) -> None:
    _publish(web, db)
    body = client.get("/feeds/items.json")
    assert body.headers["content-type"].startswith("application/feed+json")
    assert {i["title"] for i in body.json()["items"]} == {"Appel ECSI", "Festisol"}
    assert len(feedparser.parse(client.get("/feeds/items.atom").text).entries) == 2
    cal = icalendar.Calendar.from_ical(client.get("/feeds/events.ics").content)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Festisol"]
