"""The RFC 8058 one-click unsubscribe does one conditional UPDATE and one consent row, nothing else in the request.

Mail clients send this POST for whoever clicks « Se désinscrire » in their inbox, often in bursts right after a
send, while the sender and the admin share the database: every other statement there is latency for nothing.
The statements are counted on the engine itself (SQLAlchemy's ``before_cursor_execute``), on either engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.model import Stream, Subscriber, SubscriberStatus
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def client(db: Database, clock: FrozenClock, settings: Settings, kit: SubscriberKit) -> Iterator[TestClient]:
    ctx = build_web_context(settings, db, clock, secret_key="s", subscribers=kit)
    with TestClient(create_app(ctx), base_url="https://lettre.example.org") as c:
        yield c


@pytest.fixture
def alice(db: Database, clock: FrozenClock) -> int:
    with db.session() as s:
        sub = Subscriber(email="alice@exemple.fr", status=SubscriberStatus.CONFIRMED, created_at=clock.now())
        SubscriberRepository(s).save(sub)
    assert sub.id is not None
    return sub.id


class Statements:
    """Every SQL statement the engine runs while counting (SAVEPOINT/BEGIN/COMMIT are not statements here)."""

    def __init__(self, db: Database) -> None:
        self.db, self.seen, self.on = db, [], False
        event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.seen.append(" ".join(statement.split())[:80])

    def close(self) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(db: Database) -> Iterator[Statements]:
    counter = Statements(db)
    yield counter
    counter.close()


def path(url: str) -> str:
    return url.removeprefix("https://lettre.example.org")


def status_of(db: Database, sid: int) -> SubscriberStatus:
    with db.session() as s:
        return SubscriberRepository(s).get(sid).status


def test_one_click_from_everything_is_one_update_and_one_consent_row(
    client: TestClient, db: Database, kit: SubscriberKit, alice: int, statements: Statements, mailer: Any
) -> None:
    url = path(kit.links.unsubscribe_url(alice))
    statements.on = True
    r = client.post(url, data=ONE_CLICK)
    statements.on = False
    assert r.status_code == 200 and "plus aucun" in r.text
    kinds = [sql.split()[0].upper() for sql in statements.seen if not sql.upper().startswith("SELECT 1")]
    assert kinds == ["UPDATE", "INSERT"], statements.seen
    assert "subscribers" in statements.seen[-2] and "consent_events" in statements.seen[-1]
    assert status_of(db, alice) == SubscriberStatus.UNSUBSCRIBED
    assert "goodbye" not in mailer.kinds()  # the mail client acted: silence


def test_one_click_again_changes_nothing_and_logs_nothing(
    client: TestClient, db: Database, kit: SubscriberKit, alice: int, statements: Statements
) -> None:
    url = path(kit.links.unsubscribe_url(alice))
    assert client.post(url, data=ONE_CLICK).status_code == 200
    statements.on = True
    assert client.post(url, data=ONE_CLICK).status_code == 200
    statements.on = False
    assert not any(sql.upper().startswith("INSERT") for sql in statements.seen)  # no second consent row
    with db.session() as s:
        unsubscribes = [e for e in SubscriberRepository(s).consent_events(alice) if e["action"] == "unsubscribe"]
    assert len(unsubscribes) == 1


def test_one_click_from_one_stream_writes_once(
    client: TestClient, db: Database, kit: SubscriberKit, alice: int, statements: Statements
) -> None:
    url = path(kit.links.unsubscribe_url(alice, Stream.EMAILING))
    statements.on = True
    r = client.post(url, data=ONE_CLICK)
    statements.on = False
    assert r.status_code == 200 and "Voir mes préférences" in r.text
    writes = [sql for sql in statements.seen if sql.upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(writes) == 2 and "consent_events" in writes[1], statements.seen
    with db.session() as s:
        sub = SubscriberRepository(s).get(alice)
    assert sub.status == SubscriberStatus.CONFIRMED and sub.preferences.streams == [Stream.NEWSLETTER]


def test_a_voided_link_changes_nothing(client: TestClient, db: Database, kit: SubscriberKit, alice: int) -> None:
    url = path(kit.links.unsubscribe_url(alice))
    with db.session() as s:
        SubscriberRepository(s).bump_token_version(alice)  # a staff action voided every link
    r = client.post(url, data=ONE_CLICK)
    assert r.status_code == 400 and "plus valable" in r.text
    assert status_of(db, alice) == SubscriberStatus.CONFIRMED


def test_the_pages_button_says_goodbye_after_the_answer(
    client: TestClient, db: Database, kit: SubscriberKit, alice: int, mailer: Any
) -> None:
    r = client.post(path(kit.links.unsubscribe_url(alice)), data={"scope": "all"})
    assert r.status_code == 200 and status_of(db, alice) == SubscriberStatus.UNSUBSCRIBED
    assert mailer.kinds()[-1] == "goodbye"
