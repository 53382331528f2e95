"""Each web worker serves the public pages first: at most two editors' requests at a time run beside them."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from relais.priority import WORKER_SWITCH_INTERVAL, AdminGate, tune_worker


class Pages:
    """An app whose admin pages wait until told to answer, then keep working after their answer."""

    def __init__(self) -> None:
        self.running: list[str] = []
        self.answer: dict[str, asyncio.Event] = {}
        self.after_answer = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        self.running.append(path)
        if path.startswith("/admin"):
            await self.answer.setdefault(path, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        if path == "/admin/slow-after":
            await self.after_answer.wait()  # a background task: the answer is out already


def request(gate: AdminGate, path: str, sent: list[Message]) -> asyncio.Task[None]:
    scope: dict[str, Any] = {"type": "http", "path": path, "method": "GET"}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    return asyncio.ensure_future(gate(scope, receive, send))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_public_pages_pass_while_admin_pages_take_turns() -> None:
    async def scenario() -> None:
        pages = Pages()
        gate = AdminGate(pages, at_once=2)
        sent: list[Message] = []
        first, second, third = (request(gate, f"/admin/items/{n}", sent) for n in (1, 2, 3))
        await settle()
        assert pages.running == ["/admin/items/1", "/admin/items/2"]  # the third waits for a turn
        unsubscribe = request(gate, "/unsubscribe/token", sent)
        await settle()
        assert unsubscribe.done() and pages.running[-1] == "/unsubscribe/token"  # not behind the admin pages
        pages.answer.setdefault("/admin/items/1", asyncio.Event()).set()
        await settle()
        assert first.done() and pages.running[-1] == "/admin/items/3"  # an answer gives its turn to the next
        for n in (2, 3):
            pages.answer.setdefault(f"/admin/items/{n}", asyncio.Event()).set()
        await asyncio.gather(second, third)

    asyncio.run(scenario())


def test_a_turn_ends_with_the_answer_not_with_the_work_after_it() -> None:
    async def scenario() -> None:
        pages = Pages()
        gate = AdminGate(pages, at_once=1)
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
        gate = AdminGate(failing, at_once=1)
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

        gate = AdminGate(page, at_once=1)
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
