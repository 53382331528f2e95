"""Items, where they were seen, and what editors did to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Integer, Select, Table, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from core.errors import NotFound
from core.model import Item, ItemKind, ItemSource, ItemStatus, SuggestedTag
from storage.bulk import bulk_insert, insert_with_ids
from storage.folding import search_text
from storage.networks import network_of
from storage.tables import ItemEventRow, ItemRow, ItemSourceRow, NetworkRow, SourceRow

_PLAIN = [
    "title", "url", "canonical_url", "summary", "body_html", "published_at", "collected_at", "updated_at",
    "approved_at", "approved_by", "opening_date", "deadline", "starts_at", "ends_at", "place",
    "featured", "image_url", "image_alt", "editor_note", "content_hash",
]  # fmt: skip


@lru_cache(maxsize=1)
def _relayed_statement() -> Select[int, str]:
    """Built once (two aliases of a table cost a page ~2 ms to build each time). The other networks are reached
    through the networks table: each network's (source, source id) is the start of its unique index."""
    mine, theirs = aliased(ItemSourceRow), aliased(ItemSourceRow)
    network = bindparam("network", type_=Integer)
    return (
        select(mine.item_id, NetworkRow.name)
        .join(
            theirs,
            and_(
                theirs.source_id == mine.source_id,
                theirs.source_item_id == mine.source_item_id,
                theirs.network_id != network,
            ),
        )
        .join(ItemRow, ItemRow.id == theirs.item_id)
        .join(NetworkRow, NetworkRow.id == theirs.network_id)
        .where(
            mine.network_id == network,
            mine.item_id.in_(bindparam("ids", expanding=True)),
            ItemRow.status.in_([str(ItemStatus.APPROVED), str(ItemStatus.ARCHIVED)]),
        )
        .distinct()
        .order_by(mine.item_id, NetworkRow.name)
    )


def to_item(row: ItemRow, sources: Sequence[ItemSource] = ()) -> Item:
    return Item(
        id=row.id,
        kind=ItemKind(row.kind),
        status=ItemStatus(row.status),
        tags=list(row.tags or []),
        suggested_tags=[SuggestedTag(d["tag"], d["reason"]) for d in (row.suggested_tags or [])],
        field_origins=dict(row.field_origins or {}),
        pending_update=row.pending_update,
        sources=list(sources),
        **{f: getattr(row, f) for f in _PLAIN},
    )


def apply_item(row: ItemRow, item: Item) -> None:
    for f in _PLAIN:
        setattr(row, f, getattr(item, f))
    row.kind = str(item.kind)
    row.status = str(item.status)
    row.tags = list(item.tags)
    row.search_text = search_text(item.title, item.summary)
    row.suggested_tags = [{"tag": t.tag, "reason": t.reason} for t in item.suggested_tags]
    row.field_origins = dict(item.field_origins)
    row.pending_update = item.pending_update


def row_values(item: Item) -> dict[str, Any]:
    """The columns :func:`apply_item` writes, as a dict for bulk inserts (no ORM object: a collection run inserts
    thousands of rows and the instrumented attributes cost more than the insert)."""
    values = {f: getattr(item, f) for f in _PLAIN}
    values.update(
        kind=str(item.kind),
        status=str(item.status),
        tags=list(item.tags),
        suggested_tags=[{"tag": t.tag, "reason": t.reason} for t in item.suggested_tags],
        field_origins=dict(item.field_origins),
        pending_update=item.pending_update,
        search_text=search_text(item.title, item.summary),
    )
    return values


