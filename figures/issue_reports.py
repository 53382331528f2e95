"""Reading one issue's report from the database: the orchestrator around :mod:`figures.issue_report`.

report:   issue header (else NotFound) | ledger, bounces, unsubscribes, items (one session) | clicks | build
warnings: the issue sent last | its report's warnings (shown before the next send)
"""

from __future__ import annotations

from core.errors import NotFound
from figures.issue_report import IssueReport, build
from storage.clicks import ClickRepository
from storage.database import Database
from storage.issue_report import issue_facts, issue_header, latest_sent


def issue_report(db: Database, issue_id: int) -> IssueReport:
    with db.session() as s:
        header = issue_header(s, issue_id)
        if header is None:
            raise NotFound(f"issue {issue_id} does not exist", code="issue_not_found", issue=issue_id)
        facts = issue_facts(s, issue_id)
        clicks = ClickRepository(s).for_issue(issue_id)
    return build(issue_id, header[0], facts, clicks)


def before_next_send(db: Database, issue_id: int | None = None) -> tuple[IssueReport | None, list[str]]:
    """The report of the issue sent last (not ``issue_id``, the one about to go) and its warnings."""
    with db.session() as s:
        last = latest_sent(s, other_than=issue_id)
    if last is None:
        return None, []
    report = issue_report(db, last)
    return report, report.warnings
