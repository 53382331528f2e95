"""Faults a send survives without a person: the database restarting, the SMTP relay gone, the outbox's disk full.

    fault ──> wait 1 s, 2 s, 4 s … (at most [mail] reconnect_max_delay_seconds between two tries)
          ──> the same work again once the database answers, or the mail system takes a message
          └─> still down after [mail] give_up_after_seconds: SendInterrupted, one French line saying how to resume

What to wait and when to give up is decided here, without I/O (:class:`Outage`); the send loop does the waiting
with its injected clock and sleep, so tests run a five-minute outage in no time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.errors import SendInterrupted
from delivery.mailers.base import SendResult


class Fault(StrEnum):
    DATABASE = "database"  # restarted, shut down, unreachable
    RELAY = "relay"  # the SMTP relay refuses connections or does not answer
    OUTBOX = "outbox"  # the outbox's filesystem is full


@dataclass(frozen=True, slots=True)
class Patience:
    give_up_after: float = 300.0  # seconds of one outage before the send stops
    max_delay: float = 30.0  # seconds between two tries, at most
    first_delay: float = 1.0


@dataclass(slots=True)
class Outage:
    """One outage, from its first failure to its end: each :meth:`next_delay` is one more wait."""

    fault: Fault
    since: datetime
    waits: int = 0

    def next_delay(self, patience: Patience, now: datetime) -> float | None:
        """Seconds to wait before the next try, or None when the outage has lasted ``give_up_after``. The last
        wait is cut so that the send gives up on time, not up to ``max_delay`` later."""
        left = patience.give_up_after - self.lasted(now)
        if left <= 0:
            return None
        delay = min(patience.max_delay, patience.first_delay * 2.0 ** min(self.waits, 30))
        self.waits += 1
        return min(delay, left)

    def lasted(self, now: datetime) -> float:
        return max(0.0, (now - self.since).total_seconds())


def mail_fault(result: SendResult) -> Fault:
    """The outbox says so in its reply (``delivery.mailers.outbox``); anything else is the relay."""
    return Fault.OUTBOX if result.reply.startswith("outbox ") else Fault.RELAY


_WHAT = {
    Fault.DATABASE: "la base de données ne répond plus",
    Fault.RELAY: "le relais SMTP ne prend plus aucun message",
    Fault.OUTBOX: "le disque de la boîte d'envoi est plein",
}


def duration(seconds: float) -> str:
    """« 45 secondes », « 5 minutes », « 1 minute 30 »: how long, in French, for a person."""
    s = round(seconds)
    if s < 120:
        return f"{s} seconde{'s' if s > 1 else ''}"
    m, rest = divmod(s, 60)
    return f"{m} minutes" + (f" {rest:02d}" if rest else "")


_LOST = {
    Fault.DATABASE: "la base de données perdue",
    Fault.RELAY: "le relais SMTP injoignable",
    Fault.OUTBOX: "le disque de la boîte d'envoi plein",
}


def survived(outages: Mapping[Fault, int], waited: float) -> str:
    """What a send went through without a person (empty when nothing): one French line for the end of a send."""
    if not outages:
        return ""
    parts = ", ".join(f"{_LOST[f]} {n} fois" for f, n in outages.items() if n)
    return f"repris sans intervention : {parts} ({duration(waited)} d'attente)"


def interrupted(issue_id: int, fault: Fault, lasted: float, unrecorded: int = 0) -> SendInterrupted:
    """The one line a person reads when the send gives up. ``unrecorded``: messages the relay accepted whose
    ledger rows could not be written; the next run sends them again (the ledger flags them)."""
    line = f"Envoi du numéro {issue_id} interrompu : {_WHAT[fault]} depuis {duration(lasted)}"
    if unrecorded:
        line += f" ({unrecorded} message(s) déjà partis n'ont pas pu être notés : ils repartiront)"
    return SendInterrupted(
        f"{line} ; relancez « relais digest send {issue_id} » une fois le problème réglé",
        issue=issue_id,
        fault=str(fault),
        seconds=round(lasted),
        unrecorded=unrecorded,
    )
