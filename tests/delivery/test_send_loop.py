"""The send loop over the ledger, with an in-memory mailer: who gets what, and what the ledger says."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import DeliveryStatus, IssueKind, IssueStatus, Preferences, Stream, SubscriberStatus
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from delivery.send import SendConfig, SendOutcome, send_issue
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from storage.networks import FIRST_NETWORK
from storage.subscribers import SubscriberRepository, email_hash
from storage.tables import SuppressionRow
from tests.delivery.fakes import NEWSLETTER_ONLY, FakeBounces, FakeSegmenter, add_issue, add_subscribers, context


def test_an_issue_reaches_every_eligible_subscriber_once(db: Database, clock: FrozenClock) -> None:
    subs = add_subscribers(db, [f"membre{i}@asso{i}.fr" for i in range(10)])
    add_subscribers(db, ["emailings-seulement@asso.fr"], preferences=Preferences(streams=[Stream.EMAILING]))
    with db.session() as s:
        pending = SubscriberRepository(s).save(
            SubscriberRepository(s).get(subs[0].id or 0)
        )  # still confirmed; another one is not:
        from core.model import Subscriber

        SubscriberRepository(s).save(Subscriber(email="pas-confirme@asso.fr"))
        s.add(
            SuppressionRow(
                network_id=FIRST_NETWORK,
                email_hash=email_hash("membre3@asso3.fr"),
                reason="hard_bounce",
                at=clock.now(),
            )
        )
    assert pending.status is SubscriberStatus.CONFIRMED
    issue = add_issue(db)
    mailer = MemoryMailer()
    segmenter = FakeSegmenter(none_for={subs[5].id or 0})

    report = send_issue(context(db, mailer, clock, segmenter=segmenter), issue)

    assert report.outcome == "sent"
    assert sorted(m.recipient for m in mailer.sent) == sorted(
        f"membre{i}@asso{i}.fr" for i in range(10) if i not in (3, 5)
    )
    with db.session() as s:
        ledger = DeliveryRepository(s).for_issue(issue)
        assert IssueRepository(s).get(issue).status is IssueStatus.SENT
    assert {d.status for d in ledger} == {DeliveryStatus.ACCEPTED}
    assert all(d.attempts == 1 and d.smtp_code == 250 and d.finished_at == clock.now() for d in ledger)
    msg = email.message_from_bytes(mailer.sent[0].message, policy=email.policy.default)
    d0 = next(d for d in ledger if d.email == mailer.sent[0].recipient)
    assert msg["Message-ID"] == d0.message_id
    assert msg["To"] == d0.email
    assert f"/d/{d0.subscriber_id}/newsletter" in msg["List-Unsubscribe"]
    assert d0.email in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_the_message_id_is_the_same_when_sent_again(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr"])
    first, second = add_issue(db), add_issue(db, number=2)
    send_issue(context(db, MemoryMailer(), clock), first)
    send_issue(context(db, MemoryMailer(), clock), second)
    with db.session() as s:
        a = DeliveryRepository(s).for_issue(first)[0].message_id
        b = DeliveryRepository(s).for_issue(second)[0].message_id
    assert a.startswith(f"<relais.{first}.") and a.endswith("@resacoop.example>")
    assert a != b


def test_who_unsubscribes_after_the_freeze_is_skipped(db: Database, clock: FrozenClock) -> None:
    subs = add_subscribers(db, ["reste@asso.fr", "part@asso.fr"])
    issue = add_issue(db)
    later = SendResult(Verdict.TEMPORARY, 451, "4.7.1 Try again later")
    first = context(db, MemoryMailer(answer=lambda _r: later), clock, config=SendConfig(wait_for_retries=False))
    assert send_issue(first, issue).outcome == SendOutcome.WAITING_RETRY  # the ledger is frozen, nothing went
    with db.session() as s:  # now someone leaves before their message goes
        repo = SubscriberRepository(s)
        sub = repo.get(subs[1].id or 0)
        sub.status = SubscriberStatus.UNSUBSCRIBED
        repo.save(sub)
    clock.advance(timedelta(hours=2))
    mailer = MemoryMailer()
    send_issue(context(db, mailer, clock), issue)
    with db.session() as s:
        by_email = {d.email: d for d in DeliveryRepository(s).for_issue(issue)}
    assert by_email["reste@asso.fr"].status is DeliveryStatus.ACCEPTED
    assert by_email["part@asso.fr"].status is DeliveryStatus.SKIPPED
    assert [m.recipient for m in mailer.sent] == ["reste@asso.fr"]


def test_4xx_is_retried_with_backoff_and_5xx_bounces_once(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["lent@orange.fr", "inconnu@free.fr", "ok@asso.fr"])
    issue = add_issue(db)
    tries: dict[str, int] = {}

    def answer(rcpt: str) -> SendResult:
        tries[rcpt] = tries.get(rcpt, 0) + 1
        if rcpt.startswith("lent") and tries[rcpt] < 3:
            return SendResult.from_code(451, "4.7.1 greylisted, try later")
        if rcpt.startswith("inconnu"):
            return SendResult.from_code(550, "5.1.1 user unknown")
        return SendResult.from_code(250, "2.0.0 queued")

    bounces = FakeBounces()
    start = clock.now()
    cfg = SendConfig(error_min_sample=100)
    report = send_issue(context(db, MemoryMailer(answer=answer), clock, bounces=bounces, config=cfg), issue)

    assert report.outcome == "sent"
    assert tries == {"lent@orange.fr": 3, "inconnu@free.fr": 1, "ok@asso.fr": 1}
    assert clock.now() - start >= timedelta(minutes=15)  # 5 then 10 minutes of backoff
    with db.session() as s:
        by_email = {d.email: d for d in DeliveryRepository(s).for_issue(issue)}
    assert by_email["lent@orange.fr"].status is DeliveryStatus.ACCEPTED and by_email["lent@orange.fr"].attempts == 3
    bounced = by_email["inconnu@free.fr"]
    assert bounced.status is DeliveryStatus.BOUNCED and bounced.smtp_code == 550
    assert bounces.seen == [(bounced.subscriber_id, "hard", "smtp", "550 5.1.1 user unknown", bounced.id)]


def test_a_message_that_keeps_being_deferred_ends_failed(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["plein@asso.fr"])
    issue = add_issue(db)
    mailer = MemoryMailer(answer=lambda r: SendResult.from_code(452, "4.2.2 mailbox full"))
    send_issue(context(db, mailer, clock, config=SendConfig(max_attempts=3)), issue)
    with db.session() as s:
        (d,) = DeliveryRepository(s).for_issue(issue)
    assert d.status is DeliveryStatus.FAILED and d.attempts == 3
    assert d.smtp_reply is not None and "gave up after 3" in d.smtp_reply


def test_too_many_errors_pause_the_issue_and_resume_finishes_it(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, [f"x{i}@asso.fr" for i in range(40)])
    issue = add_issue(db)
    broken = {"on": True}

    def answer(rcpt: str) -> SendResult:
        return SendResult.from_code(554, "5.7.1 rejected") if broken["on"] else SendResult.from_code(250, "ok")

    cfg = SendConfig(error_min_sample=5, batch_size=5)
    report = send_issue(context(db, MemoryMailer(answer=answer), clock, config=cfg), issue)
    assert report.outcome == "paused"
    assert 5 <= report.counts[DeliveryStatus.BOUNCED] < 40
    assert report.counts[DeliveryStatus.QUEUED] > 0

    from delivery.control import resume

    broken["on"] = False
    resume(db, issue)
    report = send_issue(context(db, MemoryMailer(answer=answer), clock, config=cfg), issue)
    assert report.outcome == "sent"
    assert report.counts[DeliveryStatus.QUEUED] == 0


def test_an_issue_already_sent_is_refused(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr"])
    issue = add_issue(db)
    send_issue(context(db, MemoryMailer(), clock), issue)
    with pytest.raises(InvalidInput, match="is sent"):
        send_issue(context(db, MemoryMailer(), clock), issue)


def test_too_late_means_not_sent_at_all(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr"])
    issue = add_issue(db, kind=IssueKind.EMAILING, not_after=clock.now() - timedelta(minutes=1))
    mailer = MemoryMailer()
    report = send_issue(context(db, mailer, clock), issue)
    assert report.outcome == "too_late" and mailer.sent == []
    with db.session() as s:
        assert IssueRepository(s).get(issue).status is IssueStatus.CANCELLED
        assert DeliveryRepository(s).for_issue(issue) == []


def test_emailings_go_only_to_who_wants_emailings(db: Database, clock: FrozenClock) -> None:
    add_subscribers(db, ["lettre@asso.fr"], preferences=NEWSLETTER_ONLY)
    add_subscribers(db, ["tout@asso.fr"])
    issue = add_issue(db, kind=IssueKind.EMAILING)
    mailer = MemoryMailer()
    send_issue(context(db, mailer, clock), issue)
    assert [m.recipient for m in mailer.sent] == ["tout@asso.fr"]


def test_each_claimed_batch_is_prepared_for_its_links_before_it_is_sent(db: Database, clock: FrozenClock) -> None:
    subs = add_subscribers(db, [f"m{i}@asso.fr" for i in range(7)])
    issue = add_issue(db)
    ctx = context(db, MemoryMailer(), clock, config=SendConfig(batch_size=3))
    send_issue(ctx, issue)
    prepared = ctx.links.prepared  # type: ignore[attr-defined]
    assert [len(batch) for batch in prepared] == [3, 3, 1]
    assert sorted(i for batch in prepared for i in batch) == sorted(s.id for s in subs)
