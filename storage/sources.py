"""Sources and their health."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.model import ItemKind, Source, SourceHealth, SourceKind
from storage.networks import network_of
from storage.tables import SourceRow

_HEALTH = list(SourceHealth.__dataclass_fields__)


def to_source(row: SourceRow) -> Source:
    return Source(
        id=row.id,
        name=row.name,
        url=row.url,
        kind=SourceKind(row.kind),
        item_kind=ItemKind(row.item_kind),
        every_seconds=row.every_seconds,
        tags=list(row.tags or []),
        territory=row.territory,
        official=row.official,
        enabled=row.enabled,
        options=dict(row.options or {}),
        origin=row.origin,
        health=SourceHealth(**{f: getattr(row, f) for f in _HEALTH}),
        network_id=row.network_id,
    )


def _apply(row: SourceRow, src: Source) -> None:
    row.name = src.name
    row.url = src.url
    row.kind = str(src.kind)
    row.item_kind = str(src.item_kind)
    row.every_seconds = src.every_seconds
    row.tags = list(src.tags)
    row.territory = src.territory
    row.official = src.official
    row.enabled = src.enabled
    row.options = dict(src.options)
    row.origin = src.origin
    row.network_id = src.network_id


class SourceRepository:
    """The sources as a session sees them. One network's session (:meth:`storage.database.Database.for_network`)
    sees the shared sources and its own, and changes only its own: a new source is its own; a shared one is the
    operator's (``config.toml``). The deployment's session (the watch, the config's sync) sees and changes all."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.network: int | None = network_of(session) if "network_id" in session.info else None
        self._seen: list[ColumnElement[bool]] = (
            [] if self.network is None else [or_(SourceRow.network_id.is_(None), SourceRow.network_id == self.network)]
        )

    def _row(self, source_id: int) -> SourceRow | None:
        row = self.s.get(SourceRow, source_id)
        if row is None or (self.network is not None and row.network_id not in (None, self.network)):
            return None
        return row

    def find(self, *, enabled_only: bool = False) -> list[Source]:
        q = select(SourceRow).where(*self._seen).order_by(SourceRow.name)
        if enabled_only:
            q = q.where(SourceRow.enabled.is_(True))
        return [to_source(r) for r in self.s.scalars(q)]

    def names(self) -> list[tuple[int, str]]:
        """Every source's id and name, by name: what a filter offers, without loading whole sources."""
        q = select(SourceRow.id, SourceRow.name).where(*self._seen).order_by(SourceRow.name)
        return [(i, n) for i, n in self.s.connection().execute(q).all()]  # one fetch; unpacked, not by attribute

    def get(self, source_id: int) -> Source:
        row = self._row(source_id)
        if row is None:
            raise NotFound(f"source {source_id} not found", code="source_not_found", source=source_id)
        return to_source(row)

    def by_name(self, name: str) -> Source:
        row = self.s.scalar(select(SourceRow).where(SourceRow.name == name, *self._seen))
        if row is None:
            raise NotFound(f"source {name!r} not found", code="source_not_found", source=name)
        return to_source(row)

    def save(self, src: Source) -> Source:
        """Insert or update the definition (not the health) of a source. One network's session writes its own
        sources only (a new one becomes its own); a shared source refuses (code ``source_shared``)."""
        row = self._row(src.id) if src.id else None
        if src.id and row is None:
            raise NotFound(f"source {src.id} not found", code="source_not_found", source=src.id)
        if self.network is not None:
            if row is not None and row.network_id is None:
                raise InvalidInput(
                    f"source {src.name!r} is shared by every network", code="source_shared", source=src.name
                )
            src.network_id = self.network
        if row is None:
            row = SourceRow(consecutive_failures=0, runs=0, not_modified_runs=0, zero_item_runs=0, last_items=0)
            self.s.add(row)
        _apply(row, src)
        self.s.flush()
        return to_source(row)

    def save_health(self, source_id: int, health: SourceHealth) -> None:
        row = self.s.get(SourceRow, source_id)
        if row is None:
            raise NotFound(f"source {source_id} not found", code="source_not_found", source=source_id)
        for f in _HEALTH:
            setattr(row, f, getattr(health, f))

    def save_health_many(self, healths: Sequence[tuple[int, SourceHealth]]) -> None:
        """Several sources' health in one batched UPDATE: a collection run ends hundreds of sources, and one
        SELECT then UPDATE per source cost more than collecting an unchanged one."""
        if not healths:
            return
        cols = SourceRow.__table__.c
        stmt = (
            update(SourceRow)
            .where(SourceRow.id == bindparam("b_id", type_=cols.id.type))
            .values({f: bindparam(f"b_{f}", type_=cols[f].type) for f in _HEALTH})
        )
        rows = [{"b_id": sid, **{f"b_{f}": getattr(h, f) for f in _HEALTH}} for sid, h in healths]
        result = self.s.connection().execute(stmt, rows)
        if self.s.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
            raise NotFound(f"{len(rows) - result.rowcount} of {len(rows)} sources not found (deleted meanwhile?)")

    def sync_from_config(self, declared: Iterable[Source]) -> tuple[int, int]:
        """Make config-declared sources exist and match; health is kept. Returns (added, updated)."""
        existing = {r.name: r for r in self.s.scalars(select(SourceRow))}
        added = updated = 0
        for src in declared:
            row = existing.get(src.name)
            if row is None:
                self.save(src)
                added += 1
            elif row.origin == "config":
                before = to_source(row)
                src.id = row.id
                _apply(row, src)
                if to_source(row) != before:
                    updated += 1
        self.s.flush()
        return added, updated
