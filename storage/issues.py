"""Issues (newsletters and emailings) and the items placed in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidTransition, NotFound
from core.model import Issue, IssueEntry, IssueKind, IssueStatus, Item, ItemStatus
from storage.items import ItemRepository, to_item
from storage.networks import network_of
from storage.tables import IssueItemRow, IssueRow, ItemRow

_PLAIN = [
    "number", "title", "subject", "editorial", "template", "created_at", "created_by", "scheduled_at",
    "not_after", "started_at", "sent_at",
]  # fmt: skip


def to_issue(row: IssueRow, entries: list[IssueEntry]) -> Issue:
    return Issue(
        id=row.id,
        kind=IssueKind(row.kind),
        status=IssueStatus(row.status),
        audience=dict(row.audience or {}),
        entries=entries,
        **{f: getattr(row, f) for f in _PLAIN},
    )


class IssueRepository:
    """One network's issues: another network's are not found, whatever id is given, and each network numbers its own.
    Its items are the network's own rows (each network triages its row of a shared source's item)."""

    def __init__(self, session: Session, network_id: int | None = None) -> None:
        self.s = session
        self.network = network_of(session) if network_id is None else network_id
        self._mine = IssueRow.network_id == self.network

    def _row(self, issue_id: int) -> IssueRow:
        row = self.s.get(IssueRow, issue_id)
        if row is None or row.network_id != self.network:
            raise NotFound(f"issue {issue_id} not found", code="issue_not_found", issue=issue_id)
        return row

    def _entries(self, issue_id: int) -> list[IssueEntry]:
        q = select(IssueItemRow).where(IssueItemRow.issue_id == issue_id).order_by(IssueItemRow.position)
        return [IssueEntry(r.item_id, r.section, r.position) for r in self.s.scalars(q)]

    def get(self, issue_id: int) -> Issue:
        return to_issue(self._row(issue_id), self._entries(issue_id))

    def find(self, *, kind: IssueKind | None = None, status: IssueStatus | None = None) -> list[Issue]:
        q = select(IssueRow).where(self._mine).order_by(IssueRow.id.desc())
        if kind is not None:
            q = q.where(IssueRow.kind == str(kind))
        if status is not None:
            q = q.where(IssueRow.status == str(status))
        return [to_issue(r, self._entries(r.id)) for r in self.s.scalars(q)]

    def next_number(self, kind: IssueKind) -> int:
        q = select(func.max(IssueRow.number)).where(self._mine, IssueRow.kind == str(kind))
        return int(self.s.scalar(q) or 0) + 1

    def save(self, issue: Issue) -> Issue:
        """Insert or update an issue and replace its entries."""
        row = self._row(issue.id) if issue.id else None
        if row is None:
            row = IssueRow(network_id=self.network)
            self.s.add(row)
        for f in _PLAIN:
            setattr(row, f, getattr(issue, f))
        row.kind = str(issue.kind)
        row.status = str(issue.status)
        row.audience = dict(issue.audience)
        self.s.flush()
        issue.id = row.id
        self.s.query(IssueItemRow).filter(IssueItemRow.issue_id == row.id).delete()
        for e in issue.entries:
            self.s.add(IssueItemRow(issue_id=row.id, item_id=e.item_id, section=e.section, position=e.position))
        self.s.flush()
        return issue

    def delete_draft(self, issue_id: int) -> None:
        """Delete a draft and its entries; anything else (sent, scheduled…) stays: the ledger refers to it."""
        row = self._row(issue_id)
        if row.status != str(IssueStatus.DRAFT):
            raise InvalidTransition(
                f"issue {issue_id} is {row.status}: only a draft can be deleted",
                code="not_draft",
                status=IssueStatus(row.status),
            )
        self.s.query(IssueItemRow).filter(IssueItemRow.issue_id == issue_id).delete()
        self.s.delete(row)
        self.s.flush()

    def set_status(self, issue_id: int, status: IssueStatus) -> None:
        self._row(issue_id).status = str(status)

    def previous_created_at(self, kind: IssueKind, *, before: int | None = None) -> datetime | None:
        """When the latest issue of ``kind`` (not cancelled; older than issue ``before`` if given) was created:
        a newsletter takes what was approved after that."""
        q = select(func.max(IssueRow.created_at)).where(
            self._mine, IssueRow.kind == str(kind), IssueRow.status != str(IssueStatus.CANCELLED)
        )
        if before is not None:
            q = q.where(IssueRow.id < before)
        return self.s.scalar(q)

    def approved_items(self, *, approved_after: datetime | None = None) -> list[Item]:
        """Approved items, oldest approval first, optionally only those approved strictly after a moment."""
        q = (
            select(ItemRow)
            .where(ItemRow.network_id == self.network, ItemRow.status == str(ItemStatus.APPROVED))
            .order_by(ItemRow.approved_at, ItemRow.id)
        )
        if approved_after is not None:
            q = q.where(ItemRow.approved_at > approved_after)
        return self._with_sources(list(self.s.scalars(q)))

    def items_by_ids(self, item_ids: Sequence[int]) -> dict[int, Item]:
        """The items of an issue (any status: an item archived after sending still renders in the archive)."""
        if not item_ids:
            return {}
        q = select(ItemRow).where(ItemRow.network_id == self.network, ItemRow.id.in_(list(item_ids)))
        rows = list(self.s.scalars(q))
        return {i.id: i for i in self._with_sources(rows) if i.id is not None}

    def _with_sources(self, rows: list[ItemRow]) -> list[Item]:
        srcs = ItemRepository(self.s).sources_of([r.id for r in rows])
        return [to_item(r, srcs.get(r.id, [])) for r in rows]
