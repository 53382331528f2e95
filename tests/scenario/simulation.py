"""Running the real scheduler's jobs on a simulated clock, and a real SMTP server that records what it got.

The jobs come from ``relais.scheduler.planned_jobs`` with their APScheduler triggers; each step of the clock runs
every job with a fire time since its previous step, once (the production scheduler coalesces missed runs too).
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import FrozenClock
from relais import jobs
from relais.scheduler import planned_jobs
from relais.wiring import Services
from tests.live import free_port


@dataclass
class Planned:
    spec: jobs.JobSpec
    trigger: BaseTrigger
    next_at: datetime | None


class Scheduler:
    """The planned jobs over a :class:`FrozenClock`. Interval triggers are re-anchored at the simulation's start,
    as if the scheduler process had started then (APScheduler anchors them at the real current time)."""

    def __init__(self, services: Services, clock: FrozenClock) -> None:
        self.services, self.clock = services, clock
        self.runs: Counter[str] = Counter()
        jobs.attach(services)
        self.jobs: list[Planned] = []
        self.replan()

    def replan(self) -> None:
        start = self.clock.now()
        self.jobs = []
        for spec in planned_jobs(self.services):
            trigger = spec.trigger
            if isinstance(trigger, IntervalTrigger):
                trigger = IntervalTrigger(
                    seconds=int(trigger.interval.total_seconds()), start_date=start, timezone=trigger.timezone
                )
            self.jobs.append(Planned(spec, trigger, trigger.get_next_fire_time(None, start)))

    def advance_to(self, when: datetime) -> None:
        """Move the clock to ``when`` and run the jobs due since the last step, each once, in plan order."""
        self.clock.set(when)
        for job in self.jobs:
            if job.next_at is None or job.next_at > when:
                continue
            jobs.run(job.spec.action, **job.spec.kwargs)
            self.runs[job.spec.id] += 1
            fire = job.next_at
            while fire is not None and fire <= when:  # coalesce: one run for every missed fire time
                fire = job.trigger.get_next_fire_time(fire, when)
            job.next_at = fire


@dataclass
class Mailbox:
    """What an aiosmtpd server accepted, and the addresses it refuses with a 550 (a mailbox that closed)."""

    dead: set[str] = field(default_factory=set)
    messages: list[tuple[str, EmailMessage]] = field(default_factory=list)  # (recipient, message)
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.dead:
            with self.lock:
                self.refused[address] += 1
            return "550 5.1.1 <" + address + ">: Recipient address rejected: mailbox closed"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, msg))
        return "250 2.0.0 Ok: queued"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.messages if rcpt == address]

    def link(self, address: str, pattern: str) -> str:
        """The first link matching ``pattern`` in the latest message to ``address`` that has one."""
        for msg in reversed(self.to(address)):
            body = msg.get_body(("plain", "html"))
            found = re.search(pattern, body.get_content() if body else "")
            if found:
                return found.group(0)
        raise AssertionError(f"no link {pattern!r} in the mail of {address}")


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
