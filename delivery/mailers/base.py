"""What the send loop needs from a mailer, and what a mailer answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Verdict(StrEnum):
    ACCEPTED = "accepted"  # 2xx after DATA: the relay took responsibility
    TEMPORARY = "temporary"  # 4xx: try again later
    PERMANENT = "permanent"  # 5xx: the address (or message) is refused for good
    CONNECTION = "connection"  # dropped, refused or timed out: the message may not have been sent


@dataclass(frozen=True, slots=True)
class SendResult:
    verdict: Verdict
    code: int | None = None
    reply: str = ""

    @classmethod
    def from_code(cls, code: int, reply: str) -> SendResult:
        if 200 <= code < 300:
            return cls(Verdict.ACCEPTED, code, reply)
        if 400 <= code < 500:
            return cls(Verdict.TEMPORARY, code, reply)
        return cls(Verdict.PERMANENT, code, reply)


class Mailer(Protocol):
    """Hands one message to the mail system. The send loop calls it from one thread, ``concurrency`` messages per
    round (see :func:`send_round`); it must stay safe to call from several threads (test copies).

    Never raises for a refused or failed message: the answer says what happened, per recipient.
    """

    concurrency: int

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult: ...

    def close(self) -> None: ...


def send_round(
    mailer: Mailer,
    envelope_from: str,
    items: Sequence[tuple[str, bytes]],
    meanwhile: Callable[[], None] | None = None,
) -> list[SendResult]:
    """Up to ``mailer.concurrency`` messages at once: through the mailer's ``send_many`` when it has one (SMTP:
    one message per connection, from one thread), else one after the other. ``meanwhile`` runs once before any
    message of the round can be accepted (SMTP: while the relay reads the envelopes, before any message's end)."""
    many = getattr(mailer, "send_many", None)
    if many is not None:
        return list(many(envelope_from, items, meanwhile))
    if meanwhile is not None:
        meanwhile()
    return [mailer.send(envelope_from, rcpt, message) for rcpt, message in items]
