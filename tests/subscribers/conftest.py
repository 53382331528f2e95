"""Subscriber fixtures: the project's config.toml taxonomy, a frozen clock, a fake SystemMailer."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from core.model import Subscriber
from core.settings import Settings, load_settings
from storage.database import Database
from subscribers.kit import SubscriberKit, make_kit
from subscribers.mailer import SystemEmailRenderer
from tests.subscribers.system_mail import smtp_system_mailer

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
    rehearsed: list[Sent] = field(default_factory=list)  # made and dropped (a suppressed address's sign-up)

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.sent.append(Sent(kind, subscriber.email, dict(links)))

    def rehearse(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.rehearsed.append(Sent(kind, subscriber.email, dict(links)))

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


@dataclass
class Caught:
    """Messages received by the test SMTP server."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"

    def link(self, subject_part: str, pattern: str) -> str:
        """The first URL matching ``pattern`` in the text of the last message whose subject has ``subject_part``
        (waiting for it a little: a confirmation email leaves after the page has answered)."""
        for _ in range(200):
            found = [m for m in self.messages if subject_part in str(m["Subject"])]
            if found:
                break
            time.sleep(0.05)
        msg = found[-1]
        body = msg.get_body(("plain",))
        assert body is not None
        match = re.search(pattern, body.get_content())
        assert match, body.get_content()
        return match.group(0)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Caught, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) catching what is sent."""
    from aiosmtpd.controller import Controller

    caught = Caught()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(caught, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield caught, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_kit(db: Database, clock: FrozenClock, settings: Settings, smtp_server: tuple[Caught, int]) -> SubscriberKit:
    """The kit with the real system mailer: MJML rendering, EmailMessage, SMTP to the test server."""
    _, port = smtp_server
    return make_kit(db, clock, settings, SECRET, smtp_system_mailer(SystemEmailRenderer(settings.network), port, clock))
