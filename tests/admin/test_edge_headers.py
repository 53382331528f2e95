"""HSTS when the request came over https, and no cache keeps an admin page or a subscriber's personal page.

The threats: a first visit over plain http downgraded by someone on the network (HSTS); a shared computer's
browser cache or a shared proxy cache showing an editor's page or a subscriber's preferences to the next person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.app import create_app
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role, Subscriber
from core.settings import load_settings
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit, make_kit

ROOT = Path(__file__).resolve().parents[2]


def test_no_hsts_over_plain_http(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/subscribe").headers


def test_hsts_over_direct_https(web: WebContext) -> None:
    with TestClient(create_app(web), base_url="https://lettre.example.org") as c:
        assert c.get("/subscribe").headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize(("peer", "expected"), [("127.0.0.1", True), ("203.0.113.50", False)])
def test_hsts_behind_the_proxy_only_when_the_proxy_says_https(web: WebContext, peer: str, expected: bool) -> None:
    web.settings.web.behind_proxy = True
    with TestClient(create_app(web), client=(peer, 40000)) as c:
        headers = c.get("/subscribe", headers={"X-Forwarded-Proto": "https"}).headers
    assert ("strict-transport-security" in headers) is expected


def test_every_admin_page_is_no_store(client: TestClient, login: Callable[[Role], TestClient]) -> None:
    assert client.get("/admin/login").headers["cache-control"] == "no-store"
    assert client.get("/admin/", follow_redirects=False).headers["cache-control"] == "no-store"
    staff = login(Role.STAFF)
    for path in ("/admin/", "/admin/items", "/admin/subscribers", "/admin/users", "/admin/nowhere"):
        assert staff.get(path).headers.get("cache-control") == "no-store", path


def test_public_pages_stay_cacheable(client: TestClient) -> None:
    for path in ("/subscribe", "/archives"):
        assert "cache-control" not in client.get(path).headers, path


class NoMail:
    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        pass


@pytest.fixture
def kit(db: Database, clock: FrozenClock) -> SubscriberKit:
    settings = load_settings(ROOT / "config.toml", environ={})
    return make_kit(db, clock, settings, "headers-secret-" + "k" * 32, NoMail())


@pytest.fixture
def personal(web: WebContext, kit: SubscriberKit, db: Database) -> Iterator[tuple[TestClient, int]]:
    web.subscribers = kit
    with db.session() as s:
        sub = SubscriberRepository(s).save(Subscriber(email="alice@exemple.fr"))
    assert sub.id is not None
    with TestClient(create_app(web)) as c:
        yield c, sub.id


def test_preference_pages_are_no_store(personal: tuple[TestClient, int], kit: SubscriberKit) -> None:
    client, sub_id = personal
    manage = kit.links.preferences_url(sub_id).split("/preferences/", 1)[1]
    r = client.get(f"/preferences/{manage}")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    for path in (f"/unsubscribe/{manage}", f"/erase/{manage}", "/confirm/bad-token", "/preferences/bad-token"):
        assert client.get(path).headers.get("cache-control") == "no-store", path
