"""Starting sends that are due: what the scheduler job and ``relais up`` share."""

from __future__ import annotations

import logging
from dataclasses import replace

from core.errors import SendInterrupted
from core.model import IssueStatus
from delivery.send import SendReport, send_issue
from relais.wiring import Services, delivery_seams, make_send_context
from storage.issues import IssueRepository

log = logging.getLogger(__name__)


def due_issues(services: Services) -> list[int]:
    """Scheduled issues whose time has come, and issues still sending (a crash, retries, a closed window)."""
    now = services.clock.now()
    with services.db.session() as s:
        repo = IssueRepository(s)
        scheduled = [i for i in repo.find(status=IssueStatus.SCHEDULED) if i.scheduled_at and i.scheduled_at <= now]
        sending = repo.find(status=IssueStatus.SENDING)
    return sorted(i.id for i in [*scheduled, *sending] if i.id is not None)


def send_due(services: Services) -> list[SendReport]:
    """Send (or resume) every due issue without waiting for deferred retries: the next run picks those up. An
    issue whose database or mail system stayed away too long is logged in one line; the others still go."""
    due = due_issues(services)
    if not due:
        return []
    segmenter, links, bounces = delivery_seams(services)
    ctx = make_send_context(services, segmenter=segmenter, links=links, bounces=bounces)
    ctx.config = replace(ctx.config, wait_for_retries=False)
    reports = []
    try:
        for issue_id in due:
            try:
                reports.append(send_issue(ctx, issue_id))
            except SendInterrupted as exc:  # waited [mail] give_up_after_seconds: the next run tries again
                log.error("delivery.send_interrupted", extra={"issue_id": issue_id, "detail": str(exc)})
        return reports
    finally:
        ctx.mailer.close()
