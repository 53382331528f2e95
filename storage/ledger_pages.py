"""The ledger as the staff read it: counts per issue for the list, and one page of rows at a time."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.model import Delivery, DeliveryStatus
from storage.deliveries import to_delivery
from storage.networks import network_of
from storage.tables import DeliveryRow, IssueRow


def _issues_of(session: Session) -> Select[int]:
    """The ids of the session's network's issues: a ledger is read through its issue's network."""
    return select(IssueRow.id).where(IssueRow.network_id == network_of(session))


def counts_by_issue(session: Session) -> dict[int, dict[DeliveryStatus, int]]:
    """Every issue's ledger counts by status, in one query."""
    q = (
        select(DeliveryRow.issue_id, DeliveryRow.status, func.count())
        .where(DeliveryRow.issue_id.in_(_issues_of(session)))
        .group_by(DeliveryRow.issue_id, DeliveryRow.status)
    )
    out: dict[int, dict[DeliveryStatus, int]] = {}
    for issue_id, status, n in session.execute(q):
        out.setdefault(int(issue_id), dict.fromkeys(DeliveryStatus, 0))[DeliveryStatus(status)] = int(n)
    return out


def ledger_page(
    session: Session, issue_id: int, *, status: DeliveryStatus | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[Delivery], int]:
    """Rows of one issue in ledger order (optionally of one status), and how many match in all."""
    where = [DeliveryRow.issue_id == issue_id, DeliveryRow.issue_id.in_(_issues_of(session))]
    if status is not None:
        where.append(DeliveryRow.status == str(status))
    total = int(session.scalar(select(func.count()).select_from(DeliveryRow).where(*where)) or 0)
    q = select(DeliveryRow).where(*where).order_by(DeliveryRow.id).offset(offset).limit(limit)
    return [to_delivery(r) for r in session.scalars(q)], total
