"""``relais db check`` finds ledger rows that contradict their issue."""

from __future__ import annotations

from datetime import UTC, datetime

from core.model import Issue, IssueKind, IssueStatus, Subscriber
from storage.consistency import check
from storage.database import Database
from storage.issues import IssueRepository
from storage.subscribers import SubscriberRepository
from storage.tables import DeliveryRow

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def test_a_clean_database_has_no_problem(db: Database) -> None:
    with db.session() as s:
        assert check(s) == []


def test_contradictions_are_reported(db: Database) -> None:
    with db.session() as s:
        issues = IssueRepository(s)
        sent = issues.save(Issue(kind=IssueKind.NEWSLETTER, number=1, title="t", subject="s",
                                 status=IssueStatus.SENT, sent_at=T0))  # fmt: skip
        draft = issues.save(Issue(kind=IssueKind.EMAILING, title="t", subject="s"))
        empty = issues.save(Issue(kind=IssueKind.EMAILING, title="t", subject="s", status=IssueStatus.SENT))
        sub = SubscriberRepository(s).save(Subscriber(email="a@example.org"))
        base = {"subscriber_id": sub.id, "email": sub.email, "segment": "k", "attempts": 1}
        s.add(DeliveryRow(issue_id=sent.id, status="queued", message_id="<1@x>", **base))
        s.add(DeliveryRow(issue_id=draft.id, status="accepted", message_id="<2@x>", **base))
    with db.session() as s:
        found = {(p.check, p.issue_id) for p in check(s)}
    assert ("open_rows_on_finished_issue", sent.id) in found
    assert ("ledger_before_sending", draft.id) in found
    assert ("final_row_without_time", draft.id) in found
    assert ("sent_without_date", empty.id) in found
    assert ("sent_with_empty_ledger", empty.id) in found
