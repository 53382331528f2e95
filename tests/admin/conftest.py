"""Fixtures for the web app: a real app over the test database, a logged-in client per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from admin.accounts import add_user
from admin.app import create_app
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role
from core.settings import Settings
from delivery.mailers.memory import MemoryMailer
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its lowest cost: the same code paths, without a tenth of a second per login in every test."""
    import subscribers.accounts

    monkeypatch.setattr(subscribers.accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def web_settings() -> Settings:
    """The settings the web context is built with (once: a module needing another taxonomy overrides this)."""
    return Settings()


@pytest.fixture
def web(db: Database, clock: FrozenClock, web_settings: Settings) -> WebContext:
    return build_web_context(web_settings, db, clock, secret_key="test-secret")


@pytest.fixture
def client(web: WebContext) -> Iterator[TestClient]:
    with TestClient(create_app(web), base_url="http://testserver") as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@pytest.fixture
def login(client: TestClient, web: WebContext, db: Database) -> Callable[[Role], TestClient]:
    """Create an account with ``role`` and log the client in."""

    def _login(role: Role) -> TestClient:
        email = f"{role}@example.org"
        add_user(db, email, role, PASSWORD, now=web.clock.now())
        token = csrf_of(client.get("/admin/login").text)
        r = client.post(
            "/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303, r.text
        return client

    return _login


# -- an issue's world: its settings, a memory mailer and the background sending seam ---------------------------
# Modules that need another mailer or other settings define their own ``mailer`` or ``config`` fixture.


@pytest.fixture
def config(tmp_path: Path) -> Settings:
    from tests.admin.issue_world import settings

    return settings(tmp_path)


@pytest.fixture
def mailer() -> MemoryMailer:
    return MemoryMailer(concurrency=2)


@pytest.fixture
def seam(db: Database, clock: FrozenClock, config: Settings, mailer: MemoryMailer) -> Iterator[BackgroundSending]:
    from tests.admin.issue_world import sending

    s = sending(db, clock, config, mailer)
    yield s
    s.close()
