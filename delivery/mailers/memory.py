"""An in-memory mailer for tests: keeps what it was given, answers what it is told to."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from delivery.mailers.base import SendResult, Verdict, send_each


@dataclass(frozen=True, slots=True)
class Sent:
    envelope_from: str
    recipient: str
    message: bytes


@dataclass
class MemoryMailer:
    """``answer(recipient)`` decides the result; by default everything is accepted."""

    answer: Callable[[str], SendResult] = field(default=lambda _r: SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok"))
    concurrency: int = 1
    sent: list[Sent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        result = self.answer(recipient)
        if result.verdict is Verdict.ACCEPTED:
            with self._lock:
                self.sent.append(Sent(envelope_from, recipient, message))
        return result

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        upcoming: Callable[[], Sequence[str]] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        return send_each(self, envelope_from, items, meanwhile, afterwards)

    def close(self) -> None:
        pass
