"""Staff pause, resume and cancel; a closed sending window waits; test copies leave the ledger alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import DeliveryStatus, IssueStatus, Stream
from delivery import control
from delivery.mailers.memory import MemoryMailer
from delivery.proof import send_test
from delivery.send import SendConfig, audience, send_issue
from delivery.window import parse_window
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from tests.delivery.fakes import FakeSegmenter, add_issue, add_subscribers, context


def test_cancel_skips_what_was_not_sent(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, [f"m{i}@asso.fr" for i in range(10)])
    issue = add_issue(db)
    mailer = MemoryMailer()

    def answer(rcpt: str):  # type: ignore[no-untyped-def]
        if rcpt == "m2@asso.fr":
            control.cancel(db, issue, clock.now())
        from delivery.mailers.base import SendResult

        return SendResult.from_code(250, "ok")

    mailer.answer = answer
    report = send_issue(context(db, mailer, clock, config=SendConfig(batch_size=1)), issue)
    assert report.outcome == "cancelled"
    assert report.counts[DeliveryStatus.SKIPPED] >= 5
    assert report.counts[DeliveryStatus.QUEUED] == 0
    with pytest.raises(InvalidInput, match="cannot become"):
        control.resume(db, issue)


def test_a_closed_window_sends_nothing_until_it_opens(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr"])
    issue = add_issue(db)
    clock.set(datetime(2026, 11, 7, 10, 0, tzinfo=UTC))  # a Saturday
    cfg = SendConfig(window=parse_window("mon-fri 08:00-18:00", "Europe/Paris"))
    mailer = MemoryMailer()
    assert send_issue(context(db, mailer, clock, config=cfg), issue).outcome == "outside_window"
    assert mailer.sent == []
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=UTC))  # Monday 10:00 in Paris
    assert send_issue(context(db, mailer, clock, config=cfg), issue).outcome == "sent"
    assert len(mailer.sent) == 1


def test_schedule_then_pause_and_resume(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr"])
    issue = add_issue(db)
    control.schedule(db, issue, clock.now() + timedelta(hours=1))
    with db.session() as s:
        assert IssueRepository(s).get(issue).status is IssueStatus.SCHEDULED
    with pytest.raises(InvalidInput, match="cannot become paused"):
        control.pause(db, issue)
    report = send_issue(context(db, MemoryMailer(), clock, config=SendConfig(wait_for_retries=False)), issue)
    assert report.outcome == "sent"


def test_audience_and_test_copies_leave_the_ledger_alone(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, [f"m{i}@asso.fr" for i in range(5)])
    issue = add_issue(db)
    ctx = context(db, MemoryMailer(), clock, segmenter=FakeSegmenter())
    assert audience(ctx, issue) == {"a": 2, "b": 3}
    results = send_test(ctx, issue, ["editrice@resacoop.example"], Stream.NEWSLETTER)
    # one copy per address, of the largest segment (the address is no subscriber); the fake names no segment
    assert [(c.address, c.segment, c.result.code) for c in results] == [("editrice@resacoop.example", "b", 250)]
    sent = ctx.mailer.sent  # type: ignore[attr-defined]
    assert len(sent) == 1 and all(b"Subject: [Test]" in m.message for m in sent)
    with db.session() as s:
        assert DeliveryRepository(s).for_issue(issue) == []
        assert IssueRepository(s).get(issue).status is IssueStatus.DRAFT
    with pytest.raises(InvalidInput, match="no segment 'z'"):
        send_test(ctx, issue, ["x@y.fr"], Stream.NEWSLETTER, segment="z")
