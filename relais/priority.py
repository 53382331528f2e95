"""Which requests a web worker serves first: a one-click unsubscribe at once, every other page in turns.

A subscriber's one-click unsubscribe (RFC 8058, sent by mail providers in bursts right after a send) is one
conditional UPDATE and one consent row: 8-10 ms of a worker's time. Measured with ``python -m bench load`` (50
clients, a send meanwhile, PostgreSQL), it was answered in 200-500 ms, like a triage page: every request did its
database work inline on the worker's event loop, so each PostgreSQL round trip of any page blocked the loop (a
watchdog thread sampling the loop whenever it was away for more than 100 ms found it waiting on the server in a
triage page, an account lookup, a sign-up's INSERT or COMMIT, almost every time).

:class:`Lanes`:

- **at once**: the one-click (``POST /unsubscribe/{token}``; the unsubscribe page's buttons too, the same two
  statements) and ``/healthz`` (a monitor must see a busy server alive) never wait, and do their database work
  inline: nothing is left on the loop to wait for;
- **in turns**: every other request (editors' pages, sign-ups, preferences…): at most :data:`AT_ONCE` of them run
  at a time in a worker, first come first served. A turn ends when the answer is made: neither sending it to a
  slow client nor the work after it (an email) holds the next page back.

While one-clicks arrive (one in the last :data:`ONE_CLICK_WINDOW`), the pages in turns do their database work in
a thread (``admin.web.DATABASE_INLINE``): the loop stays free for the next one-click while a page waits on the
server. Otherwise they do it inline, as before: a thread hand-off costs every page (``python -m bench triage``, 8
clients, one run each: 166 -> 114 req/s on SQLite, 145 -> 126 on PostgreSQL with every page in a thread), and an
editors' day without a send has no one-click to make room for.

Measured with the tree before (``docs/load.md``): the one-click's p95 524-740 ms before, 45-78 ms on PostgreSQL
and 40-198 ms on SQLite after (its write still waits for SQLite's single writer), requests per second within the
runs' noise. The pages in turns wait a little longer instead (the same work, in another order).

:func:`tune_worker` shortens the GIL's switch interval in each worker (:data:`WORKER_SWITCH_INTERVAL`): the loop
gets the GIL back soon after each database round trip, even while a background thread works.
:func:`relais.heap.freeze_startup` keeps what a worker built before serving out of the garbage collector's walks.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.web import DATABASE_INLINE

AT_ONCE = 2  # two, so that one page's await (its form arriving) leaves the loop another page to run
ONE_CLICK_WINDOW = 10.0  # seconds: mail providers' one-clicks come in bursts after a send

# How long a thread that wants the GIL waits before the holder must give it up (CPython's default: 5 ms). A web
# worker's event loop lets go of the GIL at every PostgreSQL round trip (and SQLite call); a background thread (the
# email made after a sign-up's answer, the proposals' check after an approval) takes it, and the loop, whose
# answer is already there, waited up to 5 ms to get it back, once per round trip: under bench load a PostgreSQL
# round trip cost the loop 2.5-3.5 ms instead of 0.04. At 1 ms the loop waits at most that.
WORKER_SWITCH_INTERVAL = 0.001


def tune_worker() -> None:
    """Settings of a web worker process, before it serves (see :data:`WORKER_SWITCH_INTERVAL`)."""
    sys.setswitchinterval(WORKER_SWITCH_INTERVAL)


class Lanes:
    """The worker's ASGI app behind its two lanes (see the module)."""

    def __init__(
        self, app: ASGIApp, at_once: int = AT_ONCE, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.app, self.at_once, self.monotonic = app, at_once, monotonic
        self._turns: asyncio.Semaphore | None = None  # made in the worker's own event loop, on first use
        self._one_click_at = -ONE_CLICK_WINDOW  # when this worker last answered a one-click

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or at_once(scope):
            if scope["type"] == "http" and scope.get("method") == "POST":
                self._one_click_at = self.monotonic()
            await self.app(scope, receive, send)
            return
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.at_once)
        turns = self._turns
        await turns.acquire()
        one_clicks = self.monotonic() - self._one_click_at < ONE_CLICK_WINDOW
        inline = DATABASE_INLINE.set(not one_clicks)  # while they come, a page's round trips leave them the loop
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                turns.release()

        async def answering(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # The page is made: neither its way to a slow client (a page over the transport's 64 KB waits
                # for the client to read) nor the work after the answer (background tasks) holds a turn.
                release()
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            release()
            DATABASE_INLINE.reset(inline)


def at_once(scope: Scope) -> bool:
    """The one-click and the health check: ``POST /unsubscribe/{token}`` and ``/healthz``, also under a network's
    path of its own (``/prefix/unsubscribe/{token}``, one segment)."""
    route = scope["path"].split("/")[1:]
    if len(route) > 1 and route[0] not in ("unsubscribe", "healthz"):
        route = route[1:]  # a network's path prefix
    if route == ["healthz"]:
        return True
    return scope.get("method") == "POST" and len(route) == 2 and route[0] == "unsubscribe" and route[1] != ""
