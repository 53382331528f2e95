"""An erased subscriber's links never work again, even once the same address has signed up anew: ids are never
reused (SQLite AUTOINCREMENT since migration 0005, PostgreSQL's sequence), and every link names its row."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.model import Subscriber, SubscriberStatus
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit

BASE = "https://lettre.example.org"


@pytest.fixture
def client(db: Database, clock: FrozenClock, settings: Settings, kit: SubscriberKit) -> Iterator[TestClient]:
    ctx = build_web_context(settings, db, clock, secret_key="s", subscribers=kit)
    with TestClient(create_app(ctx), base_url=BASE) as c:
        yield c


def who(db: Database) -> Subscriber | None:
    with db.session() as s:
        return SubscriberRepository(s).by_email("alice@exemple.fr")


def sign_up(client: TestClient, mailer: Any) -> str:
    assert client.post("/subscribe", data={"email": "Alice@Exemple.fr", "themes": ["eau"]}).status_code == 200
    return str(mailer.last("confirm").links["confirm"]).removeprefix(BASE)


def refused(r: Any) -> bool:
    return r.status_code == 400 and "ce lien n'est plus valable" in html.unescape(r.text)


def test_old_links_of_an_erased_subscriber_never_reach_the_same_address_signed_up_again(
    client: TestClient, db: Database, mailer: Any
) -> None:
    old_confirm = sign_up(client, mailer)
    assert client.post(old_confirm).status_code == 200
    old = who(db)
    assert old is not None and old.status == SubscriberStatus.CONFIRMED
    welcome = mailer.last("welcome").links
    old_preferences, old_unsubscribe = (
        welcome["preferences"].removeprefix(BASE),
        welcome["unsubscribe"].removeprefix(BASE),
    )
    old_token = old_preferences.rsplit("/", 1)[1]
    assert client.post(f"/erase/{old_token}").status_code == 200 and who(db) is None

    new_confirm = sign_up(client, mailer)
    new = who(db)
    assert new is not None and new.status == SubscriberStatus.PENDING

    for method, url in [
        ("POST", old_confirm),
        ("GET", old_preferences),
        ("POST", old_preferences),
        ("GET", old_unsubscribe),
        ("POST", old_unsubscribe),
        ("GET", f"/export/{old_token}"),
        ("POST", f"/erase/{old_token}"),
    ]:
        r = client.request(method, url, data={"scope": "all", "streams": ["newsletter"]} if method == "POST" else None)
        assert refused(r), (method, url, r.status_code)
    assert who(db) == new  # nothing an old link did reached the newcomer
    assert new.id != old.id

    assert client.post(new_confirm).status_code == 200
    confirmed = who(db)
    assert confirmed is not None and confirmed.status == SubscriberStatus.CONFIRMED
    new_preferences = mailer.last("welcome").links["preferences"].removeprefix(BASE)
    assert client.get(new_preferences).status_code == 200 and refused(client.get(old_preferences))


def test_a_deleted_newest_id_is_never_given_again(db: Database) -> None:
    with db.session() as s:
        repo = SubscriberRepository(s)
        first = repo.save(Subscriber(email="a@exemple.fr")).id
        newest = repo.save(Subscriber(email="b@exemple.fr")).id
        assert first is not None and newest is not None
        repo.delete(newest)
    with db.session() as s:
        again = SubscriberRepository(s).save(Subscriber(email="b@exemple.fr")).id
        assert again is not None and again > newest
        SubscriberRepository(s).delete(again)
    with db.session() as s:  # the bulk path (CSV import) too
        ids = SubscriberRepository(s).insert_many([Subscriber(email="b@exemple.fr"), Subscriber(email="c@exemple.fr")])
    assert min(ids.values()) > again


def test_sqlite_subscribers_table_is_autoincrement(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL's sequences never go back")
    with db.engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'subscribers'"))
        assert "AUTOINCREMENT" in sql.scalar_one()


def give_id_again(db: Database, subscriber_id: int) -> None:
    """What restoring a backup taken after the erasure does: the id sequence restarts after the largest id kept."""
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.execute(
                text("UPDATE sqlite_sequence SET seq = :n WHERE name = 'subscribers'"), {"n": subscriber_id - 1}
            )
        else:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('subscribers', 'id'), :n, false)"), {"n": subscriber_id}
            )


def test_old_links_stay_void_even_when_a_restored_backup_gives_the_erased_id_again(
    client: TestClient, db: Database, mailer: Any
) -> None:
    assert client.post(sign_up(client, mailer)).status_code == 200
    old = who(db)
    assert old is not None and old.id is not None
    old_preferences = mailer.last("welcome").links["preferences"].removeprefix(BASE)
    old_unsubscribe = mailer.last("welcome").links["unsubscribe"].removeprefix(BASE)
    assert client.post(f"/erase/{old_preferences.rsplit('/', 1)[1]}").status_code == 200

    give_id_again(db, old.id)
    assert client.post(sign_up(client, mailer)).status_code == 200
    new = who(db)
    assert new is not None and new.id == old.id  # the same row id, the same address: only the version differs
    assert refused(client.get(old_preferences)) and refused(client.post(old_unsubscribe, data={"scope": "all"}))
    again = who(db)
    assert again is not None and again.status == SubscriberStatus.CONFIRMED
    assert client.get(mailer.last("welcome").links["preferences"].removeprefix(BASE)).status_code == 200
