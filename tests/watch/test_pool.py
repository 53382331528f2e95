"""The parse workers' pool: real child processes, results and errors back, a dead worker replaced."""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.errors import FetchError
from core.model import ItemKind, Source, SourceKind
from watch.fetched import Fetched
from watch.pool import MALLOC, WorkerPool
from watch.work import details_job, parse_job


def double(x: int) -> int:
    return 2 * x


def fail(message: str) -> None:
    raise ValueError(message)


def die(status: int) -> None:
    os._exit(status)


def unpicklable() -> object:
    return threading.Lock()


def environment(names: list[str]) -> list[str | None]:
    return [os.environ.get(n) for n in names]


def page_faults_reading(fragment: str, times: int) -> int:
    """Minor page faults of this process while it reads ``fragment``'s text ``times`` times (lexbor)."""
    import resource

    from watch.clean import plain_text, text_lines

    text_lines(fragment)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        text_lines(fragment)
        plain_text(fragment)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def imported(names: list[str]) -> list[str]:
    import sys

    return [n for n in names if n in sys.modules]


# The workers import this module for its functions: it imports no test helpers (a worker would import them too).
DATA = Path(__file__).parent / "data"
FEED = Source(name="test feed", url="https://example.org/feed", kind=SourceKind.FEED, item_kind=ItemKind.NEWS)
REF = datetime(2026, 11, 2, 9, tzinfo=UTC)
RULES = pickle.dumps(())


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    p = WorkerPool(2, warm=True)
    yield p
    p.shutdown()


def test_results_come_back_in_their_futures(pool: WorkerPool) -> None:
    futures = [pool.submit(double, i) for i in range(20)]
    assert [f.result(timeout=30) for f in futures] == [2 * i for i in range(20)]


def test_a_job_s_exception_is_its_future_s(pool: WorkerPool) -> None:
    with pytest.raises(ValueError, match="no good"):
        pool.submit(fail, "no good").result(timeout=30)
    with pytest.raises(RuntimeError, match="pickle"):
        pool.submit(unpicklable).result(timeout=30)
    assert pool.submit(double, 4).result(timeout=30) == 8


def test_a_dead_worker_fails_its_job_only_and_is_replaced(pool: WorkerPool) -> None:
    with pytest.raises(FetchError) as caught:
        pool.submit(die, 7).result(timeout=30)
    assert caught.value.code == "unreadable_body" and "exit status 7" in str(caught.value)
    assert [pool.submit(double, i).result(timeout=30) for i in range(4)] == [0, 2, 4, 6]


def test_workers_import_the_parsers_and_not_the_collection(pool: WorkerPool) -> None:
    names = ["watch.parse", "feedparser", "watch.collect", "storage.database", "sqlalchemy", "httpx", "dateparser"]
    assert pool.submit(imported, names).result(timeout=30) == ["watch.parse", "feedparser"]


def test_workers_import_chardet_when_a_feed_needs_it() -> None:
    pool = WorkerPool(1)  # one worker: every job below runs in the same process
    try:
        _chardet_on_first_use(pool)
    finally:
        pool.shutdown()


def _chardet_on_first_use(pool: WorkerPool) -> None:
    assert pool.submit(imported, ["chardet.detector"]).result(timeout=30) == []
    # A feed whose declared encoding is wrong: feedparser asks chardet, imported in the worker at that moment.
    body = (DATA / "wrong_charset.rss").read_bytes()
    here = parse_job(FEED, body, "https://example.org/", "application/rss+xml; charset=utf-8", REF, RULES)
    there = pool.submit(
        parse_job, FEED, body, "https://example.org/", "application/rss+xml; charset=utf-8", REF, RULES
    ).result(timeout=30)
    assert [e.item.title for e in there] == ["Éducation à la citoyenneté : journée d'échanges"]
    assert there == here
    assert pool.submit(imported, ["chardet.detector"]).result(timeout=30) == ["chardet.detector"]


