"""The store step: one source's entries through :func:`watch.dedup.decide`, and the decisions into the database.

Sources are stored in batches, one transaction each; a source's items are stored completely or not at all, and
an error in one source never touches another's (a failed batch is stored again source by source).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.model import Item, ItemAction, ItemSource, Source
from core.settings import DEPARTEMENT
from storage.collection import CollectionRepository, MatchKey, Sighting
from storage.database import Database
from storage.items import ItemRepository
from watch import similar
from watch.dedup import Known, Verdict, apply, decide, fuzzy_candidate, plain, title_numbers
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


@dataclass(slots=True)
class Job:
    """One source's parsed entries, to store as of ``now`` (when its collection started)."""

    source: Source
    entries: list[Entry]
    now: datetime
    seen_again: list[str] = field(default_factory=list)  # source ids of entries known unchanged or updated


def store_entries(db: Database, source: Source, entries: list[Entry], *, now: datetime) -> Stored:
    """One source's entries, in their own transaction. Raises what the database raised."""
    (result,) = store_many(db, [Job(source, entries, now)])
    if isinstance(result, Exception):
        raise result
    return result


def store_many(db: Database, jobs: Sequence[Job]) -> list[Stored | Exception]:
    """Several sources' entries in one transaction, with one lookup of each kind for the whole batch (a
    collection stores sources as their bodies arrive, dozens at a time; a transaction and four lookups per source
    cost more than deciding their entries). Sources are decided in order, each seeing what the ones before it
    stored. If the database refuses anything, the batch is rolled back and each source is stored alone, so one
    source's error never touches another's: the result is that source's exception, in its place."""
    if not jobs:
        return []
    with _STORE_LOCK:
        try:
            return _in_session(db, jobs)
        except Exception as exc:
            if len(jobs) == 1:
                return [exc]
        out: list[Stored | Exception] = []
        for job in jobs:
            try:
                out += _in_session(db, [Job(job.source, job.entries, job.now)])
            except Exception as exc:
                out.append(exc)
        return out


@dataclass(frozen=True, slots=True)
class Follower:
    """A network that follows the deployment's shared sources: its id, and its region's départements (empty: every
    item is offered to it)."""

    network_id: int
    departements: frozenset[str] = frozenset()


def offered(item: Item, follower: Follower) -> bool:
    """Regional items stay regional: an item placed in départements (its tags, or the ones suggested) none of which
    is the network's is not offered to it. An item placed nowhere, or in one of them, is."""
    if not follower.departements:
        return True
    placed = {t for t in [*item.tags, *(s.tag for s in item.suggested_tags)] if DEPARTEMENT.fullmatch(t)}
    return not placed or not placed.isdisjoint(follower.departements)


def store_for_networks(db: Database, jobs: Sequence[Job], followers: Sequence[Follower]) -> list[Stored | Exception]:
    """Sources fetched and parsed once, stored in each network that follows them, in that network's own rows (its
    triage, its tags): a source of one network goes to it alone, a shared one to every follower, less the items
    of another region. Without followers (one network), :func:`store_many` as it is. A source's result is its
    counts summed over the networks, or the first error a network's store met."""
    if not followers:
        return store_many(db, jobs)
    out: list[Stored | Exception] = [Stored() for _ in jobs]
    for follower in followers:
        mine = [
            (n, Job(job.source, [e for e in job.entries if offered(e.item, follower)], job.now))
            for n, job in enumerate(jobs)
            if job.source.network_id in (None, follower.network_id)
        ]
        results = store_many(db.for_network(follower.network_id), [job for _, job in mine])
        for (n, _), result in zip(mine, results, strict=True):
            total = out[n]
            if isinstance(total, Exception):
                continue
            if isinstance(result, Exception):
                out[n] = result
                continue
            total.new += result.new
            total.updated += result.updated
            total.unchanged += result.unchanged
            total.duplicates += result.duplicates
    return out


def _in_session(db: Database, jobs: Sequence[Job]) -> list[Stored | Exception]:
    with db.session() as s:
        return list(_Batch(ItemRepository(s), CollectionRepository(s), jobs).store())


