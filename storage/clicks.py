"""Click counts: one row per (issue, item, day) with a number, and nothing about who clicked (0012).

The redirect adds one (an upsert, so two readers clicking at once both count); reports and key figures read the
sums. The target of a click is looked up here from the item as approved, never taken from the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.model import ItemStatus
from storage.tables import ClickCountRow, IssueItemRow, IssueRow, ItemRow

_FOLLOWED = (ItemStatus.APPROVED, ItemStatus.ARCHIVED)  # what was sent stays reachable once archived


@dataclass(frozen=True, slots=True)
class ClickTarget:
    """An item of an issue, with the links it was approved with (the redirect picks the absolute one)."""

    url: str | None
    canonical_url: str | None
    issue_status: str  # a draft's or a scheduled issue's links are test copies': followed, not counted


@dataclass(frozen=True, slots=True)
class ItemClicks:
    item_id: int
    title: str
    tags: tuple[str, ...]
    clicks: int


class ClickRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def target(self, issue_id: int, item_id: int) -> ClickTarget | None:
        """The item's links, if the item is in the issue and approved (or archived since); else None (a 404)."""
        q = (
            select(ItemRow.url, ItemRow.canonical_url, IssueRow.status)
            .join(IssueItemRow, IssueItemRow.item_id == ItemRow.id)
            .join(IssueRow, IssueRow.id == IssueItemRow.issue_id)
            .where(IssueItemRow.issue_id == issue_id, ItemRow.id == item_id, ItemRow.status.in_(_FOLLOWED))
        )
        row = self.s.execute(q).first()
        return None if row is None else ClickTarget(row[0], row[1], str(row[2]))

    def add(self, issue_id: int, item_id: int, day: date) -> None:
        """One more click on ``item_id`` of ``issue_id`` that day."""
        dialect = self.s.get_bind().dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = maker(ClickCountRow).values(issue_id=issue_id, item_id=item_id, day=day, clicks=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["issue_id", "item_id", "day"], set_={"clicks": ClickCountRow.clicks + 1}
        )
        self.s.execute(stmt)

    def for_issue(self, issue_id: int) -> dict[int, int]:
        """Clicks per item of one issue, every day summed."""
        q = (
            select(ClickCountRow.item_id, func.sum(ClickCountRow.clicks))
            .where(ClickCountRow.issue_id == issue_id)
            .group_by(ClickCountRow.item_id)
        )
        return {int(i): int(n) for i, n in self.s.execute(q)}

    def most_read(self, start: date, end: date, limit: int | None = None) -> list[ItemClicks]:
        """Items by clicks on days in [start, end), most read first, across every issue sent."""
        total = func.sum(ClickCountRow.clicks).label("total")
        q = (
            select(ItemRow.id, ItemRow.title, ItemRow.tags, total)
            .join(ClickCountRow, ClickCountRow.item_id == ItemRow.id)
            .where(ClickCountRow.day >= start, ClickCountRow.day < end)
            .group_by(ItemRow.id, ItemRow.title, ItemRow.tags)
            .order_by(total.desc(), ItemRow.id)
        )
        if limit is not None:
            q = q.limit(limit)
        return [ItemClicks(int(i), t, tuple(tags or ()), int(n)) for i, t, tags, n in self.s.execute(q)]

    def total(self, start: date, end: date) -> int:
        q = select(func.coalesce(func.sum(ClickCountRow.clicks), 0)).where(
            ClickCountRow.day >= start, ClickCountRow.day < end
        )
        return int(self.s.scalar(q) or 0)

    def issue_titles(self, issue_ids: Sequence[int]) -> dict[int, str]:
        if not issue_ids:
            return {}
        q = select(IssueRow.id, IssueRow.title).where(IssueRow.id.in_(list(issue_ids)))
        return {int(i): t for i, t in self.s.execute(q)}
