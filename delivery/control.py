"""Staff's levers on a send: pause, resume, cancel, schedule. Each is a state change through core.states."""

from __future__ import annotations

from datetime import datetime

from core.errors import InvalidInput
from core.model import IssueStatus
from core.states import can_move, move
from storage.database import Database
from storage.deliveries import DeliveryRepository


def _set(db: Database, issue_id: int, target: IssueStatus, **times: datetime | None) -> IssueStatus:
    with db.session() as s:
        repo = DeliveryRepository(s)
        current = repo.issue_status(issue_id)
        if not can_move(current, target):
            raise InvalidInput(
                f"issue {issue_id} is {current}: it cannot become {target}",
                code="cannot_become",
                status=current,
                target=target,
            )
        repo.set_issue(issue_id, move(current, target), **times)
        return current


def pause(db: Database, issue_id: int) -> None:
    """A running send stops after its current batch; rows already handed to the relay are recorded."""
    _set(db, issue_id, IssueStatus.PAUSED)


def resume(db: Database, issue_id: int) -> None:
    """Back to sending; the next ``send_issue`` (CLI or scheduler) carries on from the ledger."""
    _set(db, issue_id, IssueStatus.SENDING)


def cancel(db: Database, issue_id: int, now: datetime) -> int:
    """Stop for good: rows not sent yet become skipped. Returns how many."""
    _set(db, issue_id, IssueStatus.CANCELLED)
    with db.session() as s:
        return DeliveryRepository(s).skip_remaining(issue_id, "issue cancelled", now)


def schedule(db: Database, issue_id: int, at: datetime) -> None:
    """Send at ``at``: the scheduler's planner starts scheduled issues whose time has come."""
    with db.session() as s:
        repo = DeliveryRepository(s)
        current = repo.issue_status(issue_id)
        if current not in (IssueStatus.DRAFT, IssueStatus.SCHEDULED):
            raise InvalidInput(
                f"issue {issue_id} is {current}: only a draft can be scheduled", code="not_draft", status=current
            )
        repo.set_issue(issue_id, move(current, IssueStatus.SCHEDULED), scheduled_at=at)
