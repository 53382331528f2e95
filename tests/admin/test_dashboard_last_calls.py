"""The dashboard tells staff when a « Dernier rappel » emailing waits for them, and stops once it is approved."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from admin.web import WebContext
from core.model import Item, ItemKind, ItemSource, ItemStatus, Role, Source, SourceKind
from core.settings import DigestSettings
from digest.last_calls import LastCalls
from digest.service import DigestService
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from tests.digest.digest_factory import network, subscriber, taxonomy


def test_a_drafted_last_call_is_on_the_dashboard_until_approved(
    web: WebContext, login: Callable[[Role], TestClient], db: Database
) -> None:
    db, clock = db, web.clock
    with db.session() as s:
        src = SourceRepository(s).save(Source("AMP", "https://amp.example/rss", SourceKind.FEED, ItemKind.CALL))
        it = Item(kind=ItemKind.CALL, title="Appel Eau et assainissement", status=ItemStatus.APPROVED,
                  approved_at=clock.now(), url="https://amp.example/eau",
                  deadline=clock.now().date() + timedelta(days=6))  # fmt: skip
        it.sources = [ItemSource(source_id=src.id or 0, source_item_id="eau")]
        ItemRepository(s).add(it)
        sub = subscriber(1)
        sub.id = None
        SubscriberRepository(s).save(sub)
    staff = login(Role.STAFF)
    assert "Derniers rappels à relire" not in staff.get("/admin/").text
    digest = DigestService(db=db, clock=clock, network=network(), taxonomy=taxonomy())
    issue = LastCalls(db, clock, digest, DigestSettings()).draft()
    assert issue is not None
    page = html.unescape(staff.get("/admin/").text)
    assert "Derniers rappels à relire" in page and f'href="/admin/issues/{issue.id}"' in page
    assert "Dernier rappel : « Appel Eau et assainissement » clôture le" in page
    digest.approve(issue.id or 0, by="staff@example.org")
    assert "Derniers rappels à relire" not in staff.get("/admin/").text