def test_a_detail_page_reaches_a_worker_without_the_fetcher_s_imports() -> None:
    listing = Source(
        name="test html",
        url="https://example.org/appels",
        kind=SourceKind.HTML,
        item_kind=ItemKind.CALL,
        options={"item": "article", "title": "h2", "link": "h2 a", "detail": True, "detail_deadline": ".limite"},
    )
    body = b"<html><body><article><h2><a href='/a'>Appel A</a></h2></article></body></html>"
    page = Fetched("https://example.org/a", 200, b"<p class='limite'>Date limite : 5 mars 2027</p>", "text/html")
    pool = WorkerPool(1)
    try:
        entries = pool.submit(parse_job, listing, body, listing.url, "text/html", REF, RULES).result(timeout=30)
        there = pool.submit(details_job, listing, entries, [page], REF, RULES).result(timeout=30)
        assert there == details_job(listing, entries, [page], REF, RULES)
        assert there[0].item.deadline == date(2027, 3, 5)
        assert pool.submit(imported, ["watch.fetched", "watch.fetch", "httpx"]).result(timeout=30) == ["watch.fetched"]
    finally:
        pool.shutdown()


def test_a_pool_shut_down_takes_no_more_jobs() -> None:
    pool = WorkerPool(1)
    first = pool.submit(double, 1)
    pool.shutdown(wait=True)
    assert first.result(timeout=30) == 2
    with pytest.raises(RuntimeError):
        pool.submit(double, 2)


def test_workers_start_with_their_first_job() -> None:
    pool = WorkerPool(2)
    try:
        assert all(t.process is None for t in pool._threads)  # a command that never parses starts no process
        assert pool.submit(double, 3).result(timeout=30) == 6
        assert sum(t.process is not None for t in pool._threads) == 1
    finally:
        pool.shutdown()


def echo(data: bytes) -> bytes:
    return data + data


def test_big_jobs_and_replies_flow_both_ways_while_the_next_job_is_sent(pool: WorkerPool) -> None:
    blobs = [bytes([i]) * 3_000_000 for i in range(8)]  # larger than a pipe's buffer, both ways
    futures = [pool.submit(echo, b) for b in blobs]
    assert [f.result(timeout=60) == b + b for f, b in zip(futures, blobs, strict=True)] == [True] * 8


def test_a_job_sent_behind_one_that_kills_its_worker_still_runs() -> None:
    pool = WorkerPool(1)
    try:
        futures = [pool.submit(double, 1), pool.submit(die, 3), pool.submit(double, 2), pool.submit(double, 3)]
        assert futures[0].result(timeout=30) == 2
        with pytest.raises(FetchError):
            futures[1].result(timeout=30)
        assert [f.result(timeout=30) for f in futures[2:]] == [4, 6]
    finally:
        pool.shutdown()


def test_arguments_that_do_not_pickle_fail_their_job_only(pool: WorkerPool) -> None:
    with pytest.raises(TypeError, match="pickle"):
        pool.submit(double, threading.Lock()).result(timeout=30)
    assert pool.submit(double, 5).result(timeout=30) == 10


def test_a_worker_keeps_freed_memory_for_its_next_item(pool: WorkerPool) -> None:
    """glibc's defaults gave the pages of each item's parse back to the kernel, and took them again, zeroed, for the
    next item: about 18 page faults an item. The workers keep them."""
    assert pool.submit(environment, list(MALLOC)).result(timeout=30) == list(MALLOC.values())
    fragment = "<p>Date limite de dépôt : <strong>15 mars 2027</strong>.</p>" * 8
    assert pool.submit(page_faults_reading, fragment, 500).result(timeout=30) < 100


def test_the_service_s_own_allocator_settings_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    p = WorkerPool(1, warm=True)
    try:
        names = ["MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"]
        assert p.submit(environment, names).result(timeout=30) == ["131072", MALLOC["MALLOC_MMAP_THRESHOLD_"]]
    finally:
        p.shutdown()