class _Batch:
    """sightings (with their items' hashes) | entries whose hash is their item's: unchanged, only touched | the
    rest: known = same source + same URL + same dates + linked pages | decide each | apply | insert, update,
    merge | log events.

    The lookups are made once for the batch; what a source inserts is added to them before the next source is
    decided, so two sources of one batch relaying the same call still merge."""

    def __init__(self, items: ItemRepository, coll: CollectionRepository, jobs: Sequence[Job]) -> None:
        self.items, self.coll = items, coll
        self.sightings = coll.sightings_many([job.source.id for job in jobs if job.source.id is not None])
        # What `decide` would call UNCHANGED (same source id, same hash), known without loading a single item: a
        # source that changed one entry out of fifty costs one item's work, not fifty.
        self.jobs: list[tuple[Job, Stored]] = []
        wanted: list[int] = []
        for job in jobs:
            assert job.source.id is not None
            seen = self.sightings[job.source.id]
            again = [e.source_item_id for e in job.entries if _unchanged(seen.get(e.source_item_id), e)]
            skip = set(again)
            rest = [e for e in job.entries if e.source_item_id not in skip]
            self.jobs.append((Job(job.source, rest, job.now, again), Stored(unchanged=len(again))))
            wanted += [seen[e.source_item_id].item_id for e in rest if e.source_item_id in seen]
        rest = [e for job, _ in self.jobs for e in job.entries]
        # the entries' own pages, and the pages their texts link to (a relay names the official page)
        self.by_url = coll.by_canonical_url(
            [e.item.canonical_url or "" for e in rest] + [u for e in rest for u in similar.links(e.item.body_html)]
        )
        self.dated = _DateIndex(
            coll.by_dates(
                [e.item.deadline for e in rest if e.item.deadline],
                [e.item.starts_at.date() for e in rest if e.item.starts_at],
            )
        )
        self.cache = items.get_many(wanted + [i for ids in self.by_url.values() for i in ids])

    def store(self) -> Iterator[Stored]:
        for job, counts in self.jobs:
            self._one(job, counts)
            yield counts

    def _one(self, job: Job, counts: Stored) -> None:
        source, entries, now, seen_again = job.source, job.entries, job.now, job.seen_again
        assert source.id is not None
        items, cache = self.items, self.cache
        own = {sid: sighting.item_id for sid, sighting in self.sightings.get(source.id, {}).items()}
        fresh: list[Entry] = []  # inserted together at the end: a source's entries never merge with each other
        for entry in entries:
            cand = entry.item
            same = cache.get(own.get(entry.source_item_id, -1))
            known = Known(
                same_source=same,
                same_url=[cache[i] for i in self.by_url.get(cand.canonical_url or "", []) if i in cache],
                linked=[cache[i] for u in similar.links(cand.body_html) for i in self.by_url.get(u, []) if i in cache],
            )
            if same is None and not known.same_url:
                close = [k.id for k in self.dated.near(cand) if fuzzy_candidate(k, cand)]
                missing = [i for i in close if i not in cache]
                cache.update(items.get_many(missing) if missing else {})
                known.same_dates = [cache[i] for i in close if i in cache]
            d = decide(entry, source, known)
            apply(d)
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
                action = ItemAction.UPDATED
            else:
                sighting = _sighting(source, entry, now)
                items.add_source(target.id, sighting)
                target.sources.append(sighting)
                counts.duplicates += 1
                action = ItemAction.MERGED
            items.log(
                target.id, at=now, actor=ACTOR, action=action, changes=_log(d.changes, d.applied, d.reason, source)
            )
        _insert(items, source, fresh, now)
        self._known(fresh)
        self.coll.touch(source.id, seen_again, now)

    def _known(self, fresh: list[Entry]) -> None:
        """What a source just inserted, for the sources after it in the batch to match against."""
        for entry in fresh:
            item = entry.item
            assert item.id is not None
            self.cache[item.id] = item
            if item.canonical_url:
                self.by_url.setdefault(item.canonical_url, []).append(item.id)
            self.dated.add(MatchKey(item.id, item.title, item.deadline, item.starts_at))


def _unchanged(sighting: Sighting | None, entry: Entry) -> bool:
    return (
        sighting is not None and sighting.content_hash is not None and sighting.content_hash == entry.item.content_hash
    )


class _DateIndex:
    """Stored items by deadline and by start day, so each entry is compared with the items sharing its dates
    rather than with every dated candidate of the source (which grew with the square of the items). Within a date,
    items are grouped by their titles' numbers: :func:`fuzzy_candidate` refuses a deadline's item whose edition
    numbers are set and differ from the entry's, and a start day's whose title numbers differ, so those groups are
    never looked at (a network keeps hundreds of items per deadline; « lot 2 » is not compared with « lot 3 »)."""

    def __init__(self, keys: list[MatchKey]) -> None:
        self.by_deadline: dict[date, dict[frozenset[str], list[MatchKey]]] = {}
        self.by_day: dict[date, dict[tuple[str, ...], list[MatchKey]]] = {}
        for k in keys:
            self.add(k)

    def add(self, k: MatchKey) -> None:
        if k.deadline is not None:
            self.by_deadline.setdefault(k.deadline, {}).setdefault(similar.edition_numbers(k.title), []).append(k)
        if k.starts_at is not None:
            self.by_day.setdefault(k.starts_at.date(), {}).setdefault(title_numbers(k.title), []).append(k)

    def near(self, cand: Item) -> list[MatchKey]:
        """Items with the candidate's deadline or start day that :func:`fuzzy_candidate` may accept, in id order
        (the order matching has always used)."""
        found: dict[int, MatchKey] = {}
        if cand.deadline is not None and (groups := self.by_deadline.get(cand.deadline)):
            numbers = similar.edition_numbers(cand.title)
            # numbers of its own: items with the same ones or none; none: every item of the date may be the same
            for group in (groups.get(numbers, ()), groups.get(frozenset(), ())) if numbers else groups.values():
                found.update((k.id, k) for k in group)
        if cand.starts_at is not None and (days := self.by_day.get(cand.starts_at.date())):
            found.update((k.id, k) for k in days.get(title_numbers(cand.title), ()))
        return [found[i] for i in sorted(found)]


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
