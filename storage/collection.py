"""What the watch asks of the database while collecting: sightings, match candidates, and run records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.networks import network_of
from storage.tables import CollectionRunRow, ItemRow, ItemSourceRow

_CHUNK = 500  # keeps IN lists and OR chains well under every engine's parameter limit


@dataclass(slots=True)
class CollectionRun:
    source_id: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # fetched | not_modified | error | skipped
    http_status: int | None = None
    parsed: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    error: str | None = None
    id: int | None = None


@dataclass(slots=True)
class MatchKey:
    """The columns of an item that fuzzy matching reads."""

    id: int
    title: str
    deadline: date | None
    starts_at: datetime | None


@dataclass(slots=True)
class Sighting:
    """One of a source's ids: its item, and the item's content hash (an entry with that hash is unchanged, which
    the store can tell without loading the item)."""

    item_id: int
    content_hash: str | None


class CollectionRepository:
    """Sightings and match candidates among one network's items (:func:`storage.networks.network_of`): each network
    stores a shared source's entries in its own rows; run records are the deployment's."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.network = network_of(session)

    def sightings_many(self, source_ids: Sequence[int]) -> dict[int, dict[str, Sighting]]:
        """Each source's own ids → their items (id and content hash), for everything these sources ever gave."""
        out: dict[int, dict[str, Sighting]] = {i: {} for i in source_ids}
        wanted = sorted(set(source_ids))
        for i in range(0, len(wanted), _CHUNK):
            q = (
                select(
                    ItemSourceRow.source_id, ItemSourceRow.source_item_id, ItemSourceRow.item_id, ItemRow.content_hash
                )
                .join(ItemRow, ItemRow.id == ItemSourceRow.item_id)
                .where(ItemSourceRow.network_id == self.network, ItemSourceRow.source_id.in_(wanted[i : i + _CHUNK]))
            )
            for src, sid, iid, h in self.s.execute(q):
                out[src][str(sid)] = Sighting(int(iid), h)
        return out

    def by_canonical_url(self, urls: Iterable[str]) -> dict[str, list[int]]:
        wanted = sorted({u for u in urls if u})
        out: dict[str, list[int]] = {}
        for i in range(0, len(wanted), _CHUNK):
            q = select(ItemRow.canonical_url, ItemRow.id).where(
                ItemRow.network_id == self.network, ItemRow.canonical_url.in_(wanted[i : i + _CHUNK])
            )
            for url, iid in self.s.execute(q.order_by(ItemRow.id)):
                if url is not None:
                    out.setdefault(url, []).append(iid)
        return out

    def by_dates(self, deadlines: Iterable[date], start_days: Iterable[date]) -> list[MatchKey]:
        """What fuzzy matching needs of the items whose deadline is one of ``deadlines`` or which start on one of
        ``start_days`` (UTC): a few columns, not whole items, since most candidates will not match. Which sources
        saw them is not read here: the few that match are loaded whole, sightings included."""
        found: dict[int, MatchKey] = {}
        cols = (ItemRow.id, ItemRow.title, ItemRow.deadline, ItemRow.starts_at)
        conn = self.s.connection()  # Core rows, unpacked: a network's store step reads thousands of them a batch
        dl = sorted(set(deadlines))
        for i in range(0, len(dl), _CHUNK):
            q = select(*cols).where(ItemRow.network_id == self.network, ItemRow.deadline.in_(dl[i : i + _CHUNK]))
            for iid, title, deadline, starts_at in conn.execute(q):
                found[iid] = MatchKey(iid, title, deadline, starts_at)
        days = sorted(set(start_days))
        for i in range(0, len(days), 50):
            ranges = [
                and_(ItemRow.starts_at >= _midnight(d), ItemRow.starts_at < _midnight(d) + timedelta(days=1))
                for d in days[i : i + 50]
            ]
            q = select(*cols).where(ItemRow.network_id == self.network, or_(*ranges))
            for iid, title, deadline, starts_at in conn.execute(q):
                found[iid] = MatchKey(iid, title, deadline, starts_at)
        return [found[k] for k in sorted(found)]

    def touch(self, source_id: int, source_item_ids: Sequence[str], at: datetime) -> None:
        """Mark sightings as seen again."""
        for i in range(0, len(source_item_ids), _CHUNK):
            self.s.execute(
                update(ItemSourceRow)
                .where(ItemSourceRow.network_id == self.network, ItemSourceRow.source_id == source_id)
                .where(ItemSourceRow.source_item_id.in_(list(source_item_ids[i : i + _CHUNK])))
                .values(last_seen_at=at)
            )

    def record(self, run: CollectionRun) -> CollectionRun:
        row = CollectionRunRow(
            source_id=run.source_id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            outcome=run.outcome,
            http_status=run.http_status,
            parsed=run.parsed,
            new=run.new,
            updated=run.updated,
            duplicates=run.duplicates,
            error=run.error,
        )
        self.s.add(row)
        self.s.flush()
        run.id = row.id
        return run

    def record_many(self, runs: Sequence[CollectionRun]) -> None:
        """Several run rows in one batched INSERT (their ids are not read back: nobody needs them)."""
        if runs:
            self.s.connection().execute(insert(CollectionRunRow), [_run_values(r) for r in runs])

    def runs(self, source_id: int | None = None, *, limit: int = 100) -> list[CollectionRun]:
        q = select(CollectionRunRow).order_by(CollectionRunRow.id.desc()).limit(limit)
        if source_id is not None:
            q = q.where(CollectionRunRow.source_id == source_id)
        return [
            CollectionRun(
                id=r.id,
                source_id=r.source_id,
                started_at=r.started_at,
                finished_at=r.finished_at,
                outcome=r.outcome,
                http_status=r.http_status,
                parsed=r.parsed,
                new=r.new,
                updated=r.updated,
                duplicates=r.duplicates,
                error=r.error,
            )
            for r in self.s.scalars(q)
        ]


def _run_values(run: CollectionRun) -> dict[str, object]:
    return {
        "source_id": run.source_id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "outcome": run.outcome,
        "http_status": run.http_status,
        "parsed": run.parsed,
        "new": run.new,
        "updated": run.updated,
        "duplicates": run.duplicates,
        "error": run.error,
    }


def _midnight(d: date) -> datetime:
    from datetime import UTC

    return datetime(d.year, d.month, d.day, tzinfo=UTC)
