"""The triage queue's query: items filtered by kind, source, status, tag, territory, deadline window and text.

Newest first (collected_at, id). Filters map to indexed columns where they can; the tag filter reads the JSON
list (json_each on SQLite, ``@>`` on PostgreSQL's JSONB); text search is LIKE/ILIKE on title and summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Dialect,
    String,
    TextClause,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from core.model import Item, ItemKind, ItemSource, ItemStatus
from storage.items import to_item
from storage.stored_rows import StoredColumns
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
class TriageRow:
    """One item of a page as stored: its row, and its sightings with their source's name, undecoded.

    ``key`` changes whenever anything about the item changes, so what was rendered from an equal key can be
    shown again without decoding the row; :meth:`item` decodes it.
    """

    stored: tuple[Any, ...]
    sources: tuple[tuple[Any, ...], ...]
    dialect: str

    @property
    def id(self) -> int:
        return int(self.stored[0])

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.stored, self.sources)

    def item(self) -> Item:
        return _decode(self)


@dataclass(frozen=True, slots=True)
class TriagePage:
    rows: list[TriageRow]
    total: int  # capped at COUNT_CAP
    capped: bool
    page: int
    per_page: int
    has_next: bool

    @property
    def items(self) -> list[Item]:
        return [r.item() for r in self.rows]

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
        # "?" finds a string among a JSONB array's elements, as @> ["tag"] does, a third faster.
        return text("items.tags ? CAST(:tag AS text)").bindparams(tag=tag)
    exact = text("EXISTS (SELECT 1 FROM json_each(items.tags) WHERE value = :tag)").bindparams(tag=tag)
    quoted = json.dumps(tag)
    if quoted != f'"{tag}"':  # a slug that JSON escapes: its stored spelling is not certain, json_each decides
        return exact
    # The list is stored as JSON text: a row without the quoted slug in it cannot have the tag, and instr() is
    # much cheaper than json_each, which then only confirms the few rows that might.
    return text(f"(instr(items.tags, :quoted) > 0 AND {exact.text})").bindparams(tag=tag, quoted=quoted)


def find_page(session: Session, q: TriageQuery) -> TriagePage:
    dialect = session.get_bind().dialect
    items, sources = _stored(dialect)
    where = conditions(q, dialect.name)
    page = max(1, q.page)
    capped_ids = select(ItemRow.id).where(*conditions(q, dialect.name, ordered=False)).limit(COUNT_CAP + 1).subquery()
    capped_count = select(func.count()).select_from(capped_ids)
    rows_q = (
        # Plain rows, undecoded: most of them are shown as they were last time. The capped count rides along
        # (computed once, not per row): one statement, one round trip, instead of two.
        select(*items.columns, capped_count.scalar_subquery())
        .where(*where)
        .order_by(ItemRow.collected_at.desc(), ItemRow.id.desc())
        .limit(q.per_page + 1)  # one more tells whether a next page exists
        .offset((page - 1) * q.per_page)
    )
    conn = session.connection()  # Core, not the ORM's execute: these are plain rows, no entity to load
    rows = [tuple(r) for r in conn.execute(rows_q)]
    if rows:
        total = int(rows[0][-1])
        rows = [r[:-1] for r in rows]
    else:  # past the last page (or nothing at all): the count alone
        total = int(conn.scalar(capped_count) or 0) if page > 1 else 0
    has_next = len(rows) > q.per_page
    rows = rows[: q.per_page]
    seen: dict[int, list[tuple[Any, ...]]] = {}
    if rows:
        src_q = (
            select(ItemSourceRow.item_id, *sources.columns, SourceRow.name)
            .join(SourceRow, SourceRow.id == ItemSourceRow.source_id)
            .where(ItemSourceRow.item_id.in_([r[0] for r in rows]))
            .order_by(ItemSourceRow.official.desc(), ItemSourceRow.id)  # official sources first
        )
        for item_id, *src in conn.execute(src_q):
            seen.setdefault(item_id, []).append(tuple(src))
    return TriagePage(
        rows=[TriageRow(r, tuple(seen.get(r[0], ())), dialect.name) for r in rows],
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        page=page,
        per_page=q.per_page,
        has_next=has_next,
    )


_SOURCE_FIELDS = ["source_id", "source_item_id", "url", "title", "official", "first_seen_at", "last_seen_at"]
_STORED: dict[str, tuple[StoredColumns, StoredColumns]] = {}


def _stored(dialect: Dialect) -> tuple[StoredColumns, StoredColumns]:
    """The item's columns and its sightings' (those an ItemSource shows), undecoded, per dialect."""
    if dialect.name not in _STORED:
        _STORED[dialect.name] = (
            StoredColumns(ItemRow.__table__, dialect),  # type: ignore[arg-type]
            StoredColumns(ItemSourceRow.__table__, dialect, only=_SOURCE_FIELDS),  # type: ignore[arg-type]
        )
    return _STORED[dialect.name]


def _decode(row: TriageRow) -> Item:
    items, sources = _STORED[row.dialect]
    seen = [ItemSource(**sources.decode(src[:-1]), source_name=src[-1]) for src in row.sources]
    return to_item(cast(ItemRow, SimpleNamespace(**items.decode(row.stored))), seen)  # reads like an ItemRow


def ids_matching(session: Session, q: TriageQuery, limit: int = 1_000) -> list[int]:
    """Ids of the items a filter selects (for "approve all shown"), newest first."""
    where = conditions(q, session.get_bind().dialect.name)
    stmt = select(ItemRow.id).where(*where).order_by(ItemRow.collected_at.desc(), ItemRow.id.desc()).limit(limit)
    return list(session.scalars(stmt))
