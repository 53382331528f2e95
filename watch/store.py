"""The store step: one source's entries through :func:`watch.dedup.decide`, and the decisions into the database.

One transaction per source: a source's items are stored completely or not at all, and an error in one source
never touches another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.model import Item, ItemAction, ItemSource, Source
from storage.collection import CollectionRepository
from storage.database import Database
from storage.items import ItemRepository
from watch.dedup import Known, Verdict, decide, plain, same_dates
from watch.entry import Entry

ACTOR = "watch"


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
    with db.session() as s:
        items, coll = ItemRepository(s), CollectionRepository(s)
        sightings = coll.sightings(source.id)
        by_url = coll.by_canonical_url(e.item.canonical_url or "" for e in entries)
        dated = coll.by_dates(
            [e.item.deadline for e in entries if e.item.deadline],
            [e.item.starts_at.date() for e in entries if e.item.starts_at],
        )
        wanted = [sightings[e.source_item_id] for e in entries if e.source_item_id in sightings]
        cache = items.get_many(wanted + [i for ids in by_url.values() for i in ids] + dated)
        seen_again: list[str] = []
        for entry in entries:
            cand = entry.item
            same = cache.get(sightings.get(entry.source_item_id, -1))
            known = Known(
                same_source=same,
                same_url=[cache[i] for i in by_url.get(cand.canonical_url or "", []) if i in cache],
                same_dates=[it for it in cache.values() if same_dates(it, cand)],
            )
            d = decide(entry, source, known)
            if d.verdict == Verdict.NEW:
                item = _insert(items, source, entry, now)
                cache[item.id or 0] = item
                if item.canonical_url:
                    by_url.setdefault(item.canonical_url, []).append(item.id or 0)
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
        coll.touch(source.id, seen_again, now)
    return counts


def _insert(items: ItemRepository, source: Source, entry: Entry, now: datetime) -> Item:
    item = entry.item
    item.collected_at = item.updated_at = now
    item.sources = [_sighting(source, entry, now)]
    items.add(item)
    assert item.id is not None
    items.log(
        item.id,
        at=now,
        actor=ACTOR,
        action=ItemAction.COLLECTED,
        changes={"source": source.name, "source_item_id": entry.source_item_id},
    )
    return item


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
