"""Two send loops on one issue at once (the admin's background sender and the scheduler's job): the ledger's
conditional claim gives each row to one loop, so every recipient gets exactly one message."""

from __future__ import annotations

import threading
import time
from collections import Counter

from core.clock import FrozenClock
from core.model import DeliveryStatus, IssueStatus
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from delivery.send import SendConfig, SendReport, _start, send_issue
from storage.database import Database
from storage.deliveries import DeliveryRepository
from tests.delivery.fakes import add_issue, add_subscribers, context


def slow_accept(_recipient: str) -> SendResult:
    time.sleep(0.001)  # leaves room for the other loop to read the same queued rows
    return SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok")


def test_two_loops_on_one_issue_never_send_a_row_twice(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, [f"membre{i}@asso.fr" for i in range(120)])
    issue_id = add_issue(db)
    mailer = MemoryMailer(answer=slow_accept, concurrency=4)
    ctx = context(db, mailer, clock, config=SendConfig(batch_size=10))
    _start(ctx, issue_id)  # recipients frozen, issue sending: what both loops then find
    reports: list[SendReport] = []
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            reports.append(send_issue(context(db, mailer, clock, config=SendConfig(batch_size=10)), issue_id))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(r.outcome for r in reports) in (["sending_elsewhere", "sent"], ["sent", "sent"])
    per_recipient = Counter(m.recipient for m in mailer.sent)
    assert len(per_recipient) == 120 and set(per_recipient.values()) == {1}
    with db.session() as s:
        repo = DeliveryRepository(s)
        assert repo.counts(issue_id)[DeliveryStatus.ACCEPTED] == 120
        assert repo.issue_status(issue_id) is IssueStatus.SENT


def test_a_loop_never_takes_another_loops_rows_in_flight_for_crash_leftovers(db: Database, clock: FrozenClock) -> None:
    from storage.locks import issue_send_lock

    add_subscribers(db, [f"membre{i}@asso.fr" for i in range(5)])
    issue_id = add_issue(db)
    mailer = MemoryMailer(concurrency=1)
    ctx = context(db, mailer, clock)
    _start(ctx, issue_id)
    with db.session() as s:  # the holder has claimed two rows and is sending them
        repo = DeliveryRepository(s)
        ids = [e.delivery.id for e in repo.ledger(issue_id)][:2]
        assert repo.claim([i for i in ids if i is not None], clock.now())
    with issue_send_lock(db, issue_id) as held:
        assert held
        report = send_issue(context(db, mailer, clock), issue_id)
    assert report.outcome == "sending_elsewhere" and mailer.sent == []
    with db.session() as s:
        assert DeliveryRepository(s).counts(issue_id)[DeliveryStatus.SENDING] == 2  # not requeued
    # once the holder is gone (a crash), the next loop takes them back and finishes the issue
    final = send_issue(context(db, mailer, clock), issue_id)
    assert final.outcome == "sent" and final.requeued == 2
    assert sorted(m.recipient for m in mailer.sent) == sorted(f"membre{i}@asso.fr" for i in range(5))
