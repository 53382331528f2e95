"""The triage queue's query: items filtered by kind, source, status, tag, territory, deadline window and text.

Newest first (collected_at, id). Filters map to indexed columns where they can; the tag filter reads the JSON
list (json_each on SQLite, ``@>`` on PostgreSQL's JSONB); text search is LIKE/ILIKE on title and summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Date, String, TextClause, and_, exists, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from core.model import Item, ItemKind, ItemSource, ItemStatus
from storage.items import to_item
from storage.tables import ItemRow, ItemSourceRow, SourceRow

COUNT_CAP = 1_000  # beyond this the page says "1 000+": counting 100,000 rows on each page costs for nothing


@dataclass(frozen=True, slots=True)
class TriageQuery:
    status: ItemStatus | None = ItemStatus.NEW
    kind: ItemKind | None = None
    source_id: int | None = None
    tag: str | None = None
    territory: str | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None
    text: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class TriagePage:
    items: list[Item]
    total: int  # capped at COUNT_CAP
    capped: bool
    page: int
    per_page: int
    has_next: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(q: TriageQuery, dialect: str, *, ordered: bool = True) -> list[ColumnElement[bool] | TextClause]:
    """The filters as SQL. ``ordered``: for the page's rows (newest first); else for the capped count."""
    where: list[ColumnElement[bool] | TextClause] = []
    kind: Any = ItemRow.kind  # a column, or the same hidden from SQLite's planner
    deadline: Any = ItemRow.deadline
    if q.status is not None:
        where.append(ItemRow.status == str(q.status))
        if dialect == "sqlite":
            # SQLite would pick the kind or deadline index and sort thousands of rows; walking the
            # (status, collected_at) index newest first stops after one page. A unary "+" hides those columns
            # from the planner (measured on 100,000 items: 50-90 ms -> a few ms). The count has no order: it
            # walks (status, kind, territory, deadline) without reading rows, unless the single-column deadline
            # index lures the planner into reading every row in the window.
            if ordered:
                kind = literal_column("+items.kind", String)
            deadline = literal_column("+items.deadline", Date)
    if q.kind is not None:
        where.append(kind == str(q.kind))
    if q.territory:
        where.append(ItemRow.territory == q.territory)
    if q.deadline_from is not None:
        where.append(deadline >= q.deadline_from)
    if q.deadline_to is not None:
        where.append(deadline <= q.deadline_to)
    if q.source_id is not None:
        where.append(exists().where(and_(ItemSourceRow.item_id == ItemRow.id, ItemSourceRow.source_id == q.source_id)))
    if q.tag:
        where.append(_has_tag(q.tag, dialect))
    if q.text and q.text.strip():
        for word in q.text.split()[:5]:
            pattern = f"%{_like_escape(word)}%"
            if dialect == "sqlite":
                # SQLite's LIKE already ignores ASCII case, as its lower() does: ILIKE (lower() on both sides)
                # matches the same rows, twice as slowly.
                where.append(or_(ItemRow.title.like(pattern, escape="\\"), ItemRow.summary.like(pattern, escape="\\")))
            else:
                where.append(
                    or_(ItemRow.title.ilike(pattern, escape="\\"), ItemRow.summary.ilike(pattern, escape="\\"))
                )
    return where


def _has_tag(tag: str, dialect: str) -> TextClause:
    if dialect == "postgresql":
        return text("items.tags @> jsonb_build_array(CAST(:tag AS text))").bindparams(tag=tag)
    exact = text("EXISTS (SELECT 1 FROM json_each(items.tags) WHERE value = :tag)").bindparams(tag=tag)
    quoted = json.dumps(tag)
    if quoted != f'"{tag}"':  # a slug that JSON escapes: its stored spelling is not certain, json_each decides
        return exact
    # The list is stored as JSON text: a row without the quoted slug in it cannot have the tag, and instr() is
    # much cheaper than json_each, which then only confirms the few rows that might.
    return text(f"(instr(items.tags, :quoted) > 0 AND {exact.text})").bindparams(tag=tag, quoted=quoted)


def find_page(session: Session, q: TriageQuery) -> TriagePage:
    dialect = session.get_bind().dialect.name
    where = conditions(q, dialect)
    page = max(1, q.page)
    rows_q = (
        select(*ItemRow.__table__.columns)  # plain rows: the ORM's identity map costs and buys nothing here
        .where(*where)
        .order_by(ItemRow.collected_at.desc(), ItemRow.id.desc())
        .limit(q.per_page + 1)  # one more tells whether a next page exists
        .offset((page - 1) * q.per_page)
    )
    rows = list(session.execute(rows_q))
    has_next = len(rows) > q.per_page
    rows = rows[: q.per_page]
    capped_ids = select(ItemRow.id).where(*conditions(q, dialect, ordered=False)).limit(COUNT_CAP + 1).subquery()
    total = int(session.scalar(select(func.count()).select_from(capped_ids)) or 0)
    sources = sources_of(session, [r.id for r in rows])
    return TriagePage(
        items=[to_item(cast(ItemRow, r), sources.get(r.id, [])) for r in rows],  # a Row reads like an ItemRow
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        page=page,
        per_page=q.per_page,
        has_next=has_next,
    )


def sources_of(session: Session, item_ids: list[int]) -> dict[int, list[ItemSource]]:
    """Where each item was seen, official sources first (the same as ItemRepository.sources_of, in plain rows)."""
    out: dict[int, list[ItemSource]] = {}
    if not item_ids:
        return out
    q = (
        select(*ItemSourceRow.__table__.columns, SourceRow.name.label("source_name"))
        .join(SourceRow, SourceRow.id == ItemSourceRow.source_id)
        .where(ItemSourceRow.item_id.in_(item_ids))
        .order_by(ItemSourceRow.official.desc(), ItemSourceRow.id)
    )
    for r in session.execute(q):
        out.setdefault(r.item_id, []).append(
            ItemSource(
                source_id=r.source_id,
                source_item_id=r.source_item_id,
                url=r.url,
                title=r.title,
                official=r.official,
                first_seen_at=r.first_seen_at,
                last_seen_at=r.last_seen_at,
                source_name=r.source_name,
            )
        )
    return out


def ids_matching(session: Session, q: TriageQuery, limit: int = 1_000) -> list[int]:
    """Ids of the items a filter selects (for "approve all shown"), newest first."""
    where = conditions(q, session.get_bind().dialect.name)
    stmt = select(ItemRow.id).where(*where).order_by(ItemRow.collected_at.desc(), ItemRow.id.desc()).limit(limit)
    return list(session.scalars(stmt))
