"""The triage filters as SQL, built once per combination of filters and reused with new values.

A triage page runs the same few statements over and over with other values: building a statement and computing
its cache key cost more than SQLite takes to run it. :func:`params` gives the values of a query's filters by
name; the statements (:func:`page_statement`, :func:`ids_statement`) depend only on which names are present
and are kept per dialect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Dialect,
    Integer,
    Select,
    String,
    TextClause,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    text,
)

from core.model import ItemKind, ItemStatus
from core.text import fold
from storage.stored_rows import StoredColumns
from storage.tables import ItemRow, ItemSourceRow, SourceRow

COUNT_CAP = 1_000  # beyond this the page says "1 000+": counting 100,000 rows on each page costs for nothing
MAX_WORDS = 5


@dataclass(frozen=True, slots=True)
class TriageQuery:
    """What the triage page asks: filters, a search text, a page."""

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


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def params(q: TriageQuery, dialect: str) -> dict[str, Any]:
    """The values of the filters ``q`` uses, by bound parameter name."""
    p: dict[str, Any] = {}
    if q.status is not None:
        p["status"] = str(q.status)
    if q.kind is not None:
        p["kind"] = str(q.kind)
    if q.territory:  # a département is a tag: the same test as the tag filter, on its own parameter
        p["territory"] = q.territory
        if dialect == "sqlite" and json.dumps(q.territory) == f'"{q.territory}"':
            p["quoted_territory"] = json.dumps(q.territory)
    if q.deadline_from is not None:
        p["deadline_from"] = q.deadline_from
    if q.deadline_to is not None:
        p["deadline_to"] = q.deadline_to
    if q.source_id is not None:
        p["source_id"] = q.source_id
    if q.tag:
        p["tag"] = q.tag
        if dialect == "sqlite" and json.dumps(q.tag) == f'"{q.tag}"':
            p["quoted"] = json.dumps(q.tag)  # see _has_tag
    if q.text and q.text.strip():
        for n, word in enumerate(fold(q.text).split()[:MAX_WORDS]):
            p[f"word{n}"] = f"%{_like_escape(word)}%"
    return p


def conditions(names: frozenset[str], dialect: str, *, ordered: bool) -> list[ColumnElement[bool] | TextClause]:
    """The filters named in ``names`` as SQL with bound parameters. ``ordered``: for rows newest first; else for
    the capped count."""
    where: list[ColumnElement[bool] | TextClause] = []
    if "network_id" in names:  # always given by storage.triage: a network triages its own rows
        where.append(ItemRow.network_id == bindparam("network_id", type_=Integer))
    kind: Any = ItemRow.kind  # a column, or the same hidden from SQLite's planner
    deadline: Any = ItemRow.deadline
    if "status" in names:
        where.append(ItemRow.status == bindparam("status", type_=String))
        if dialect == "sqlite":
            # SQLite would pick the kind or deadline index and sort thousands of rows; walking the
            # (network, status, collected_at) index newest first stops after one page. A unary "+" hides those columns
            # from the planner (measured on 100,000 items: 50-90 ms -> a few ms). The count has no order: it
            # walks (network, status, kind, deadline) without reading rows, unless the single-column deadline
            # index lures the planner into reading every row in the window.
            if ordered:
                kind = literal_column("+items.kind", String)
            deadline = literal_column("+items.deadline", Date)
    if "kind" in names:
        where.append(kind == bindparam("kind", type_=String))
    if "territory" in names:
        where.append(_has_tag(dialect, prefilter="quoted_territory" in names, param="territory"))
    if "deadline_from" in names:
        where.append(deadline >= bindparam("deadline_from", type_=Date))
    if "deadline_to" in names:
        where.append(deadline <= bindparam("deadline_to", type_=Date))
    if "source_id" in names:
        source = bindparam("source_id", type_=Integer)
        where.append(exists().where(and_(ItemSourceRow.item_id == ItemRow.id, ItemSourceRow.source_id == source)))
    if "tag" in names:
        where.append(_has_tag(dialect, prefilter="quoted" in names))
    for n in range(MAX_WORDS):
        if f"word{n}" not in names:
            break
        # Words and the stored text folded alike (case and accents ignored: « education » finds « Éducation »).
        # SQLite's LIKE and PostgreSQL's read the folded column as fast as they read the title and summary.
        where.append(ItemRow.search_text.like(bindparam(f"word{n}", type_=String), escape="\\"))
    return where


def _has_tag(dialect: str, *, prefilter: bool, param: str = "tag") -> TextClause:
    if dialect == "postgresql":
        # "?" finds a string among a JSONB array's elements, as @> ["tag"] does, a third faster.
        return text(f"items.tags ? CAST(:{param} AS text)")
    exact = f"EXISTS (SELECT 1 FROM json_each(items.tags) WHERE value = :{param})"  # noqa: S608 - our name
    if not prefilter:  # a slug that JSON escapes: its stored spelling is not certain, json_each decides
        return text(exact)
    # The list is stored as JSON text: a row without the quoted slug in it cannot have the tag, and instr() is
    # much cheaper than json_each, which then only confirms the few rows that might.
    quoted = "quoted" if param == "tag" else f"quoted_{param}"
    return text(f"(instr(items.tags, :{quoted}) > 0 AND {exact})")


_STORED: dict[str, tuple[StoredColumns, StoredColumns]] = {}
_SHOWN = [c.name for c in ItemRow.__table__.columns if c.name != "search_text"]
SOURCE_FIELDS = ["source_id", "source_item_id", "url", "title", "official", "first_seen_at", "last_seen_at"]


def stored(dialect: Dialect) -> tuple[StoredColumns, StoredColumns]:
    """The item's columns and its sightings' (those an ItemSource shows), undecoded, per dialect."""
    if dialect.name not in _STORED:
        _STORED[dialect.name] = (
            # Every column but the folded search text, which no page shows.
            StoredColumns(ItemRow.__table__, dialect, only=_SHOWN),  # type: ignore[arg-type]
            StoredColumns(ItemSourceRow.__table__, dialect, only=SOURCE_FIELDS),  # type: ignore[arg-type]
        )
    return _STORED[dialect.name]


def stored_for(dialect: str) -> tuple[StoredColumns, StoredColumns]:
    """What :func:`stored` gave for that dialect's name (to decode rows it selected)."""
    return _STORED[dialect]


