"""Each web worker answers a one-click unsubscribe at once: every other page takes turns, at most two at a time."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from admin.web import blocking
from relais.priority import (
    ONE_CLICK_WINDOW,
    WORKER_SWITCH_INTERVAL,
    Lanes,
    at_once,
    tune_worker,
)


class Pages:
    """An app whose admin pages wait until told to answer, then keep working after their answer."""

    def __init__(self) -> None:
        self.running: list[str] = []
        self.answer: dict[str, asyncio.Event] = {}
        self.after_answer = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        self.running.append(path)
        if not path.startswith(("/unsubscribe", "/healthz")):
            await self.answer.setdefault(path, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        if path == "/admin/slow-after":
            await self.after_answer.wait()  # a background task: the answer is out already


def request(gate: Lanes, path: str, sent: list[Message], method: str = "GET") -> asyncio.Task[None]:
    scope: dict[str, Any] = {"type": "http", "path": path, "method": method}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    return asyncio.ensure_future(gate(scope, receive, send))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_one_click_passes_while_every_other_page_takes_turns() -> None:
    async def scenario() -> None:
        pages = Pages()
        gate = Lanes(pages, at_once=2)
        sent: list[Message] = []
        first, second = (request(gate, f"/admin/items/{n}", sent) for n in (1, 2))
        signup = request(gate, "/subscribe", sent, "POST")
        await settle()
        assert pages.running == ["/admin/items/1", "/admin/items/2"]  # the sign-up waits for a turn
        one_click = request(gate, "/unsubscribe/token", sent, "POST")
        health = request(gate, "/healthz", sent)
        await settle()
        assert one_click.done() and health.done()  # not behind the pages
        assert pages.running[2:] == ["/unsubscribe/token", "/healthz"]
        page = request(gate, "/unsubscribe/token", sent)  # the page asking what to stop is a page
        await settle()
        assert not page.done() and "/subscribe" not in pages.running
        pages.answer.setdefault("/admin/items/1", asyncio.Event()).set()
        await settle()
        assert first.done() and pages.running[-1] == "/subscribe"  # an answer gives its turn to the next, in order
        for path in ("/admin/items/2", "/subscribe", "/unsubscribe/token"):
            pages.answer.setdefault(path, asyncio.Event()).set()
        await asyncio.gather(second, signup, page)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/unsubscribe/abc", True),
        ("POST", "/reseau-a/unsubscribe/abc", True),  # a network under a path of its own
        ("GET", "/healthz", True),
        ("GET", "/reseau-a/healthz", True),
        ("GET", "/unsubscribe/abc", False),  # the page a person reads
        ("POST", "/unsubscribe/", False),
        ("POST", "/unsubscribe/abc/more", False),
        ("POST", "/a/b/unsubscribe/abc", False),  # a prefix is one segment
        ("POST", "/subscribe", False),
        ("POST", "/admin/items/3/approve", False),
        ("GET", "/healthz/x", False),
        ("GET", "/", False),
    ],
)
def test_what_is_answered_at_once(method: str, path: str, expected: bool) -> None:
    assert at_once({"type": "http", "method": method, "path": path}) is expected


def test_a_turn_ends_with_the_answer_not_with_the_work_after_it() -> None:
    async def scenario() -> None:
        pages = Pages()
        gate = Lanes(pages, at_once=1)
        sent: list[Message] = []
        pages.answer["/admin/slow-after"] = asyncio.Event()
        pages.answer["/admin/slow-after"].set()
        slow = request(gate, "/admin/slow-after", sent)
        await settle()
        assert not slow.done()  # still working after its answer
        pages.answer["/admin/next"] = asyncio.Event()
        pages.answer["/admin/next"].set()
        following = request(gate, "/admin/next", sent)
        await settle()
        assert following.done()  # had its turn meanwhile
        pages.after_answer.set()
        await slow

    asyncio.run(scenario())


def test_a_page_that_fails_gives_its_turn_back() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    async def scenario() -> None:
        gate = Lanes(failing, at_once=1)
        for _ in range(2):  # the second would wait for a turn forever (TimeoutError) if the first kept it
            with pytest.raises(RuntimeError, match="boom"):
                await asyncio.wait_for(gate({"type": "http", "path": "/admin/x"}, None, None), 5)  # type: ignore[arg-type]

    asyncio.run(scenario())


def test_a_slow_client_reading_its_page_holds_no_turn() -> None:
    async def scenario() -> None:
        drained = asyncio.Event()

        async def page(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"x" * 200_000})

        gate = Lanes(page, at_once=1)
        sent: list[Message] = []

        async def slow_send(message: Message) -> None:  # a big page to a client that reads slowly
            if message["type"] == "http.response.body":
                await drained.wait()
            sent.append(message)

        scope: dict[str, Any] = {"type": "http", "path": "/admin/items", "method": "GET"}
        slow = asyncio.ensure_future(gate(scope, None, slow_send))  # type: ignore[arg-type]
        await settle()
        fast: list[Message] = []
        following = request(gate, "/admin/items", fast)
        await settle()
        assert following.done() and not slow.done()  # served while the first page is still on its way
        drained.set()
        await slow
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]

    asyncio.run(scenario())


def test_a_worker_takes_the_gil_back_within_a_millisecond() -> None:
    before = sys.getswitchinterval()
    try:
        tune_worker()
        assert sys.getswitchinterval() == WORKER_SWITCH_INTERVAL <= 0.001 < before
    finally:
        sys.setswitchinterval(before)


def test_while_one_clicks_arrive_the_pages_do_their_database_work_off_the_loop() -> None:
    async def scenario() -> None:
        where: list[tuple[str, int]] = []
        now = [1000.0]

        async def page(scope: Scope, receive: Receive, send: Send) -> None:
            where.append((scope["path"], await blocking(threading.get_ident)))
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        gate = Lanes(page, monotonic=lambda: now[0])
        sent: list[Message] = []
        loop_thread = threading.get_ident()
        await request(gate, "/admin/items", sent)  # no one-click yet: inline, no hand-off to pay
        await request(gate, "/unsubscribe/token", sent, "POST")  # inline: nothing to wait for but itself
        await request(gate, "/admin/items", sent)  # now its round trips leave the loop to the next one-click
        now[0] += ONE_CLICK_WINDOW
        await request(gate, "/admin/items", sent)  # the burst is over: inline again
        assert [(path, thread == loop_thread) for path, thread in where] == [
            ("/admin/items", True),
            ("/unsubscribe/token", True),
            ("/admin/items", False),
            ("/admin/items", True),
        ]
        assert await blocking(threading.get_ident) == loop_thread  # outside the lanes (tests, scripts): inline

    asyncio.run(scenario())
