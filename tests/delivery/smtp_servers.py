"""Real SMTP servers for the tests (aiosmtpd on 127.0.0.1), each misbehaving in one way."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from tests.live import free_port


@dataclass
class Received:
    recipient: str
    message_id: str
    data: bytes


@dataclass
class Handler:
    """``on_rcpt(rcpt)`` / ``on_data(rcpt, n)`` may return a reply line to refuse, ``"drop"`` to close the
    connection before answering, or ``"hang"`` to never answer. ``n`` counts DATA commands for that recipient."""

    on_rcpt: Callable[[str], str | None] = lambda _r: None
    on_data: Callable[[str, int], str | None] = lambda _r, _n: None
    received: list[Received] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        reply = self.on_rcpt(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.attempts[rcpt] = n = self.attempts.get(rcpt, 0) + 1
        reply = self.on_data(rcpt, n)
        if reply == "drop":
            server.transport.close()
            return "421 closing"
        if reply == "hang":
            await asyncio.sleep(3)
            return "451 too late"
        if reply:
            return reply
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.compat32)
        with self.lock:
            self.received.append(Received(rcpt, str(msg["Message-ID"]), envelope.original_content))
        return "250 2.0.0 Ok: queued as test"


@contextmanager
def smtp_server(handler: Handler) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
