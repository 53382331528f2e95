"""What a visitor types or a CSV file holds: control characters never reach a subscriber's record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.importer import import_csv
from subscribers.kit import SubscriberKit

HOSTILE = "Alice\x1b[2J \u202eDupont\x00\x0b\x7f\x85"


@pytest.fixture
def client(db: Database, clock: FrozenClock, settings: Settings, kit: SubscriberKit) -> Iterator[TestClient]:
    ctx = build_web_context(settings, db, clock, secret_key="s", subscribers=kit)
    with TestClient(create_app(ctx), base_url="https://lettre.example.org") as c:
        yield c


def name_of(db: Database, email: str) -> str | None:
    with db.session() as s:
        sub = SubscriberRepository(s).by_email(email)
    assert sub is not None
    return sub.name


def test_the_public_forms_drop_control_characters(client: TestClient, db: Database, mailer: Any) -> None:
    r = client.post("/subscribe", data={"email": "alice@exemple.fr\x00", "name": HOSTILE, "themes": ["eau"]})
    assert r.status_code == 200, r.text
    assert name_of(db, "alice@exemple.fr") == "Alice[2J Dupont"
    confirm = mailer.last("confirm").links["confirm"].removeprefix("https://lettre.example.org")
    assert client.post(confirm).status_code == 200
    prefs = mailer.last("welcome").links["preferences"].removeprefix("https://lettre.example.org")
    r = client.post(prefs, data={"name": "Bob\x1b\u2066 Martin\x7f", "themes": ["eau"]})
    assert r.status_code == 200, r.text
    assert name_of(db, "alice@exemple.fr") == "Bob Martin"


def test_an_imported_file_drops_control_characters(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    data = f"email;name\ncarole@exemple.fr;{HOSTILE}\n".encode()
    report = import_csv(db, clock, data, kit.choices, confirmed=True, basis="adhérents")
    assert report.summary["created"] == 1
    assert name_of(db, "carole@exemple.fr") == "Alice[2J Dupont"
