"""The collection orchestrator: the only part of the watch that does I/O.

    sources | skip resting ones | fetch (conditional, concurrent) | skip unchanged bodies (hash)
            | parse + enrich (worker pool) | [fetch detail pages] | decide + store (one writer thread)
            | health + run record

Every source ends with a :class:`SourceResult`; a source's failure is recorded in its health and its run row and
never stops the others, and never becomes an item.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.clock import Clock
from core.errors import FetchError, RelaisError
from core.messages import describe
from core.model import CollectionOutcome, Item, Source, SourceHealth, SourceKind
from core.settings import WatchSettings
from storage.collection import CollectionRepository, CollectionRun
from storage.database import Database
from storage.sources import SourceRepository
from watch.entry import Entry
from watch.fetch import Fetched, Fetcher, HttpStatusError
from watch.health import after_failure, after_success, resting
from watch.outbound import OutboundRefused
from watch.store import Follower, Job, Stored, store_for_networks
from watch.tags import _Compiled
from watch.work import details_job, parse_job

log = logging.getLogger("relais.watch")

DETAIL_LIMIT = 30  # detail pages fetched per source and run, at most


@dataclass(slots=True)
class SourceResult:
    """What one run did with one source: the row of ``relais watch run``'s table."""

    source: str
    outcome: CollectionOutcome
    http_status: int | None = None
    parsed: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    unchanged: int = 0
    error: str | None = None  # as raised (English for scripts and logs, or French when written for people)
    error_french: str | None = None  # the same for people, by its code (core.messages): what the health keeps


@dataclass(slots=True)
class Pipeline:
    """Everything a collection needs, injected: the database, the fetcher, the clock, the parse pool."""

    db: Database
    fetcher: Fetcher
    clock: Clock
    settings: WatchSettings
    rules: Sequence[_Compiled] = ()
    # The rules as the parse workers get them: pickled once per collection, not with every job (dozens of
    # compiled patterns), and unpickled once per worker (:mod:`watch.work`).
    rules_blob: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        self.rules_blob = pickle.dumps(tuple(self.rules), protocol=pickle.HIGHEST_PROTOCOL)

    parse_pool: Executor | None = None  # None: a thread off the event loop
    followers: Sequence[Follower] = ()  # the networks that store what is collected (none: the one network)


async def collect_async(
    p: Pipeline,
    sources: Sequence[Source],
    *,
    force: bool = False,
    progress: Callable[[SourceResult], None] | None = None,
) -> list[SourceResult]:
    """Collect ``sources`` concurrently; results in the order given. ``force`` ignores backoff and freshness."""
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watch-store")
    book = _Book(p, writer)
    store = _StoreQueue(p.db, writer, p.followers, coming=len(sources))
    try:

        async def one(source: Source) -> SourceResult:
            try:
                result = await _collect_one(p, source, store, book, force=force)
            finally:
                store.settle(source)  # unchanged, resting or failed: nothing of it to wait for
            if progress is not None:
                progress(result)
            return result

        results = list(await asyncio.gather(*(one(s) for s in sources)))
    finally:
        book.flush()
        writer.shutdown(wait=True)
    book.check()
    return results


async def preview_async(p: Pipeline, source: Source) -> list[Item]:
    """Fetch and parse a source (saved or not) and return its items; nothing is stored, no health changes."""
    fetched = await p.fetcher.fetch(source.url, local=True)
    entries = await _parse(p, source, fetched, p.clock.now())
    return [e.item for e in entries]


