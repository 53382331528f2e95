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
    CONNECTION = "connection"  # dropped or timed out mid-transaction: the message may have been sent
    # The mail system took nothing and cannot now (relay unreachable, outbox disk full): the message surely did
    # not go; the send loop waits for the mail system (``delivery.outage``) and sends the same message again.
    UNAVAILABLE = "unavailable"


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
    """Hands messages to the mail system. The send loop calls :meth:`send_many` from one thread, ``concurrency``
    messages per round; system emails and test copies call :meth:`send`. It must stay safe to call from several
    threads (a web request's confirmation email while a send runs).

    Never raises for a refused or failed message: the answer says what happened, per recipient.
    """

    concurrency: int

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult: ...

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        upcoming: Callable[[], Sequence[str]] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        """Up to ``concurrency`` messages at once, one result per ``(recipient, message)`` in order.
        ``meanwhile`` runs once before any message of the round can be accepted (SMTP: while the relay reads the
        messages' contents; the send loop commits the previous round's outcomes there). ``upcoming``, asked after
        it, may name the recipients of the next call's messages, for a mailer that can start them early (SMTP
        pipelining writes their envelopes with this round's ends); a mailer may ignore it. ``afterwards`` runs
        once every message is handed over, before the verdicts are read (SMTP: while the relay takes in their
        ends; the send loop composes its next round there)."""
        ...

    def close(self) -> None: ...


def send_each(
    mailer: Mailer,
    envelope_from: str,
    items: Sequence[tuple[str, bytes]],
    meanwhile: Callable[[], None] | None = None,
    afterwards: Callable[[], None] | None = None,
) -> list[SendResult]:
    """``send_many`` for a mailer that takes one message at a time (outbox, memory)."""
    if meanwhile is not None:
        meanwhile()
    results = [mailer.send(envelope_from, rcpt, message) for rcpt, message in items]
    if afterwards is not None:
        afterwards()
    return results
