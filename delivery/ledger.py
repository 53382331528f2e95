"""Who gets an issue, decided once: the pure rules of the ledger.

The orchestrator (:func:`delivery.send.send_issue`) freezes :func:`plan` into rows in one transaction; the same
:func:`still_eligible` rule is applied again just before each message leaves.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.model import Delivery, DeliveryStatus, IssueKind, Stream, Subscriber, SubscriberStatus
from delivery.mailers.base import SendResult, Verdict

STREAM_OF = {
    IssueKind.NEWSLETTER: Stream.NEWSLETTER,
    IssueKind.EMAILING: Stream.EMAILING,
    IssueKind.ALERT: Stream.ALERT,
}


def message_id(issue_id: int, subscriber_id: int, *, secret: str, domain: str) -> str:
    """``<relais.{issue}.{subscriber}.{hmac8}@{domain}>``: the same message keeps the same id when resent, and
    the hmac keeps outsiders from forging ids that point at someone else."""
    mac = hmac.new(secret.encode(), f"{issue_id}.{subscriber_id}".encode(), hashlib.sha256).hexdigest()[:8]
    return f"<relais.{issue_id}.{subscriber_id}.{mac}@{domain}>"


def still_eligible(sub_status: str, streams: Iterable[str], stream: Stream, suppressed: bool) -> bool:
    """Confirmed, still wants this stream, not on the suppression list."""
    return sub_status == SubscriberStatus.CONFIRMED and str(stream) in {str(s) for s in streams} and not suppressed


def plan(
    issue_id: int,
    stream: Stream,
    subscribers: Iterable[Subscriber],
    *,
    segment_of: Callable[[Subscriber], str | None],
    is_suppressed: Callable[[str], bool],
    message_id_of: Callable[[int], str],
    now: datetime,
) -> list[Delivery]:
    """One queued delivery per eligible subscriber with a non-empty segment, in subscriber order."""
    out = []
    for sub in subscribers:
        if sub.id is None or not still_eligible(sub.status, sub.preferences.streams, stream, is_suppressed(sub.email)):
            continue
        segment = segment_of(sub)
        if segment is None:
            continue
        out.append(
            Delivery(
                issue_id=issue_id,
                subscriber_id=sub.id,
                email=sub.email,
                segment=segment,
                message_id=message_id_of(sub.id),
                queued_at=now,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to write in the ledger for one attempt."""

    delivery_id: int
    status: DeliveryStatus
    code: int | None
    reply: str
    finished_at: datetime | None
    next_attempt_at: datetime | None
    bounce: bool = False  # a 5xx: tell the BounceSink


def backoff(attempts: int, *, base: timedelta = timedelta(minutes=5), cap: timedelta = timedelta(hours=4)) -> timedelta:
    """5 min, 10, 20, 40… capped: relays that greylist want minutes, not seconds."""
    return min(cap, base * int(2 ** max(0, attempts - 1)))


def decide(delivery_id: int, result: SendResult, *, attempts: int, max_attempts: int, now: datetime) -> Outcome:
    """4xx → deferred (with backoff) until ``max_attempts``, then failed; 5xx → bounced, no retry; a lost
    connection → deferred for an immediate retry (it counts as an attempt, so a dead relay ends in failed)."""
    reply = (f"{result.code} " if result.code else "") + result.reply
    if result.verdict is Verdict.ACCEPTED:
        return Outcome(delivery_id, DeliveryStatus.ACCEPTED, result.code, reply, now, None)
    if result.verdict is Verdict.PERMANENT:
        return Outcome(delivery_id, DeliveryStatus.BOUNCED, result.code, reply, now, None, bounce=True)
    if attempts >= max_attempts:
        return Outcome(delivery_id, DeliveryStatus.FAILED, result.code, f"gave up after {attempts}: {reply}", now, None)
    wait = timedelta(0) if result.verdict in (Verdict.CONNECTION, Verdict.UNAVAILABLE) else backoff(attempts)
    return Outcome(delivery_id, DeliveryStatus.DEFERRED, result.code, reply, None, now + wait)