class ItemRepository:
    """One network's items (:func:`storage.networks.network_of`): another network's row of an item is not found,
    whatever id is given; new items and their sightings are this network's."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.network = network_of(session)
        self._mine = ItemRow.network_id == self.network
        # The rows read by get(), held for the session: its identity map holds them weakly, so an update() after a
        # get() (load | decide | store) read the row a second time once the first was collected.
        self._read: dict[int, ItemRow] = {}

    def _row(self, item_id: int) -> ItemRow | None:
        row = self.s.get(ItemRow, item_id)
        return row if row is not None and row.network_id == self.network else None

    def get(self, item_id: int) -> Item:
        row = self._row(item_id)
        if row is None:
            raise NotFound(f"item {item_id} not found", code="item_not_found", item=item_id)
        self._read[item_id] = row
        return to_item(row, self.sources_of([item_id]).get(item_id, []))

    def find(
        self,
        *,
        status: ItemStatus | None = None,
        kind: ItemKind | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Item]:
        q = select(ItemRow).where(self._mine).order_by(ItemRow.collected_at.desc(), ItemRow.id.desc())
        if status is not None:
            q = q.where(ItemRow.status == str(status))
        if kind is not None:
            q = q.where(ItemRow.kind == str(kind))
        if limit is not None:
            q = q.limit(limit).offset(offset)
        rows = list(self.s.scalars(q))
        srcs = self.sources_of([r.id for r in rows])
        return [to_item(r, srcs.get(r.id, [])) for r in rows]

    def count(self, *, status: ItemStatus | None = None) -> int:
        q = select(func.count()).select_from(ItemRow).where(self._mine)
        if status is not None:
            q = q.where(ItemRow.status == str(status))
        return int(self.s.scalar(q) or 0)

    def sources_of(self, item_ids: Sequence[int]) -> dict[int, list[ItemSource]]:
        out: dict[int, list[ItemSource]] = {}
        if not item_ids:
            return out
        q = (
            select(ItemSourceRow, SourceRow.name)
            .join(SourceRow, SourceRow.id == ItemSourceRow.source_id)
            .where(ItemSourceRow.network_id == self.network, ItemSourceRow.item_id.in_(list(item_ids)))
            .order_by(ItemSourceRow.official.desc(), ItemSourceRow.id)
        )
        for r, name in self.s.execute(q):
            out.setdefault(r.item_id, []).append(
                ItemSource(
                    source_id=r.source_id,
                    source_item_id=r.source_item_id,
                    url=r.url,
                    title=r.title,
                    official=r.official,
                    first_seen_at=r.first_seen_at,
                    last_seen_at=r.last_seen_at,
                    source_name=name,
                )
            )
        return out

    def add(self, item: Item) -> Item:
        row = ItemRow(network_id=self.network)
        apply_item(row, item)
        self.s.add(row)
        self.s.flush()
        item.id = row.id
        for src in item.sources:
            self.add_source(row.id, src)
        return item

    def update(self, item: Item) -> None:
        if item.id is None:
            raise NotFound("item has no id")
        row = self._row(item.id)
        if row is None:
            raise NotFound(f"item {item.id} not found", code="item_not_found", item=item.id)
        apply_item(row, item)

    def add_source(self, item_id: int, src: ItemSource) -> None:
        self.s.add(
            ItemSourceRow(
                network_id=self.network,
                item_id=item_id,
                source_id=src.source_id,
                source_item_id=src.source_item_id,
                url=src.url,
                title=src.title,
                official=src.official,
                first_seen_at=src.first_seen_at,
                last_seen_at=src.last_seen_at,
            )
        )

    def relayed_elsewhere(self, item_ids: Sequence[int]) -> dict[int, list[str]]:
        """For items of this network, the other networks that approved their own row of the same entry (same
        source, same source id): « déjà relayé par … ». Names only, nothing else of theirs."""
        if not item_ids:
            return {}
        out: dict[int, list[str]] = {}
        rows = self.s.connection().execute(_relayed_statement(), {"network": self.network, "ids": list(item_ids)})
        for item_id, name in rows:  # Core, not the ORM: plain rows, on every triage page
            out.setdefault(int(item_id), []).append(str(name))
        return out

    def log(self, item_id: int, *, at: datetime, actor: str, action: str, changes: dict[str, Any]) -> None:
        self.s.add(ItemEventRow(item_id=item_id, at=at, actor=actor, action=action, changes=changes))

    def events(self, item_id: int) -> list[dict[str, Any]]:
        q = (
            select(ItemEventRow)
            .join(ItemRow, ItemRow.id == ItemEventRow.item_id)
            .where(self._mine, ItemEventRow.item_id == item_id)
            .order_by(ItemEventRow.id)
        )
        return [{"at": e.at, "actor": e.actor, "action": e.action, "changes": e.changes} for e in self.s.scalars(q)]

    def get_many(self, item_ids: Sequence[int]) -> dict[int, Item]:
        """Items by id, with their sources (missing ids are simply absent)."""
        ids = sorted(set(item_ids))
        if not ids:
            return {}
        rows = list(self.s.scalars(select(ItemRow).where(self._mine, ItemRow.id.in_(ids))))
        srcs = self.sources_of(ids)
        return {r.id: to_item(r, srcs.get(r.id, [])) for r in rows}

    def add_many(self, items: Sequence[Item]) -> None:
        """Insert items and their sightings in bulk, straight to the driver (ids are set on the items). A
        collection run writes thousands of rows: no ORM objects, and no per-row statement."""
        if not items:
            return
        rows = [[None, self.network, *(values[c] for c in _COLUMNS)] for values in map(row_values, items)]
        ids = insert_with_ids(self.s, _table(ItemRow), ["id", "network_id", *_COLUMNS], rows)
        sightings = []
        for item, item_id in zip(items, ids, strict=True):
            item.id = item_id
            sightings += [[self.network, *_source_row(item_id, src)] for src in item.sources]
        bulk_insert(self.s, _table(ItemSourceRow), ["network_id", *_SOURCE_COLUMNS], sightings)

    def log_many(self, events: Sequence[dict[str, Any]]) -> None:
        """Several item events at once: dicts with item_id, at, actor, action, changes."""
        rows = [[e[c] for c in _EVENT_COLUMNS] for e in events]
        bulk_insert(self.s, _table(ItemEventRow), _EVENT_COLUMNS, rows)


def _table(row: type[Any]) -> Table:
    return cast(Table, row.__table__)


_COLUMNS = [*_PLAIN, "kind", "status", "tags", "suggested_tags", "field_origins", "pending_update", "search_text"]


_SOURCE_COLUMNS = [
    "item_id", "source_id", "source_item_id", "url", "title", "official", "first_seen_at", "last_seen_at",
]  # fmt: skip
_EVENT_COLUMNS = ["item_id", "at", "actor", "action", "changes"]


def _source_row(item_id: int, src: ItemSource) -> list[Any]:
    return [
        item_id, src.source_id, src.source_item_id, src.url, src.title, src.official, src.first_seen_at,
        src.last_seen_at,
    ]  # fmt: skip
