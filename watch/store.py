"""The store step: one source's entries through :func:`watch.dedup.decide`, and the decisions into the database.

One transaction per source: a source's items are stored completely or not at all, and an error in one source
never touches another's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.model import ItemAction, ItemSource, Source
from storage.collection import CollectionRepository
from storage.database import Database
from storage.items import ItemRepository
from watch.dedup import Known, Verdict, decide, fuzzy_candidate, plain
from watch.entry import Entry

ACTOR = "watch"
# Deduplication reads then writes: two sources stored at once (the scheduler runs jobs in threads) could both
# insert the same call. One store at a time per process; the scheduler runs in one process.
_STORE_LOCK = threading.Lock()


@dataclass(slots=True)
class Stored:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0


def store_entries(db: Database, source: Source, entries: list[Entry], *, now: datetime) -> Stored:
    """known = sightings + same URL + same dates | decide each entry | insert, update, merge | log events."""
    assert source.id is not None
    counts = Stored()
    with _STORE_LOCK, db.session() as s:
        items, coll = ItemRepository(s), CollectionRepository(s)
        sightings = coll.sightings(source.id)
        by_url = coll.by_canonical_url(e.item.canonical_url or "" for e in entries)
        dated = coll.by_dates(
            [e.item.deadline for e in entries if e.item.deadline],
            [e.item.starts_at.date() for e in entries if e.item.starts_at],
        )
        wanted = [sightings[e.source_item_id] for e in entries if e.source_item_id in sightings]
        cache = items.get_many(wanted + [i for ids in by_url.values() for i in ids])
        seen_again: list[str] = []
        fresh: list[Entry] = []  # inserted together at the end: a source's entries never merge with each other
        for entry in entries:
            cand = entry.item
            same = cache.get(sightings.get(entry.source_item_id, -1))
            known = Known(
                same_source=same,
                same_url=[cache[i] for i in by_url.get(cand.canonical_url or "", []) if i in cache],
            )
            if same is None and not known.same_url:
                close = [k.id for k in dated if source.id not in k.source_ids and fuzzy_candidate(k, cand)]
                missing = [i for i in close if i not in cache]
                cache.update(items.get_many(missing) if missing else {})
                known.same_dates = [cache[i] for i in close if i in cache]
            d = decide(entry, source, known)
            if d.verdict == Verdict.NEW:
                fresh.append(entry)
                counts.new += 1
                continue
            target = d.target
            assert target is not None and target.id is not None
            if d.verdict == Verdict.UNCHANGED:
                seen_again.append(entry.source_item_id)
                counts.unchanged += 1
                continue
            if d.changes:
                target.updated_at = now
            items.update(target)
            if d.verdict == Verdict.UPDATED:
                seen_again.append(entry.source_item_id)
                counts.updated += 1
                items.log(
                    target.id,
                    at=now,
                    actor=ACTOR,
                    action=ItemAction.UPDATED,
                    changes=_log(d.changes, d.applied, d.reason, source),
                )
            else:
                sighting = _sighting(source, entry, now)
                items.add_source(target.id, sighting)
                target.sources.append(sighting)
                counts.duplicates += 1
                items.log(
                    target.id,
                    at=now,
                    actor=ACTOR,
                    action=ItemAction.MERGED,
                    changes=_log(d.changes, d.applied, d.reason, source),
                )
        _insert(items, source, fresh, now)
        coll.touch(source.id, seen_again, now)
    return counts


def _insert(items: ItemRepository, source: Source, entries: list[Entry], now: datetime) -> None:
    for entry in entries:
        entry.item.collected_at = entry.item.updated_at = now
        entry.item.sources = [_sighting(source, entry, now)]
    items.add_many([e.item for e in entries])
    items.log_many(
        [
            {"item_id": e.item.id, "at": now, "actor": ACTOR, "action": str(ItemAction.COLLECTED),
             "changes": {"source": source.name, "source_item_id": e.source_item_id}}
            for e in entries
        ]
    )  # fmt: skip


def _sighting(source: Source, entry: Entry, now: datetime) -> ItemSource:
    assert source.id is not None
    return ItemSource(
        source_id=source.id,
        source_item_id=entry.source_item_id,
        url=entry.item.url,
        title=entry.item.title,
        official=source.official,
        first_seen_at=now,
        last_seen_at=now,
        source_name=source.name,
    )


def _log(changes: dict[str, list[Any]], applied: bool, reason: str, source: Source) -> dict[str, Any]:
    return {
        "source": source.name,
        "reason": reason,
        "applied": applied,
        "pending": bool(changes) and not applied,
        "fields": {f: [plain(a), plain(b)] for f, (a, b) in changes.items()},
    }
