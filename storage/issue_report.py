"""What one issue's report reads: its ledger by status, the bounces and complaints of its messages, the
unsubscribes by link of the people who received it (with their other deliveries, to attribute each to one issue),
and its clicks per item. Decisions (attribution, rates, thresholds) live in :mod:`figures.issue_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.model import ConsentAction, ConsentOrigin, DeliveryStatus, IssueStatus
from storage.networks import network_of
from storage.tables import BounceRow, ConsentEventRow, DeliveryRow, IssueItemRow, IssueRow, ItemRow


@dataclass(frozen=True, slots=True)
class Sent:
    """One delivery of a subscriber, as the attribution of an unsubscribe needs it."""

    issue_id: int
    subscriber_id: int
    status: str
    queued_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    subscriber_id: int
    at: datetime
    link_issued_at: datetime | None  # when the link followed was made (the email's composition), if logged


@dataclass(frozen=True, slots=True)
class ItemLine:
    item_id: int
    title: str
    section: str
    position: int
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IssueFacts:
    statuses: dict[str, int]
    bounced_hard: int  # distinct messages
    bounced_soft: int
    complaints: int
    unsubscribes: list[Unsubscribe]
    deliveries: list[Sent]  # every delivery of the people who unsubscribed, across issues
    items: list[ItemLine]


def issue_facts(s: Session, issue_id: int) -> IssueFacts:
    statuses = {
        str(st): int(n)
        for st, n in s.execute(
            select(DeliveryRow.status, func.count())
            .where(DeliveryRow.issue_id == issue_id)
            .group_by(DeliveryRow.status)
        )
    }
    of_issue = select(DeliveryRow.id).where(DeliveryRow.issue_id == issue_id)

    def bounced(kind: str) -> set[int]:
        q = select(BounceRow.delivery_id).distinct().where(BounceRow.delivery_id.in_(of_issue), BounceRow.kind == kind)
        return {int(d) for d in s.scalars(q) if d is not None}

    refused = {
        int(d)
        for d in s.scalars(
            select(DeliveryRow.id).where(
                DeliveryRow.issue_id == issue_id, DeliveryRow.status == str(DeliveryStatus.BOUNCED)
            )
        )
    }
    hard = bounced("hard") | refused  # refused at the relay (5xx) or reported later by a DSN: one message once
    soft = bounced("soft") - hard
    complaints = bounced("complaint")

    first = s.scalar(select(func.min(DeliveryRow.queued_at)).where(DeliveryRow.issue_id == issue_id))
    receivers = select(DeliveryRow.subscriber_id).where(
        DeliveryRow.issue_id == issue_id, DeliveryRow.subscriber_id.is_not(None)
    )
    unsubscribes: list[Unsubscribe] = []
    if first is not None:
        q = select(ConsentEventRow.subscriber_id, ConsentEventRow.at, ConsentEventRow.details).where(
            ConsentEventRow.subscriber_id.in_(receivers),
            ConsentEventRow.action == str(ConsentAction.UNSUBSCRIBE),
            ConsentEventRow.origin == str(ConsentOrigin.LINK),
            ConsentEventRow.at >= first,
        )
        for sid, at, details in s.execute(q):
            issued = (details or {}).get("link_issued_at")
            when = datetime.fromisoformat(issued) if isinstance(issued, str) else None
            unsubscribes.append(Unsubscribe(int(sid), at, when))
    deliveries: list[Sent] = []
    people = sorted({u.subscriber_id for u in unsubscribes})
    if people:
        q2 = select(
            DeliveryRow.issue_id, DeliveryRow.subscriber_id, DeliveryRow.status, DeliveryRow.queued_at,
            DeliveryRow.finished_at,
        ).where(DeliveryRow.subscriber_id.in_(people))  # fmt: skip
        deliveries = [Sent(int(i), int(sid or 0), str(st), q_at, f_at) for i, sid, st, q_at, f_at in s.execute(q2)]
    items_q = (
        select(ItemRow.id, ItemRow.title, IssueItemRow.section, IssueItemRow.position, ItemRow.tags)
        .join(IssueItemRow, IssueItemRow.item_id == ItemRow.id)
        .where(IssueItemRow.issue_id == issue_id)
        .order_by(IssueItemRow.position)
    )
    items = [ItemLine(int(i), t, sec, int(p), tuple(tags or ())) for i, t, sec, p, tags in s.execute(items_q)]
    return IssueFacts(statuses, len(hard), len(soft), len(complaints), unsubscribes, deliveries, items)


def issue_header(s: Session, issue_id: int) -> tuple[str, str, datetime | None] | None:
    """(title, status, sent_at) of an issue, or None when there is no such issue."""
    q = select(IssueRow.title, IssueRow.status, IssueRow.sent_at).where(
        IssueRow.network_id == network_of(s), IssueRow.id == issue_id
    )
    row = s.execute(q).first()
    return None if row is None else (row[0], row[1], row[2])


def latest_sent(s: Session, *, other_than: int | None = None) -> int | None:
    """The issue sent last (by the end of its send), other than ``other_than``."""
    q = select(IssueRow.id).where(
        IssueRow.network_id == network_of(s), IssueRow.status == str(IssueStatus.SENT), IssueRow.sent_at.is_not(None)
    )
    if other_than is not None:
        q = q.where(IssueRow.id != other_than)
    found = s.scalar(q.order_by(IssueRow.sent_at.desc(), IssueRow.id.desc()).limit(1))
    return None if found is None else int(found)
