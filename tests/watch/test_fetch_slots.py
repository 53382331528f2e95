"""The fetcher's two limits: ``[watch] concurrency`` requests in all, ``per_host`` to one server
(:mod:`watch.slots`). A request waiting for its server holds no shared slot, and a server with many sources keeps
its turns, so sixteen pages of one site listed together neither hold the others back nor are fetched last."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import httpx
import pytest

from core.settings import WatchSettings
from watch.fetch import HttpFetcher
from watch.slots import Slots


async def _settle() -> None:
    for _ in range(50):  # let every task that can go on reach its next wait
        await asyncio.sleep(0)


def _waves(urls: list[str], *, concurrency: int, per_host: int) -> list[list[str]]:
    """The hosts of the requests in flight together, wave by wave: every answer is held back until the fetcher
    has started all it will start at once, then all of them are given at once."""
    held: list[asyncio.Event] = []
    hosts: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        gate = asyncio.Event()
        held.append(gate)
        hosts.append(request.url.host)
        await gate.wait()
        return httpx.Response(200, content=b"ok")

    waves: list[list[str]] = []

    async def go() -> None:
        fetcher = HttpFetcher(
            WatchSettings(concurrency=concurrency, per_host=per_host), transport=httpx.MockTransport(answer)
        )
        tasks = [asyncio.create_task(fetcher.fetch(url)) for url in urls]
        await _settle()
        while held:
            waves.append(sorted(hosts))
            gates = list(held)
            held.clear()
            hosts.clear()
            for gate in gates:
                gate.set()
            await _settle()
        assert [r.status for r in await asyncio.gather(*tasks)] == [200] * len(urls)
        await fetcher.aclose()

    asyncio.run(go())
    return waves


def test_requests_waiting_for_their_server_leave_the_shared_slots_to_others() -> None:
    busy = [f"http://busy.example/page/{n}" for n in range(12)]
    others = [f"http://other.example/page/{n}" for n in range(4)]
    waves = _waves(busy + others, concurrency=4, per_host=2)
    assert waves[0] == ["busy.example"] * 2 + ["other.example"] * 2


def test_a_server_with_many_sources_keeps_its_turns() -> None:
    # Eight pages of one site listed first, eight other sites: 16 requests, 4 at once, 2 per server. The best
    # order is 4 waves, each with two of the site's pages: the site must not wait behind the others.
    busy = [f"http://busy.example/page/{n}" for n in range(8)]
    others = [f"http://site{n}.example/" for n in range(8)]
    waves = _waves(busy + others, concurrency=4, per_host=2)
    assert len(waves) == 4
    assert [w.count("busy.example") for w in waves] == [2, 2, 2, 2]


def test_the_limits_hold_in_every_wave() -> None:
    urls = [f"http://h{n % 3}.example/{n}" for n in range(30)]
    waves = _waves(urls, concurrency=5, per_host=2)
    assert sum(map(len, waves)) == 30
    assert all(len(w) <= 5 and max(w.count(f"h{n}.example") for n in range(3)) <= 2 for w in waves)
    left = {f"h{n}.example": 10 for n in range(3)}
    for wave in waves:  # never a free slot while a server with requests left is under its own limit
        assert len(wave) == min(5, sum(min(2, n) for n in left.values()))
        for host in wave:
            left[host] -= 1


def _run(body: Callable[[Slots], Awaitable[None]], total: int = 2, per_host: int = 1) -> Slots:
    slots = Slots(total, per_host)
    asyncio.run(body(slots))
    return slots


def test_a_request_cancelled_while_waiting_takes_no_turn() -> None:
    async def body(slots: Slots) -> None:
        gate = asyncio.Event()

        async def hold(host: str) -> None:
            async with slots.turn(host):
                await gate.wait()

        first = asyncio.create_task(hold("a"))
        waiting = asyncio.create_task(hold("a"))
        third = asyncio.create_task(hold("a"))
        await _settle()
        waiting.cancel()
        await _settle()
        assert slots.in_flight == 1
        gate.set()
        await first
        await third
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert slots.in_flight == 0

    _run(body)


def test_a_request_cancelled_as_its_turn_comes_gives_it_back() -> None:
    async def body(slots: Slots) -> None:
        started: list[str] = []

        async def hold(name: str) -> None:
            async with slots.turn("a"):
                started.append(name)

        mine = slots.turn("a")
        await mine.__aenter__()
        second = asyncio.create_task(hold("second"))
        third = asyncio.create_task(hold("third"))
        await _settle()
        await mine.__aexit__(None, None, None)  # the turn goes to the second at once...
        second.cancel()  # ...which is cancelled before it runs
        await _settle()
        await third
        assert started == ["third"]
        with pytest.raises(asyncio.CancelledError):
            await second
        assert slots.in_flight == 0

    _run(body)


@pytest.mark.parametrize("seed", range(60))
def test_turns_are_never_over_a_limit_nor_idle_while_someone_could_go(seed: int) -> None:
    # Random servers, limits and requests; answers given back in a random order, a few at a time, and now and
    # then a waiting request given up. After each step: no limit exceeded, and as many requests run as the
    # limits allow for what is outstanding.
    rng = random.Random(seed)
    total, per_host = rng.randint(1, 6), rng.randint(1, 3)
    hosts = [f"h{n}" for n in range(rng.randint(1, 6))]
    wanted = [rng.choice(hosts) for _ in range(rng.randint(1, 40))]

    async def body(slots: Slots) -> None:
        gates: dict[int, asyncio.Event] = {}
        running: dict[int, str] = {}
        finished: list[int] = []

        async def request(n: int, host: str) -> None:
            async with slots.turn(host):
                running[n] = host
                gates[n] = asyncio.Event()
                await gates[n].wait()
                del running[n]
            finished.append(n)

        tasks = [asyncio.create_task(request(n, h)) for n, h in enumerate(wanted)]
        given_up: set[int] = set()
        while True:
            await _settle()
            outstanding = dict.fromkeys(hosts, 0)
            for n, h in enumerate(wanted):
                if n not in finished and n not in given_up:
                    outstanding[h] += 1
            per = {h: list(running.values()).count(h) for h in hosts}
            assert len(running) == slots.in_flight <= total
            assert all(per[h] <= per_host for h in hosts)
            assert len(running) == min(total, sum(min(per_host, n) for n in outstanding.values()))
            if not running:
                break
            waiting = [n for n in range(len(wanted)) if n not in running and n not in finished and n not in given_up]
            if waiting and rng.random() < 0.3:
                quitter = rng.choice(waiting)
                tasks[quitter].cancel()
                given_up.add(quitter)
            for n in rng.sample(sorted(running), rng.randint(1, len(running))):
                gates[n].set()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert sorted(finished + sorted(given_up)) == list(range(len(wanted)))
        assert slots.in_flight == 0

    _run(body, total, per_host)
