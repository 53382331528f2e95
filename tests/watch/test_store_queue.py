"""The writer's batches during a collection: full while other sources are on their way, at once for the last."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from core.model import Source
from tests.watch.helpers import REF, source
from watch import collect
from watch.store import Job, Stored


def sources(n: int) -> list[Source]:
    return [source(name=f"source {i}") for i in range(n)]


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The sources of each batch the writer stored, in order."""
    seen: list[list[str]] = []

    def store(_db: Any, jobs: Sequence[Job], _followers: Any) -> list[Stored]:
        seen.append([job.source.name for job in jobs])
        return [Stored(new=1) for _ in jobs]

    monkeypatch.setattr(collect, "store_for_networks", store)
    return seen


async def settled(rounds: int = 20) -> None:
    """Time for the queue's tasks, and the writer thread, to do whatever they would do now."""
    for _ in range(rounds):
        await asyncio.sleep(0.005)


async def until(batches: list[list[str]], count: int) -> None:
    for _ in range(2000):
        if len(batches) >= count:
            return
        await asyncio.sleep(0.005)


def test_a_batch_waits_to_be_full_while_sources_are_on_their_way(batches: list[list[str]]) -> None:
    fill = collect._StoreQueue.FILL
    srcs = sources(2 * fill + 5)

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as writer:
            queue = collect._StoreQueue(None, writer, coming=len(srcs))  # type: ignore[arg-type]
            puts = [asyncio.create_task(queue.put(Job(s, [], REF))) for s in srcs[: fill - 1]]
            await settled()
            assert batches == []  # one short of a batch, and others are coming: nothing written yet
            for s in srcs[fill - 1 : fill + 3]:
                queue.settle(s)  # unchanged or failed: they bring nothing, the batch does not wait for them
            await settled()
            assert batches == []
            puts.append(asyncio.create_task(queue.put(Job(srcs[fill + 3], [], REF))))
            await until(batches, 1)
            assert [len(b) for b in batches] == [fill]
            puts += [asyncio.create_task(queue.put(Job(s, [], REF))) for s in srcs[fill + 4 : fill + 10]]
            await settled()
            assert [len(b) for b in batches] == [fill]  # six more wait: others are still coming
            for s in srcs[fill + 10 :]:
                queue.settle(s)  # the last ones bring nothing: what is pending goes at once
            results = await asyncio.wait_for(asyncio.gather(*puts), 10)
            assert [len(b) for b in batches] == [fill, 6] and all(r.new == 1 for r in results)

    asyncio.run(scenario())


def test_the_last_source_of_a_collection_is_stored_at_once(batches: list[list[str]]) -> None:
    (only,) = sources(1)

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as writer:
            queue = collect._StoreQueue(None, writer, coming=1)  # type: ignore[arg-type]
            stored = await asyncio.wait_for(queue.put(Job(only, [], REF)), 10)
            assert stored.new == 1 and batches == [["source 0"]]

    asyncio.run(scenario())


def test_a_batch_waits_no_longer_than_its_wait_for_sources_still_coming(
    batches: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collect._StoreQueue, "WAIT", 0.05)
    srcs = sources(3)

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as writer:
            queue = collect._StoreQueue(None, writer, coming=len(srcs))  # type: ignore[arg-type]
            # Two sources parsed; the third's server is slow (it never answers here): the two are stored anyway.
            results = await asyncio.wait_for(asyncio.gather(*(queue.put(Job(s, [], REF)) for s in srcs[:2])), 10)
            assert batches == [["source 0", "source 1"]] and [r.new for r in results] == [1, 1]

    asyncio.run(scenario())
