"""The triage queue's query: items filtered by kind, source, status, tag, territory, deadline window and text.

Newest first (collected_at, id). Filters map to indexed columns where they can; the tag filter reads the JSON
list (instr() then json_each on SQLite, ``?`` on PostgreSQL's JSONB); text search is LIKE on title and summary
folded (case and accents ignored, :mod:`storage.folding`). The SQL itself is in :mod:`storage.triage_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy.orm import Session

from core.model import Item, ItemSource
from storage import triage_sql as sql
from storage.items import to_item
from storage.networks import network_of
from storage.tables import ItemRow
from storage.triage_sql import COUNT_CAP, TriageQuery, stored

__all__ = ["COUNT_CAP", "TriagePage", "TriageQuery", "TriageRow", "find_page", "ids_matching"]


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


def find_page(session: Session, q: TriageQuery) -> TriagePage:
    dialect = session.get_bind().dialect
    stored(dialect)
    values = {**sql.params(q, dialect.name), "network_id": network_of(session)}
    names = frozenset(values)
    page = max(1, q.page)
    conn = session.connection()  # Core, not the ORM's execute: these are plain rows, no entity to load
    # On PostgreSQL every connection plans each execution with its values (storage.database.PG_OPTIONS): a generic
    # plan, blind to them, cost a deadline window or a territory 3-4 times as much. No transaction is needed: the
    # page and its sources may be read in two snapshots (CurationDesk.triage_page reads without one).
    # Plain rows, undecoded: most of them are shown as they were last time.
    limits = {"limit": q.per_page + 1, "offset": (page - 1) * q.per_page}  # one more: is there a next page?
    rows = [tuple(r) for r in conn.execute(sql.page_statement(names, dialect.name), {**values, **limits})]
    if rows:
        total = int(rows[0][-1])
        rows = [r[:-1] for r in rows]
    else:  # past the last page (or nothing at all): the count alone
        total = int(conn.scalar(sql.count_statement(names, dialect.name), values) or 0) if page > 1 else 0
    has_next = len(rows) > q.per_page
    rows = rows[: q.per_page]
    seen: dict[int, list[tuple[Any, ...]]] = {}
    if rows:
        for item_id, *src in conn.execute(sql.sources_statement(dialect.name), {"ids": [r[0] for r in rows]}):
            seen.setdefault(item_id, []).append(tuple(src))
    return TriagePage(
        rows=[TriageRow(r, tuple(seen.get(r[0], ())), dialect.name) for r in rows],
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        page=page,
        per_page=q.per_page,
        has_next=has_next,
    )


def _decode(row: TriageRow) -> Item:
    items, sources = sql.stored_for(row.dialect)
    seen = [ItemSource(**sources.decode(src[:-1]), source_name=src[-1]) for src in row.sources]
    return to_item(cast(ItemRow, SimpleNamespace(**items.decode(row.stored))), seen)  # reads like an ItemRow


def ids_matching(session: Session, q: TriageQuery, limit: int = 1_000) -> list[int]:
    """Ids of the items a filter selects (for "approve all shown"), newest first."""
    dialect = session.get_bind().dialect.name
    values = {**sql.params(q, dialect), "network_id": network_of(session)}
    return list(session.connection().scalars(sql.ids_statement(frozenset(values), dialect), {**values, "limit": limit}))
