"""Subscribers, their consent log, bounces and the suppression list.

Preferences live as JSON in ``subscribers.preferences``; ``segment_terms`` flattens them into one text column
(`` kind:job theme:* stream:newsletter ``) so that a segment count is one scan with LIKE clauses on either
engine, without JSON operators that differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.model import (
    BounceKind,
    ConsentAction,
    ConsentOrigin,
    OrganisationType,
    Preferences,
    Subscriber,
    SubscriberStatus,
)
from storage.tables import BounceRow, ConsentEventRow, SubscriberRow, SuppressionRow

_PLAIN = [
    "email", "name", "locale", "created_at", "confirmed_at", "unsubscribed_at", "legal_basis", "soft_bounces",
]  # fmt: skip

# The preference families a segment can filter on, with their prefix in ``segment_terms``.
FAMILIES = {"kinds": "kind", "themes": "theme", "zones": "zone", "territories": "territory"}


def email_hash(email: str) -> str:
    """The hash kept in suppressions and consent logs after erasure."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def segment_terms(prefs: Preferences) -> str:
    """The flat form of ``prefs`` stored for segment counts; an empty family is written ``family:*``."""
    data = prefs.to_json()
    terms: list[str] = []
    for family, prefix in FAMILIES.items():
        values = data[family] or ["*"]
        terms += [f"{prefix}:{v}" for v in values]
    terms += [f"stream:{s}" for s in data["streams"]]
    return " " + " ".join(terms) + " "


def to_subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        status=SubscriberStatus(row.status),
        organisation_type=OrganisationType(row.organisation_type) if row.organisation_type else None,
        preferences=Preferences.from_json(row.preferences),
        **{f: getattr(row, f) for f in _PLAIN},
    )


def to_row_values(sub: Subscriber) -> dict[str, Any]:
    """Column values of a new row, for bulk inserts."""
    values: dict[str, Any] = {f: getattr(sub, f) for f in _PLAIN}
    values.update(
        status=str(sub.status),
        organisation_type=str(sub.organisation_type) if sub.organisation_type else None,
        preferences=sub.preferences.to_json(),
        segment_terms=segment_terms(sub.preferences),
        token_version=0,
    )
    return values


class SubscriberRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- subscribers ------------------------------------------------------------------------------------------
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
        row.segment_terms = segment_terms(sub.preferences)
        self.s.flush()
        sub.id = row.id
        return sub

    def delete(self, subscriber_id: int) -> None:
        self.s.execute(delete(SubscriberRow).where(SubscriberRow.id == subscriber_id))

    def token_version(self, subscriber_id: int) -> int | None:
        """The version every link of this subscriber carries; None if the subscriber is gone."""
        return self.s.scalar(select(SubscriberRow.token_version).where(SubscriberRow.id == subscriber_id))

    def token_versions(self, ids: Sequence[int]) -> dict[int, int]:
        q = select(SubscriberRow.id, SubscriberRow.token_version).where(SubscriberRow.id.in_(list(ids)))
        return dict(self.s.execute(q))

    def bump_token_version(self, subscriber_id: int) -> None:
        """Void every link sent so far."""
        self.s.execute(
            update(SubscriberRow)
            .where(SubscriberRow.id == subscriber_id)
            .values(token_version=SubscriberRow.token_version + 1)
        )

    def existing_emails(self) -> set[str]:
        return set(self.s.scalars(select(SubscriberRow.email)))

    def insert_many(self, subs: Sequence[Subscriber]) -> dict[str, int]:
        """Insert new subscribers with one executemany; returns email -> id.

        No RETURNING: with executemany SQLAlchemy splices returned rows at a cost that grows with the batch,
        so the ids are read back by address afterwards.
        """
        if not subs:
            return {}
        table = cast(Table, SubscriberRow.__table__)
        self.s.execute(insert(table), [to_row_values(s) for s in subs])
        emails = [s.email for s in subs]
        ids: dict[str, int] = {}
        for start in range(0, len(emails), 1000):
            q = select(SubscriberRow.email, SubscriberRow.id).where(
                SubscriberRow.email.in_(emails[start : start + 1000])
            )
            for email, sid in self.s.execute(q):
                ids[email] = sid
        return ids

    def pending_created_before(self, cutoff: datetime) -> list[Subscriber]:
        q = select(SubscriberRow).where(
            SubscriberRow.status == str(SubscriberStatus.PENDING), SubscriberRow.created_at < cutoff
        )
        return [to_subscriber(r) for r in self.s.scalars(q)]

    # -- segments ---------------------------------------------------------------------------------------------
    def count_segment(self, audience: dict[str, Sequence[str]], stream: str | None) -> int:
        """Confirmed subscribers reached by ``audience`` (family -> values; empty: no filter) on ``stream``.

        A subscriber is reached in a family when they chose nothing there ("everything") or any of the values.
        """
        conds: list[ColumnElement[bool]] = [SubscriberRow.status == str(SubscriberStatus.CONFIRMED)]
        col = SubscriberRow.segment_terms
        for family, prefix in FAMILIES.items():
            values = [str(v) for v in audience.get(family, [])]
            if values:
                conds.append(or_(*[col.contains(f" {prefix}:{v} ", autoescape=True) for v in ["*", *values]]))
        if stream:
            conds.append(col.contains(f" stream:{stream} ", autoescape=True))
        return int(self.s.scalar(select(func.count()).select_from(SubscriberRow).where(and_(*conds))) or 0)

    # -- consent log ------------------------------------------------------------------------------------------
    def log(
        self,
        sub: Subscriber,
        action: ConsentAction,
        origin: ConsentOrigin,
        at: datetime,
        *,
        ip: str | None = None,
        wording_version: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.s.add(
            ConsentEventRow(
                subscriber_id=sub.id,
                email_hash=email_hash(sub.email),
                at=at,
                action=str(action),
                origin=str(origin),
                ip=ip,
                wording_version=wording_version,
                details=details or {},
            )
        )

    def log_many(self, events: Iterable[dict[str, Any]]) -> None:
        rows = list(events)
        if rows:
            self.s.execute(insert(cast(Table, ConsentEventRow.__table__)), rows)

    def consent_events(self, subscriber_id: int) -> list[dict[str, Any]]:
        q = (
            select(ConsentEventRow)
            .where(ConsentEventRow.subscriber_id == subscriber_id)
            .order_by(ConsentEventRow.at, ConsentEventRow.id)
        )
        return [
            {
                "at": r.at,
                "action": r.action,
                "origin": r.origin,
                "ip": r.ip,
                "wording_version": r.wording_version,
                "details": r.details,
            }
            for r in self.s.scalars(q)
        ]

    def consent_events_by_hash(self, hashed: str) -> list[str]:
        q = select(ConsentEventRow.action).where(ConsentEventRow.email_hash == hashed).order_by(ConsentEventRow.id)
        return list(self.s.scalars(q))

    # -- suppressions -----------------------------------------------------------------------------------------
    def is_suppressed(self, email: str) -> bool:
        return self.suppression_reason(email) is not None

    def suppression_reason(self, email: str) -> str | None:
        q = select(SuppressionRow.reason).where(SuppressionRow.email_hash == email_hash(email))
        return self.s.scalar(q)

    def suppressed_hashes(self) -> set[str]:
        return set(self.s.scalars(select(SuppressionRow.email_hash)))

    def suppress(self, email: str, reason: str, at: datetime) -> None:
        hashed = email_hash(email)
        row = self.s.scalar(select(SuppressionRow).where(SuppressionRow.email_hash == hashed))
        if row is None:
            self.s.add(SuppressionRow(email_hash=hashed, reason=reason, at=at))
        else:
            row.reason, row.at = reason, at
        self.s.flush()

    def lift_suppression(self, email: str) -> None:
        self.s.execute(delete(SuppressionRow).where(SuppressionRow.email_hash == email_hash(email)))

    # -- bounces ----------------------------------------------------------------------------------------------
    def add_bounce(
        self,
        subscriber_id: int | None,
        kind: BounceKind,
        origin: str,
        detail: str,
        at: datetime,
        delivery_id: int | None = None,
    ) -> None:
        self.s.add(
            BounceRow(
                subscriber_id=subscriber_id,
                delivery_id=delivery_id,
                at=at,
                kind=str(kind),
                origin=origin,
                detail=detail[:2000],
            )
        )
        self.s.flush()

    def bounces(self, subscriber_id: int) -> list[dict[str, Any]]:
        q = select(BounceRow).where(BounceRow.subscriber_id == subscriber_id).order_by(BounceRow.id)
        return [{"at": r.at, "kind": r.kind, "origin": r.origin, "detail": r.detail} for r in self.s.scalars(q)]