async def _collect_one(p: Pipeline, source: Source, store: _StoreQueue, book: _Book, *, force: bool) -> SourceResult:
    started = p.clock.now()
    health = source.health
    why = None if force else resting(health, started)
    if why is not None:
        result = SourceResult(source.name, CollectionOutcome.SKIPPED, error=why)
        book.add(source, None, result, started)
        return result
    try:
        fetched = await p.fetcher.fetch(source.url, etag=health.etag, last_modified=health.last_modified, local=True)
        body_hash = hashlib.sha256(fetched.body).hexdigest() if fetched.status == 200 else None
        if fetched.status == 304 or body_hash == health.content_hash:
            result = SourceResult(source.name, CollectionOutcome.NOT_MODIFIED, fetched.status)
            new_health = after_success(health, now=started, fetched=fetched, items=None, body_hash=body_hash)
        else:
            entries = await _parse(p, source, fetched, started)
            stored = await store.put(Job(source, entries, started))
            result = SourceResult(
                source.name,
                CollectionOutcome.FETCHED,
                fetched.status,
                len(entries),
                stored.new,
                stored.updated,
                stored.duplicates,
                stored.unchanged,
            )
            new_health = after_success(health, now=started, fetched=fetched, items=len(entries), body_hash=body_hash)
    except RelaisError as exc:
        status = exc.status if isinstance(exc, HttpStatusError) else None
        retry = exc.retry_after if isinstance(exc, HttpStatusError) else None
        said = describe(exc)  # the health page shows this line as it is stored: French, by the error's code
        result = SourceResult(
            source.name, CollectionOutcome.ERROR, status, error=str(exc) or type(exc).__name__, error_french=said
        )
        new_health = after_failure(
            health,
            now=started,
            error=said,
            retry_after=retry,
            min_backoff=p.settings.min_backoff_seconds,
            max_backoff=p.settings.max_backoff_seconds,
        )
    book.add(source, new_health, result, started)
    return result


async def _parse(p: Pipeline, source: Source, fetched: Fetched, now: datetime) -> list[Entry]:
    loop = asyncio.get_running_loop()
    entries: list[Entry] = await loop.run_in_executor(
        p.parse_pool, parse_job, source, fetched.body, fetched.url, fetched.content_type, now, p.rules_blob
    )
    if source.kind == SourceKind.HTML and source.options.get("detail"):
        pages = await asyncio.gather(*(_detail(p, e) for e in entries[:DETAIL_LIMIT]))
        entries = await loop.run_in_executor(p.parse_pool, details_job, source, entries, list(pages), now, p.rules_blob)
    return entries


async def _detail(p: Pipeline, entry: Entry) -> Fetched | None:
    """A detail page, or None: a missing detail page costs the item its extra fields, not its place."""
    if not entry.item.url:
        return None
    try:
        return await p.fetcher.fetch(entry.item.url)
    except OutboundRefused as exc:  # a link of a third party's page into our files or network
        log.warning("watch.detail_refused", extra={"url": entry.item.url[:300], "reason": str(exc)})
        return None
    except FetchError:
        return None


