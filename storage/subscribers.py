"""Subscribers, their consent log and the suppression list."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.model import OrganisationType, Preferences, Subscriber, SubscriberStatus
from storage.tables import SubscriberRow, SuppressionRow

_PLAIN = [
    "email", "name", "locale", "created_at", "confirmed_at", "unsubscribed_at", "legal_basis", "soft_bounces",
]  # fmt: skip


def email_hash(email: str) -> str:
    """The hash kept in suppressions and consent logs after erasure."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def to_subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        status=SubscriberStatus(row.status),
        organisation_type=OrganisationType(row.organisation_type) if row.organisation_type else None,
        preferences=Preferences.from_json(row.preferences),
        **{f: getattr(row, f) for f in _PLAIN},
    )


class SubscriberRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, subscriber_id: int) -> Subscriber:
        row = self.s.get(SubscriberRow, subscriber_id)
        if row is None:
            raise NotFound(f"subscriber {subscriber_id} not found")
        return to_subscriber(row)

    def by_email(self, email: str) -> Subscriber | None:
        row = self.s.scalar(select(SubscriberRow).where(SubscriberRow.email == email))
        return to_subscriber(row) if row else None

    def find(self, *, status: SubscriberStatus | None = None) -> list[Subscriber]:
        q = select(SubscriberRow).order_by(SubscriberRow.id)
        if status is not None:
            q = q.where(SubscriberRow.status == str(status))
        return [to_subscriber(r) for r in self.s.scalars(q)]

    def save(self, sub: Subscriber) -> Subscriber:
        row = self.s.get(SubscriberRow, sub.id) if sub.id else None
        if row is None:
            row = SubscriberRow(token_version=0)
            self.s.add(row)
        for f in _PLAIN:
            setattr(row, f, getattr(sub, f))
        row.status = str(sub.status)
        row.organisation_type = str(sub.organisation_type) if sub.organisation_type else None
        row.preferences = sub.preferences.to_json()
        self.s.flush()
        sub.id = row.id
        return sub

    def is_suppressed(self, email: str) -> bool:
        q = select(SuppressionRow.id).where(SuppressionRow.email_hash == email_hash(email))
        return self.s.scalar(q) is not None
