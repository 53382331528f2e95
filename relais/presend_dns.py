"""The sender's DNS checks (:func:`relais.sender_dns.check_sender_dns`) for the pages before a send: time-boxed and
kept a few minutes, so that a page never waits on a resolver that does not answer.

    ask: fresh answer kept? -> it | else check in a worker thread | wait at most ``budget`` seconds
         | finished: keep and return its findings | not yet: « non vérifié » now, the answer kept when it comes

The web layer receives this object as a seam (``WebContext.sender_dns``) and shows what it returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.settings import Settings
from delivery.dns_checks import Finding, Level
from figures.issue_reports import before_next_send
from relais.sender_dns import check_sender_dns
from storage.database import Database

BUDGET_SECONDS = 2.0  # what a page waits for the DNS at most
KEEP = timedelta(minutes=10)  # an answer is reused this long (the records change rarely; `relais mail check` asks anew)


@dataclass(frozen=True, slots=True)
class DnsVerdict:
    findings: list[Finding]
    checked_at: datetime | None  # None: not checked (still waiting for the DNS)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.ERROR]


class PresendDns:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        budget: float = BUDGET_SECONDS,
        check: Callable[[Settings], Sequence[Finding]] = check_sender_dns,
    ) -> None:
        self.settings, self.clock, self.budget, self._check = settings, clock, budget, check
        self._lock = threading.Lock()
        self._kept: DnsVerdict | None = None
        self._running: threading.Thread | None = None

    def __call__(self) -> DnsVerdict:
        now = self.clock.now()
        with self._lock:
            kept = self._kept
            if kept is not None and kept.checked_at is not None and now - kept.checked_at < KEEP:
                return kept
            worker = self._running
            if worker is None or not worker.is_alive():
                worker = self._running = threading.Thread(target=self._run, name="relais-presend-dns", daemon=True)
                worker.start()
        worker.join(self.budget)
        with self._lock:
            if self._kept is not None and self._kept is not kept:
                return self._kept
        return DnsVerdict([self._unanswered()], None)

    def _run(self) -> None:
        try:
            findings = list(self._check(self.settings))
        except Exception as exc:  # a broken check must say so on the page, never break it
            findings = [
                Finding(Level.WARNING, "dns", f"non vérifié : la vérification a échoué ({exc.__class__.__name__})")
            ]
        with self._lock:
            self._kept = DnsVerdict(findings, self.clock.now())

    def _unanswered(self) -> Finding:
        servers = ", ".join(self.settings.mail.dns_servers) or "le résolveur du système"
        return Finding(
            Level.WARNING,
            "dns",
            f"SPF, DKIM, DMARC : non vérifié, {servers} n'a pas répondu en {self.budget:g} s ; vérifiez [mail] "
            "dns_servers et le réseau, ou lancez relais mail check",
        )


def presend_lines(settings: Settings, clock: Clock, db: Database, issue_id: int, *, budget: float = 5.0) -> list[str]:
    """What ``relais digest send`` prints before asking: the warnings of the issue sent last, then the sender's
    DNS findings (one line each, in French)."""
    _, warnings = before_next_send(db, issue_id)
    lines = [f"Envoi précédent : {w}" for w in warnings]
    verdict = PresendDns(settings, clock, budget=budget)()
    return lines + [f"DNS de l'expéditeur : {f}" for f in verdict.findings]
