"""Turns for the fetcher: at most ``total`` requests in flight, at most ``per_host`` to one server.

    take(host) | a free turn of the host and a shared one: go | else wait in the host's line
    give(host) | the same host's next request first | then the other hosts' lines, in turn

Two semaphores (shared, then the host's) made a request waiting for its server hold a shared slot: sixteen pages
of one site listed together kept every other server waiting. The host's first, then a shared one, made the busy
server's next request queue for a shared slot behind every other source after each answer, so its pages were
fetched last and the collection waited for them. Here a request holds nothing while it waits, a busy server
keeps its turns (a finished request hands its slot to the same server's next one), and free slots go to the
other servers' lines one server after the other.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Host:
    busy: int = 0
    line: deque[asyncio.Future[None]] = field(default_factory=deque)


class Slots:
    """``async with slots.turn(host):`` around each request. One event loop; not thread-safe."""

    def __init__(self, total: int, per_host: int) -> None:
        self.total, self.per_host = max(1, total), max(1, per_host)
        self.in_flight = 0
        self._hosts: dict[str, _Host] = {}
        self._waiting: deque[str] = deque()  # hosts with a line, in the order their turn comes

    @asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[None]:
        await self._take(host)
        try:
            yield
        finally:
            self._give(host)

    async def _take(self, host: str) -> None:
        h = self._hosts.setdefault(host, _Host())
        if not h.line and h.busy < self.per_host and self.in_flight < self.total:
            self._start(h)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not h.line and h.busy < self.per_host:  # at its limit, the server's own turns serve its line
            self._waiting.append(host)
        h.line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # given a turn, then cancelled before using it
                self._give(host)
            else:
                h.line.remove(waiter)
            raise

    def _start(self, h: _Host) -> None:
        h.busy += 1
        self.in_flight += 1

    def _give(self, host: str) -> None:
        h = self._hosts[host]
        h.busy -= 1
        self.in_flight -= 1
        self._next_in_line(h)  # the same server first: a server with many pages keeps its turns
        while self._waiting and self.in_flight < self.total:
            name = self._waiting.popleft()
            other = self._hosts.get(name)
            # A line that emptied since leaves; so does one whose server is at its own limit: each of its
            # requests that ends hands its turn to the next in that line (above).
            if other is None or not other.line or other.busy >= self.per_host:
                continue
            self._next_in_line(other)
            if other.line:
                self._waiting.append(name)  # its next request waits for the other servers' turns
        if not h.busy and not h.line:
            del self._hosts[host]

    def _next_in_line(self, h: _Host) -> None:
        while h.line and h.busy < self.per_host and self.in_flight < self.total:
            waiter = h.line.popleft()
            if not waiter.done():
                self._start(h)
                waiter.set_result(None)
                return
