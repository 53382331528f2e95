"""The delivery ledger: one row per (issue, subscriber)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.model import Delivery, DeliveryStatus
from storage.tables import DeliveryRow

_PLAIN = [
    "issue_id", "subscriber_id", "email", "segment", "message_id", "attempts", "smtp_code", "smtp_reply",
    "queued_at", "sending_at", "finished_at", "next_attempt_at",
]  # fmt: skip


def to_delivery(row: DeliveryRow) -> Delivery:
    return Delivery(id=row.id, status=DeliveryStatus(row.status), **{f: getattr(row, f) for f in _PLAIN})


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def for_issue(self, issue_id: int) -> list[Delivery]:
        q = select(DeliveryRow).where(DeliveryRow.issue_id == issue_id).order_by(DeliveryRow.id)
        return [to_delivery(r) for r in self.s.scalars(q)]
