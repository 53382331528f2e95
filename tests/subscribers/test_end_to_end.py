"""Subscribe → confirm → change preferences → one-click unsubscribe, through the public pages, with the real
system emails (MJML rendered, sent over SMTP) caught by a test SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.model import Stream, SubscriberStatus
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit

BASE = "https://lettre.example.org"


@pytest.fixture
def client(db: Database, clock: FrozenClock, settings: Settings, smtp_kit: SubscriberKit) -> Iterator[TestClient]:
    ctx = build_web_context(settings, db, clock, secret_key="s", subscribers=smtp_kit)
    with TestClient(create_app(ctx), base_url=BASE) as c:
        yield c


def alice(db: Database) -> Any:
    with db.session() as s:
        return SubscriberRepository(s).by_email("alice@xn--cole-9oa.fr")


def test_the_whole_journey_with_real_emails(
    client: TestClient, db: Database, smtp_server: Any, smtp_kit: SubscriberKit
) -> None:
    caught, _ = smtp_server
    r = client.post("/subscribe", data={"email": "Alice@École.fr", "name": "Alice", "themes": ["eau"]})
    assert r.status_code == 200
    (confirmation,) = caught.messages
    assert confirmation["To"] == "alice@xn--cole-9oa.fr"
    assert confirmation["Subject"] == "Confirmez votre inscription à RESA'CLIC"
    assert confirmation["Auto-Submitted"] == "auto-generated"
    html = confirmation.get_body(("html",)).get_content()
    assert "Je confirme mon inscription" in html and "<mj-" not in html

    confirm = caught.link("Confirmez", rf"{BASE}/confirm/\S+")
    assert client.post(confirm.removeprefix(BASE)).status_code == 200
    assert alice(db).status == SubscriberStatus.CONFIRMED

    preferences = caught.link("Bienvenue", rf"{BASE}/preferences/\S+")
    r = client.post(preferences.removeprefix(BASE), data={"themes": ["sante"], "streams_shown": "1",
                                                        "streams": ["newsletter", "emailing"]})  # fmt: skip
    assert r.status_code == 200 and alice(db).preferences.themes == ["sante"]
    assert "préférences" in str(caught.messages[-1]["Subject"])

    # What delivery puts in List-Unsubscribe for a newsletter; the mail client POSTs it, without cookies.
    one_click = smtp_kit.links.unsubscribe_url(alice(db).id, Stream.NEWSLETTER)
    client.cookies.clear()
    r = client.post(one_click.removeprefix(BASE), data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    assert alice(db).preferences.streams == [Stream.EMAILING] and alice(db).status == SubscriberStatus.CONFIRMED
    sent = len(caught.messages)

    goodbye = caught.link("Bienvenue", rf"{BASE}/unsubscribe/\S+")
    assert client.post(goodbye.removeprefix(BASE), data={"scope": "all"}).status_code == 200
    assert alice(db).status == SubscriberStatus.UNSUBSCRIBED
    assert len(caught.messages) == sent + 1 and "désinscription" in str(caught.messages[-1]["Subject"])
