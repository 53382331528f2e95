"""The send loop against real SMTP servers that throttle, refuse, drop and hang."""

from __future__ import annotations

import email
import email.policy

import pytest

from core.clock import FrozenClock
from core.model import DeliveryStatus
from delivery.mailers.smtp import SmtpConfig, SmtpMailer
from delivery.send import SendConfig, send_issue
from storage.database import Database
from storage.deliveries import DeliveryRepository
from tests.delivery.fakes import FakeBounces, add_issue, add_subscribers, context
from tests.delivery.smtp_servers import Handler, smtp_server

PIPELINING: list[bool | None] = [None]


@pytest.fixture(autouse=True, params=[False, True], ids=["lockstep", "pipelined"])
def pipelining(request: pytest.FixtureRequest) -> None:
    """Every scenario runs with MAIL/RCPT/DATA one at a time, and pipelined (RFC 2920)."""
    PIPELINING[0] = request.param


def _mailer(port: int, *, timeout: float = 5.0, connections: int = 3) -> SmtpMailer:
    cfg = SmtpConfig("127.0.0.1", port, timeout=timeout, connections=connections, pipelining=PIPELINING[0])
    return SmtpMailer(cfg)


def _ledger(db: Database, issue: int) -> dict[str, DeliveryStatus]:
    with db.session() as s:
        return {d.email: d.status for d in DeliveryRepository(s).for_issue(issue)}


def test_happy_path_over_smtp(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, [f"m{i}@asso.fr" for i in range(30)])
    issue = add_issue(db)
    handler = Handler()
    with smtp_server(handler) as port:
        mailer = _mailer(port)
        report = send_issue(context(db, mailer, clock), issue)
        mailer.close()
    assert report.outcome == "sent"
    assert sorted(r.recipient for r in handler.received) == sorted(f"m{i}@asso.fr" for i in range(30))
    with db.session() as s:
        ledger = DeliveryRepository(s).for_issue(issue)
    assert {r.message_id for r in handler.received} == {d.message_id for d in ledger}
    assert all(d.smtp_reply == "250 2.0.0 Ok: queued as test" for d in ledger)
    msg = email.message_from_bytes(handler.received[0].data, policy=email.policy.default)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"


def test_421_and_451_for_a_share_of_messages_are_retried(db: Database, clock: FrozenClock) -> None:
    emails = [f"m{i}@orange.fr" for i in range(20)]
    add_subscribers(db, emails)
    issue = add_issue(db)

    def on_data(rcpt: str, n: int) -> str | None:
        i = int(rcpt[1:].split("@")[0])
        if n == 1 and i % 3 == 0:
            return "451 4.7.1 Greylisted, come back later"
        if n == 1 and i % 3 == 1 and i % 2 == 0:
            return "421 4.7.0 Too many messages, closing connection"
        return None

    handler = Handler(on_data=on_data)
    with smtp_server(handler) as port:
        mailer = _mailer(port)
        report = send_issue(context(db, mailer, clock), issue)
        mailer.close()
    assert report.outcome == "sent"
    assert sorted(r.recipient for r in handler.received) == sorted(emails)  # each once
    assert set(_ledger(db, issue).values()) == {DeliveryStatus.ACCEPTED}
    assert handler.attempts["m0@orange.fr"] == 2 and handler.attempts["m2@orange.fr"] == 1


def test_a_connection_dropped_mid_data_is_retried(db: Database, clock: FrozenClock) -> None:
    emails = [f"m{i}@asso.fr" for i in range(12)]
    add_subscribers(db, emails)
    issue = add_issue(db)
    handler = Handler(on_data=lambda rcpt, n: "drop" if n == 1 and rcpt[1] in "159" else None)
    with smtp_server(handler) as port:
        mailer = _mailer(port)
        report = send_issue(context(db, mailer, clock), issue)
        mailer.close()
    assert report.outcome == "sent"
    assert sorted(r.recipient for r in handler.received) == sorted(emails)
    with db.session() as s:
        attempts = {d.email: d.attempts for d in DeliveryRepository(s).for_issue(issue)}
    assert attempts["m1@asso.fr"] == 2 and attempts["m2@asso.fr"] == 1


def test_550_bounces_those_recipients_only(db: Database, clock: FrozenClock) -> None:
    emails = [f"m{i}@asso.fr" for i in range(25)]
    add_subscribers(db, emails)
    issue = add_issue(db)
    handler = Handler(on_rcpt=lambda r: "550 5.1.1 No such user" if r in ("m3@asso.fr", "m17@asso.fr") else None)
    bounces = FakeBounces()
    with smtp_server(handler) as port:
        mailer = _mailer(port)
        report = send_issue(context(db, mailer, clock, bounces=bounces), issue)
        mailer.close()
    assert report.outcome == "sent"
    ledger = _ledger(db, issue)
    assert [e for e, st in ledger.items() if st is DeliveryStatus.BOUNCED] == ["m3@asso.fr", "m17@asso.fr"]
    assert len(handler.received) == 23
    assert sorted(b[3] for b in bounces.seen) == ["550 5.1.1 No such user"] * 2
    assert all(b[2] == "smtp" for b in bounces.seen)


def test_a_server_that_hangs_times_out_and_ends_failed(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr", "b@asso.fr", "c@asso.fr"])
    issue = add_issue(db)
    handler = Handler(on_data=lambda rcpt, n: "hang")
    with smtp_server(handler) as port:
        mailer = _mailer(port, timeout=0.3, connections=3)
        cfg = SendConfig(max_attempts=2, error_min_sample=100)
        report = send_issue(context(db, mailer, clock, config=cfg), issue)
        mailer.close()
    assert report.outcome == "sent"  # nothing left to try: every row has its final state
    assert set(_ledger(db, issue).values()) == {DeliveryStatus.FAILED}
    with db.session() as s:
        replies = [d.smtp_reply or "" for d in DeliveryRepository(s).for_issue(issue)]
    assert all("timed out" in r for r in replies)


def test_two_sender_processes_share_the_queue(db: Database, clock: FrozenClock) -> None:
    emails = [f"m{i}@asso.fr" for i in range(120)]
    add_subscribers(db, emails)
    issue = add_issue(db)
    handler = Handler()
    with smtp_server(handler) as port:
        mailer = _mailer(port, connections=2)
        seen: list[int] = []
        report = send_issue(
            context(db, mailer, clock, config=SendConfig(processes=2)),
            issue,
            progress=lambda c: seen.append(c[DeliveryStatus.ACCEPTED]),
        )
        mailer.close()
    assert report.outcome == "sent"
    assert sorted(r.recipient for r in handler.received) == sorted(emails)  # each exactly once
    assert set(_ledger(db, issue).values()) == {DeliveryStatus.ACCEPTED}
    assert seen and seen[-1] == 120
