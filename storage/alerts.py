"""Alert editions: finding a day's edition, and when each subscriber last got an alert (from the ledger)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.model import DeliveryStatus, IssueKind
from storage.networks import network_of
from storage.tables import DeliveryRow, IssueRow

# A row in these states is an alert the subscriber got, or will get when the send resumes: the next edition starts
# after it. Skipped rows (unsubscribed meanwhile) and failed ones (never delivered) do not count.
_RECEIVED = [str(s) for s in DeliveryStatus if s not in (DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)]


class AlertRepository:
    """One network's alert editions."""

    def __init__(self, session: Session, network_id: int | None = None) -> None:
        self.s = session
        self.network = network_of(session) if network_id is None else network_id

    def edition_of(self, day: str) -> int | None:
        """The id of the alert edition of ``day`` (ISO date, the network's time zone), if it was built."""
        q = select(IssueRow.id, IssueRow.audience).where(
            IssueRow.network_id == self.network, IssueRow.kind == str(IssueKind.ALERT)
        )
        for issue_id, audience in self.s.execute(q.order_by(IssueRow.id.desc())):
            if (audience or {}).get("day") == day:
                return int(issue_id)
        return None

    def last_received(self, before_issue_id: int | None = None) -> dict[int, datetime]:
        """Per subscriber, when the latest alert edition (older than ``before_issue_id`` if given) that they are
        in the ledger of was built: their next alert holds what was approved after that."""
        q = (
            select(DeliveryRow.subscriber_id, func.max(IssueRow.created_at))
            .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
            .where(
                IssueRow.network_id == self.network,
                IssueRow.kind == str(IssueKind.ALERT),
                DeliveryRow.status.in_(_RECEIVED),
                DeliveryRow.subscriber_id.is_not(None),
            )
            .group_by(DeliveryRow.subscriber_id)
        )
        if before_issue_id is not None:
            q = q.where(IssueRow.id < before_issue_id)
        return {sid: when for sid, when in self.s.execute(q) if sid is not None and when is not None}
