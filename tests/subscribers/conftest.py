"""Subscriber fixtures: the project's config.toml taxonomy, a frozen clock, a fake SystemMailer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.model import Subscriber
from core.settings import Settings, load_settings
from storage.database import Database
from subscribers.kit import SubscriberKit, make_kit

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-" + "x" * 32


@dataclass
class Sent:
    kind: str
    email: str
    links: dict[str, str]


@dataclass
class FakeMailer:
    """Keeps what would have been sent."""

    sent: list[Sent] = field(default_factory=list)

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.sent.append(Sent(kind, subscriber.email, dict(links)))

    def last(self, kind: str) -> Sent:
        return [s for s in self.sent if s.kind == kind][-1]

    def kinds(self) -> list[str]:
        return [s.kind for s in self.sent]


def token_of(url: str) -> str:
    match = re.search(r"/(?:confirm|preferences|unsubscribe)/([^/?#]+)$", url)
    assert match, url
    return match.group(1)


@pytest.fixture(name="token_of")
def token_of_fixture() -> object:
    """The token at the end of a personal link."""
    return token_of


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = load_settings(ROOT / "config.toml", environ={})
    s.network.base_url = "https://lettre.example.org"
    return s


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def kit(db: Database, clock: FrozenClock, settings: Settings, mailer: FakeMailer) -> SubscriberKit:
    return make_kit(db, clock, settings, SECRET, mailer)