class _StoreQueue:
    """Sources go to the writer thread as their entries arrive, in batches: while it stores one batch, the sources
    parsed meanwhile wait and go together in the next (:func:`watch.store.store_for_networks`). Runs on the event
    loop.

    A batch is at most BATCH sources: each network's store step reads the stored items sharing the batch's dates
    once a batch, so when the writer falls behind (a national round: 4,000 sources, 14 networks), bigger batches
    read them fewer times (the round's collection 255 -> 191 s from 64 to 256). While other sources of the
    collection are still being fetched or parsed, a batch waits until it holds FILL sources, WAIT at most: a
    batch's reads and its commit cost the same for 6 sources as for 25 (storing bench watch's 1,800 entries took
    0.24-0.31 CPU-s in batches of 6, 0.17-0.19 in batches of 25). The last sources never wait: once none is on its
    way, what is pending goes at once (a collection of one source, the scheduler's, stores it at once)."""

    BATCH = 256
    FILL = 24
    WAIT = 1.0  # seconds a batch waits at most for FILL sources (a slow server's sources do not hold the others)

    def __init__(self, db: Database, writer: Executor, followers: Sequence[Follower] = (), *, coming: int = 0) -> None:
        self.db, self.writer, self.followers = db, writer, followers
        self.pending: list[tuple[Job, asyncio.Future[Stored | Exception]]] = []
        self.draining: asyncio.Task[None] | None = None
        self.coming = coming  # sources of the collection still being fetched or parsed
        self._arrived: set[int] = set()
        self._moved: asyncio.Event | None = None

    async def put(self, job: Job) -> Stored:
        done: asyncio.Future[Stored | Exception] = asyncio.get_running_loop().create_future()
        self.pending.append((job, done))
        self._arrive(job.source)
        if self.draining is None:
            self.draining = asyncio.create_task(self._drain())
        result = await done
        if isinstance(result, RelaisError):
            raise result
        if isinstance(result, Exception):  # a row the database refuses: this source's error, not the run's
            first = (str(result).splitlines() or [""])[0]
            raise FetchError(
                f"cannot store items: {type(result).__name__}: {first}".rstrip(": "), code="cannot_store_items"
            )
        return result

    def settle(self, source: Source) -> None:
        """``source`` is done: if it brought nothing to store, no batch waits for it any more."""
        self._arrive(source)

    def _arrive(self, source: Source) -> None:
        if id(source) not in self._arrived:
            self._arrived.add(id(source))
            self.coming -= 1
            if self._moved is not None:
                self._moved.set()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                until = loop.time() + self.WAIT
                while len(self.pending) < self.FILL and self.coming > 0 and loop.time() < until:
                    self._moved = asyncio.Event()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._moved.wait(), until - loop.time())
                batch, self.pending = self.pending[: self.BATCH], self.pending[self.BATCH :]
                try:
                    jobs = [job for job, _ in batch]
                    results = await loop.run_in_executor(self.writer, store_for_networks, self.db, jobs, self.followers)
                except Exception as exc:  # the writer itself failed: every source of the batch says so
                    results = [exc] * len(batch)
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        done.set_result(result)
        finally:
            self.draining = None


_Entry = tuple[Source, SourceHealth | None, SourceResult, datetime, datetime]


class _Book:
    """Health and run rows, written in batches by the writer thread (one transaction per source would cost more
    than the collection of an unchanged source). Losing a batch in a crash only means refetching: items are
    stored in their own transaction before (the same thread, so a source's items are in before its run row).

    Runs on the event loop: a source's row is kept here, and a full batch handed to the writer without the source
    waiting for it. A batch that cannot be written fails the collection once every source is done
    (:meth:`check`): the other sources are still fetched and their items stored. (A source used to wait for the
    writer to take its row, and a failure there stopped the collection halfway, or went unseen in the last
    batch.)"""

    BATCH = 50

    def __init__(self, p: Pipeline, writer: Executor) -> None:
        self.p, self.writer = p, writer
        self.pending: list[_Entry] = []
        self.writes: list[Future[None]] = []

    def add(self, source: Source, health: SourceHealth | None, result: SourceResult, started: datetime) -> None:
        self.pending.append((source, health, result, started, self.p.clock.now()))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Hand the pending rows to the writer thread."""
        if self.pending:
            batch, self.pending = self.pending, []
            self.writes.append(self.writer.submit(self._write, batch))

    def check(self) -> None:
        """Once the writer is done: raise what writing a batch raised, if anything did."""
        for write in self.writes:
            write.result()

    def _write(self, batch: list[_Entry]) -> None:
        healths = [(source.id, health) for source, health, *_ in batch if source.id is not None and health is not None]
        with self.p.db.session() as s:
            SourceRepository(s).save_health_many(healths)
            CollectionRepository(s).record_many(
                [
                    CollectionRun(
                        source_id=source.id,
                        started_at=started,
                        finished_at=finished,
                        outcome=result.outcome,
                        http_status=result.http_status,
                        parsed=result.parsed,
                        new=result.new,
                        updated=result.updated,
                        duplicates=result.duplicates,
                        error=result.error,
                    )
                    for source, _health, result, started, finished in batch
                    if source.id is not None
                ]
            )
        for source, health, *_ in batch:
            if health is not None:
                source.health = replace(health)
