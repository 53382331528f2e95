"""The sender's DNS checks as the pages ask them: time-boxed (a resolver that never answers gives « non vérifié »
at once, the answer is kept when it comes), and kept a few minutes instead of asked at every page."""

from __future__ import annotations

import threading
from datetime import timedelta

from core.clock import FrozenClock
from core.settings import Settings
from delivery.dns_checks import Finding, Level
from relais.presend_dns import KEEP, PresendDns
from tests.delivery.dns_server import dns_server, silent_server


def test_a_silent_resolver_is_not_checked_and_the_page_does_not_wait(clock: FrozenClock) -> None:
    settings = Settings()
    settings.network.from_address = "lettre@resacoop.example"
    with silent_server() as server:
        settings.mail.dns_servers, settings.mail.dns_timeout = [server], 0.2
        verdict = PresendDns(settings, clock, budget=0.05)()
    assert verdict.checked_at is None
    [finding] = verdict.findings
    assert finding.level is Level.WARNING and finding.message.startswith("SPF, DKIM, DMARC : non vérifié, 127.0.0.1:")


def test_a_late_answer_is_kept_for_the_next_page_then_asked_again(clock: FrozenClock) -> None:
    release, calls = threading.Event(), []

    def slow(_: Settings) -> list[Finding]:
        calls.append(1)
        release.wait(10)
        return [Finding(Level.ERROR, "dkim-dns", "aucune clé DKIM publiée")]

    dns = PresendDns(Settings(), clock, budget=0.01, check=slow)
    assert dns().checked_at is None
    release.set()
    assert dns._running is not None
    dns._running.join(10)
    kept = dns()
    assert kept.checked_at == clock.now() and [f.code for f in kept.blocking] == ["dkim-dns"]
    assert dns() is kept and len(calls) == 1
    clock.advance(KEEP + timedelta(seconds=1))
    dns.budget = 5.0
    assert dns().checked_at == clock.now() and len(calls) == 2


def test_the_configured_servers_are_asked(clock: FrozenClock) -> None:
    settings = Settings()
    settings.network.from_address = "lettre@resacoop.example"
    zone = {"resacoop.example": ["v=spf1 ip4:192.0.2.10 -all"], "_dmarc.resacoop.example": ["v=DMARC1; p=none"]}
    with dns_server(zone) as (server, resolver):
        settings.mail.dns_servers = [server]
        verdict = PresendDns(settings, clock, budget=10)()
    assert verdict.checked_at is not None and "resacoop.example" in resolver.asked
    said = {f.code: f for f in verdict.findings}
    assert said["spf"].level is Level.INFO and said["dmarc"].level is not Level.INFO
