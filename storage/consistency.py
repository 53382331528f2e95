"""``relais db check``: inconsistencies between the delivery ledger and the issues, found by queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.tables import DeliveryRow, IssueRow

OPEN = ("queued", "sending", "deferred")
FINAL = ("accepted", "bounced", "failed", "skipped")


@dataclass(frozen=True)
class Problem:
    check: str
    issue_id: int | None
    detail: str


def check(s: Session) -> list[Problem]:
    problems: list[Problem] = []

    # A sent or cancelled issue has no message still waiting to go.
    q1 = (
        select(IssueRow.id, IssueRow.status, func.count(DeliveryRow.id))
        .join(DeliveryRow, DeliveryRow.issue_id == IssueRow.id)
        .where(IssueRow.status.in_(["sent"]), DeliveryRow.status.in_(OPEN))
        .group_by(IssueRow.id, IssueRow.status)
    )
    for issue_id, status, n in s.execute(q1):
        problems.append(Problem("open_rows_on_finished_issue", issue_id, f"issue is {status} but {n} rows are open"))

    # Drafts and scheduled issues have no ledger yet: recipients are frozen when sending starts.
    q2 = (
        select(IssueRow.id, IssueRow.status, func.count(DeliveryRow.id))
        .join(DeliveryRow, DeliveryRow.issue_id == IssueRow.id)
        .where(IssueRow.status.in_(["draft", "scheduled"]))
        .group_by(IssueRow.id, IssueRow.status)
    )
    for issue_id, status, n in s.execute(q2):
        problems.append(Problem("ledger_before_sending", issue_id, f"issue is {status} but has {n} delivery rows"))

    # A sent issue has a sending date, and its send started.
    q3 = select(IssueRow.id).where(IssueRow.status == "sent", IssueRow.sent_at.is_(None))
    for (issue_id,) in s.execute(q3):
        problems.append(Problem("sent_without_date", issue_id, "issue is sent but has no sent_at"))

    # Final rows have a finishing time; open rows do not.
    q4 = (
        select(DeliveryRow.issue_id, func.count())
        .where(DeliveryRow.status.in_(FINAL), DeliveryRow.finished_at.is_(None))
        .group_by(DeliveryRow.issue_id)
    )
    for issue_id, n in s.execute(q4):
        problems.append(Problem("final_row_without_time", issue_id, f"{n} final rows have no finished_at"))

    # Rows still in flight on an issue that is not sending (paused or cancelled) were lost by a crash.
    q5 = (
        select(IssueRow.id, IssueRow.status, func.count(DeliveryRow.id))
        .join(DeliveryRow, and_(DeliveryRow.issue_id == IssueRow.id, DeliveryRow.status == "sending"))
        .where(IssueRow.status.in_(["paused", "cancelled", "sent"]))
        .group_by(IssueRow.id, IssueRow.status)
    )
    for issue_id, status, n in s.execute(q5):
        problems.append(Problem("in_flight_on_stopped_issue", issue_id, f"issue is {status} with {n} rows in flight"))

    # A sent issue with an empty ledger sent nothing.
    q6 = (
        select(IssueRow.id)
        .outerjoin(DeliveryRow, DeliveryRow.issue_id == IssueRow.id)
        .where(IssueRow.status == "sent")
        .group_by(IssueRow.id)
        .having(func.count(DeliveryRow.id) == 0)
    )
    for (issue_id,) in s.execute(q6):
        problems.append(Problem("sent_with_empty_ledger", issue_id, "issue is sent but has no delivery row"))
    return problems
