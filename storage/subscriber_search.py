"""The staff's view of subscribers: a paginated search, and what the ledger and the suppression list say of one.

Search matches a fragment of the address or the name (case-insensitive), filtered by status and organisation
type, newest first. Addresses are stored lower-case, so the address side needs no ``lower()`` and a fragment
that is a whole address or its start can use the unique index; a fragment in the middle scans, which over
100,000 rows stays in the tens of milliseconds on SQLite and PostgreSQL (see ``bench/staff.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from core.model import Subscriber
from storage.subscribers import email_hash, to_subscriber
from storage.tables import DeliveryRow, SubscriberRow, SuppressionRow


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    status: str | None = None
    organisation_type: str | None = None
    page: int = 1  # from 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class SearchPage:
    subscribers: list[Subscriber]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _escape_like(fragment: str) -> str:
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(q: SearchQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    text = q.text.strip().lower()
    if text:
        pattern = f"%{_escape_like(text)}%"
        conds.append(
            or_(
                SubscriberRow.email.like(pattern, escape="\\"),
                func.lower(SubscriberRow.name).like(pattern, escape="\\"),
            )
        )
    if q.status:
        conds.append(SubscriberRow.status == q.status)
    if q.organisation_type:
        conds.append(SubscriberRow.organisation_type == q.organisation_type)
    return conds


def search(session: Session, q: SearchQuery) -> SearchPage:
    """One page of matching subscribers and how many match in all."""
    conds = _conditions(q)
    total = int(session.scalar(select(func.count()).select_from(SubscriberRow).where(*conds)) or 0)
    page = max(1, q.page)
    query: Select[SubscriberRow] = (
        select(SubscriberRow)
        .where(*conds)
        .order_by(SubscriberRow.id.desc())
        .limit(q.per_page)
        .offset((page - 1) * q.per_page)
    )
    return SearchPage([to_subscriber(r) for r in session.scalars(query)], total, page, q.per_page)


def deliveries_by_status(session: Session, subscriber_id: int) -> dict[str, int]:
    """Ledger rows of this subscriber, per delivery status."""
    q = (
        select(DeliveryRow.status, func.count())
        .where(DeliveryRow.subscriber_id == subscriber_id)
        .group_by(DeliveryRow.status)
    )
    return {str(status): int(n) for status, n in session.execute(q)}


def suppression(session: Session, email: str) -> tuple[str, datetime] | None:
    """(reason, since) when the address is on the suppression list."""
    row = session.execute(
        select(SuppressionRow.reason, SuppressionRow.at).where(SuppressionRow.email_hash == email_hash(email))
    ).first()
    return (row[0], row[1]) if row else None
