"""Counts for the ``/metrics`` endpoint, read at scrape time (nothing is counted by hand)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.tables import CollectionRunRow, DeliveryRow, IssueRow, ItemRow, SourceRow, SubscriberRow


@dataclass
class Snapshot:
    items: dict[str, int] = field(default_factory=dict)  # by status
    sources: int = 0
    sources_failing: int = 0
    collection_runs: dict[str, int] = field(default_factory=dict)  # by outcome
    collection_errors: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)  # by status
    accepted_last_minute: int = 0
    issues: dict[str, int] = field(default_factory=dict)  # by status
    subscribers: dict[str, int] = field(default_factory=dict)  # by status


def snapshot(s: Session, now: datetime) -> Snapshot:
    snap = Snapshot()
    snap.items = {k: int(v) for k, v in s.execute(select(ItemRow.status, func.count()).group_by(ItemRow.status))}
    snap.sources = int(s.scalar(select(func.count()).select_from(SourceRow).where(SourceRow.enabled.is_(True))) or 0)
    snap.sources_failing = int(
        s.scalar(select(func.count()).select_from(SourceRow).where(SourceRow.consecutive_failures > 0)) or 0
    )
    q = select(CollectionRunRow.outcome, func.count()).group_by(CollectionRunRow.outcome)
    snap.collection_runs = {k: int(v) for k, v in s.execute(q)}
    snap.collection_errors = snap.collection_runs.get("error", 0)
    q2 = select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
    snap.deliveries = {k: int(v) for k, v in s.execute(q2)}
    snap.accepted_last_minute = int(
        s.scalar(
            select(func.count())
            .select_from(DeliveryRow)
            .where(DeliveryRow.status == "accepted", DeliveryRow.finished_at >= now - timedelta(minutes=1))
        )
        or 0
    )
    snap.issues = {k: int(v) for k, v in s.execute(select(IssueRow.status, func.count()).group_by(IssueRow.status))}
    q3 = select(SubscriberRow.status, func.count()).group_by(SubscriberRow.status)
    snap.subscribers = {k: int(v) for k, v in s.execute(q3)}
    return snap
