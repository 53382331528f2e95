"""A sign-up answers the same, and does the same work before answering, whether the address is new or on the
suppression list (hard bounce, complaint): nothing in the answer nor in its timing tells who is suppressed.

No clock is read here: the request's work is compared by what it does (the confirmation email is made after the
answer, through the same queue, in both cases; a suppressed address's email is made and dropped)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.message import SystemEmail
from core.model import Subscriber, SubscriberStatus
from core.settings import Settings
from delivery.compose import Sender
from delivery.mailers.memory import MemoryMailer
from delivery.system import SystemEmails
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit
from subscribers.mailer import SystemEmailRenderer
from subscribers.service import SignupForm

NEW, BOUNCED, COMPLAINED = "nouvelle@exemple.fr", "rejet@exemple.fr", "plainte@exemple.fr"


@pytest.fixture
def suppressed(db: Database, clock: FrozenClock) -> None:
    """A hard bounce and a complaint: addresses a form must never mail again."""
    with db.session() as s:
        repo = SubscriberRepository(s)
        repo.save(Subscriber(email=BOUNCED, status=SubscriberStatus.BOUNCED))
        repo.suppress(BOUNCED, "bounced", clock.now())
        repo.save(Subscriber(email=COMPLAINED, status=SubscriberStatus.COMPLAINED))
        repo.suppress(COMPLAINED, "complained", clock.now())


@pytest.mark.usefixtures("suppressed")
def test_every_sign_up_leaves_its_email_to_after_the_answer(kit: SubscriberKit, mailer: Any) -> None:
    for address in (NEW, BOUNCED, COMPLAINED):
        queued: list[Callable[[], None]] = []
        made = len(mailer.sent) + len(mailer.rehearsed)
        kit.service.signup(SignupForm(email=address, name="Camille"), ip="192.0.2.1", later=queued.append)
        assert len(queued) == 1, address  # one job, the same queue, whatever the address
        assert len(mailer.sent) + len(mailer.rehearsed) == made, address  # nothing made while the person waits
        queued[0]()
        assert len(mailer.sent) + len(mailer.rehearsed) == made + 1, address  # one email made after the answer
    assert [(m.kind, m.email) for m in mailer.sent] == [("confirm", NEW)]
    assert [(m.kind, m.email) for m in mailer.rehearsed] == [("confirm", BOUNCED), ("confirm", COMPLAINED)]
    # the dropped email is made like the real one: a signed confirmation link of the same shape
    real, dropped = mailer.sent[0].links["confirm"], mailer.rehearsed[0].links["confirm"]
    assert dropped.rsplit("/", 1)[0] == real.rsplit("/", 1)[0] and abs(len(dropped) - len(real)) <= 4


class CountingRenderer(SystemEmailRenderer):
    """The real renderer, counting the emails it makes."""

    made = 0

    def render(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> SystemEmail:
        self.made += 1
        return super().render(kind, subscriber, links)


def test_a_rehearsal_makes_the_whole_message_and_delivers_nothing(settings: Settings, clock: FrozenClock) -> None:
    delivered = MemoryMailer()
    renderer = CountingRenderer(settings.network)
    mailer = SystemEmails(renderer, delivered, Sender(settings.network.from_address), clock)
    camille = Subscriber(email=BOUNCED, name="Camille", id=7)
    links = {"confirm": "https://lettre.example.org/confirm/abc"}
    mailer.rehearse("confirm", camille, links)
    assert renderer.made == 1 and delivered.sent == []  # made, then dropped
    mailer.send("confirm", camille, links)
    [sent] = delivered.sent
    assert renderer.made == 2 and sent.recipient == BOUNCED and b"To: " + BOUNCED.encode() in sent.message


@pytest.fixture
def client(db: Database, clock: FrozenClock, settings: Settings, kit: SubscriberKit) -> Iterator[TestClient]:
    ctx = build_web_context(settings, db, clock, secret_key="s", subscribers=kit)
    with TestClient(create_app(ctx), base_url="https://lettre.example.org") as c:
        yield c


@pytest.mark.usefixtures("suppressed")
def test_the_public_answer_is_byte_identical_for_new_and_suppressed_addresses(client: TestClient, mailer: Any) -> None:
    answers = {}
    for address in (NEW, BOUNCED, COMPLAINED):
        r = client.post("/subscribe", data={"email": address, "name": "Camille", "themes": ["eau"]})
        assert r.status_code == 200
        answers[address] = r.content
    assert answers[BOUNCED] == answers[NEW] and answers[COMPLAINED] == answers[NEW]
    assert [m.email for m in mailer.sent] == [NEW]
    assert [m.email for m in mailer.rehearsed] == [BOUNCED, COMPLAINED]