@lru_cache(maxsize=512)
def page_statement(names: frozenset[str], dialect: str) -> Select[Any]:
    """A page of items, undecoded, newest first (parameters ``limit`` and ``offset``), the capped count last."""
    columns = _STORED[dialect][0].columns
    capped_ids = select(ItemRow.id).where(*conditions(names, dialect, ordered=False)).limit(COUNT_CAP + 1)
    capped_count = select(func.count()).select_from(capped_ids.subquery())
    return (
        # The capped count rides along (computed once, not per row): one statement, one round trip, not two.
        select(*columns, capped_count.scalar_subquery())
        .where(*conditions(names, dialect, ordered=True))
        .order_by(ItemRow.collected_at.desc(), ItemRow.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@lru_cache(maxsize=8)
def sources_statement(dialect: str) -> Select[Any]:
    """Where the items ``ids`` (an expanding parameter) were seen, undecoded, official sources first."""
    return (
        select(ItemSourceRow.item_id, *_STORED[dialect][1].columns, SourceRow.name)
        .join(SourceRow, SourceRow.id == ItemSourceRow.source_id)
        .where(ItemSourceRow.item_id.in_(bindparam("ids", expanding=True)))
        .order_by(ItemSourceRow.official.desc(), ItemSourceRow.id)
    )


@lru_cache(maxsize=512)
def count_statement(names: frozenset[str], dialect: str) -> Select[Any]:
    """The capped count alone (for a page past the last one)."""
    capped_ids = select(ItemRow.id).where(*conditions(names, dialect, ordered=False)).limit(COUNT_CAP + 1)
    return select(func.count()).select_from(capped_ids.subquery())


@lru_cache(maxsize=512)
def ids_statement(names: frozenset[str], dialect: str) -> Select[Any]:
    """Ids of the items the filters select, newest first (parameter ``limit``)."""
    return (
        select(ItemRow.id)
        .where(*conditions(names, dialect, ordered=True))
        .order_by(ItemRow.collected_at.desc(), ItemRow.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
