"""Which requests a web worker serves first: the public pages before the editors' pages.

A worker runs a request's database work and its page inline on its event loop (see ``admin.web.blocking``): while
one page is rendered, every other request of the worker waits, and each of its ``await`` points puts it behind
every request that became ready meanwhile. Under load an editors' triage page or approval is most of that work;
a subscriber's one-click unsubscribe (RFC 8058, sent by mail clients in bursts right after a send) is two
statements that waited behind whole rounds of them: measured with ``python -m bench load``, 3 ms of database work
answered in 400-900 ms.

:class:`AdminGate` lets at most :data:`ADMIN_AT_ONCE` editors' requests (``/admin``) run at a time in a worker;
the others wait their turn, first come first served, outside the event loop's queue, so that each round of the
loop runs at most that many admin pages beside the public requests. An admin request's turn ends when its answer
is made: neither sending it to the client nor the work after it (an email) holds the next page back. The total
work is the same: a worker only ever ran one piece of it at a time.

:func:`tune_worker` shortens the GIL's switch interval in each worker (:data:`WORKER_SWITCH_INTERVAL`): the loop
gets the GIL back soon after each database round trip, even while a background thread works.
"""

from __future__ import annotations

import asyncio
import sys

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_AT_ONCE = 2  # two, so that one page's await (its form arriving) leaves the loop another page to run

# How long a thread that wants the GIL waits before the holder must give it up (CPython's default: 5 ms). A web
# worker's event loop lets go of the GIL at every PostgreSQL round trip (and SQLite call); a background thread (the
# email made after a sign-up's answer, the proposals' check after an approval) takes it, and the loop, whose
# answer is already there, waited up to 5 ms to get it back, once per round trip: under bench load a PostgreSQL
# round trip cost the loop 2.5-3.5 ms instead of 0.04. At 1 ms the loop waits at most that.
WORKER_SWITCH_INTERVAL = 0.001


def tune_worker() -> None:
    """Settings of a web worker process, before it serves (see :data:`WORKER_SWITCH_INTERVAL`)."""
    sys.setswitchinterval(WORKER_SWITCH_INTERVAL)


class AdminGate:
    def __init__(self, app: ASGIApp, at_once: int = ADMIN_AT_ONCE) -> None:
        self.app, self.at_once = app, at_once
        self._turns: asyncio.Semaphore | None = None  # made in the worker's own event loop, on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.at_once)
        turns = self._turns
        await turns.acquire()
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


def _is_admin(path: str) -> bool:
    """``/admin...``, or ``/prefix/admin...`` for a network under a path of its own (one segment)."""
    if path == "/admin" or path.startswith("/admin/"):
        return True
    rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    return rest == "admin" or rest.startswith("admin/")
