"""Drafts the staff copy or throw away: a duplicate starts a new draft from an issue (its items, texts and
audience; a newsletter gets the next number), a draft that will not be sent can be deleted. Sent issues stay:
the ledger and the key figures refer to them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.clock import Clock
from core.model import Issue, IssueEntry, IssueKind, IssueStatus
from core.settings import NetworkSettings
from storage.database import Database
from storage.issues import IssueRepository

COPY = " (copie)"


def copy_of(issue: Issue, *, number: int | None, newsletter_name: str, by: str | None, now: datetime) -> Issue:
    """The new draft made from ``issue``. Pure."""
    title = f"{newsletter_name} n°{number}" if issue.kind == IssueKind.NEWSLETTER else issue.title + COPY
    return replace(
        issue,
        id=None,
        title=title[:200],
        number=number if issue.kind == IssueKind.NEWSLETTER else issue.number,
        status=IssueStatus.DRAFT,
        entries=[IssueEntry(e.item_id, e.section, e.position) for e in issue.entries],
        audience=dict(issue.audience),
        created_at=now,
        created_by=by,
        scheduled_at=None,
        not_after=None,
        started_at=None,
        sent_at=None,
    )


def duplicate(db: Database, clock: Clock, network: NetworkSettings, issue_id: int, *, by: str | None) -> Issue:
    with db.session() as s:
        repo = IssueRepository(s)
        issue = repo.get(issue_id)
        number = repo.next_number(issue.kind) if issue.kind == IssueKind.NEWSLETTER else None
        return repo.save(copy_of(issue, number=number, newsletter_name=network.newsletter_name, by=by,
                                 now=clock.now()))  # fmt: skip


def delete_draft(db: Database, issue_id: int) -> None:
    with db.session() as s:
        IssueRepository(s).delete_draft(issue_id)
