"""Soft bounces count per send, in a row; a suppression staff lift starts the count afresh."""

from __future__ import annotations

from datetime import timedelta

from core.clock import FrozenClock
from core.model import BounceKind, Subscriber, SubscriberStatus
from storage.database import Database
from storage.networks import FIRST_NETWORK
from storage.subscribers import SubscriberRepository
from storage.tables import DeliveryRow, IssueRow
from subscribers.kit import SubscriberKit
from subscribers.staff import StaffTools

MAILBOX_FULL = "4.2.2 — smtp; 452 4.2.2 Mailbox full"


def send(db: Database, clock: FrozenClock, sub: Subscriber, number: int) -> int:
    """One issue sent to ``sub`` now (its ledger row accepted); the clock moves on a day."""
    clock.advance(timedelta(days=1))
    with db.session() as s:
        issue = IssueRow(
            network_id=FIRST_NETWORK, kind="newsletter", number=number, title=f"n°{number}", subject="x", status="sent"
        )
        s.add(issue)
        s.flush()
        row = DeliveryRow(issue_id=issue.id, subscriber_id=sub.id, email=sub.email, segment="all",
                          message_id=f"<m{number}@x>", status="accepted", finished_at=clock.now())  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def status(db: Database, sub: Subscriber) -> tuple[SubscriberStatus, int]:
    with db.session() as s:
        again = SubscriberRepository(s).get(sub.id or 0)
    return again.status, again.soft_bounces


def test_a_lifted_suppression_starts_the_count_afresh(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    with db.session() as s:
        sub = SubscriberRepository(s).save(Subscriber(email="plein@orange.fr", status=SubscriberStatus.CONFIRMED))
    for n in (1, 2, 3):
        kit.bounces.record(sub.id or 0, BounceKind.SOFT, "dsn", MAILBOX_FULL, send(db, clock, sub, n))
    assert status(db, sub) == (SubscriberStatus.BOUNCED, 3)

    clock.advance(timedelta(hours=1))
    StaffTools(db, clock, kit.choices).unsuppress(sub.id or 0, by="equipe@resacoop.example")  # the mailbox is back
    kit.bounces.record(sub.id or 0, BounceKind.SOFT, "dsn", MAILBOX_FULL, send(db, clock, sub, 4))
    assert status(db, sub) == (SubscriberStatus.CONFIRMED, 1)  # one send in a row since, not four


def test_a_report_without_its_send_counts_for_the_latest_one(
    kit: SubscriberKit, db: Database, clock: FrozenClock
) -> None:
    """A DSN that does not carry the original's Message-ID is taken for the subscriber's latest send."""
    with db.session() as s:
        sub = SubscriberRepository(s).save(Subscriber(email="plein@orange.fr", status=SubscriberStatus.CONFIRMED))
    for n in (1, 2, 3):
        send(db, clock, sub, n)
        kit.bounces.record(sub.id or 0, BounceKind.SOFT, "dsn", MAILBOX_FULL)
        kit.bounces.record(sub.id or 0, BounceKind.SOFT, "dsn", MAILBOX_FULL)  # the same send, warned twice
        assert status(db, sub) == (SubscriberStatus.CONFIRMED if n < 3 else SubscriberStatus.BOUNCED, n)
