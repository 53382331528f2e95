"""Faults a send survives without a person, with real components: a throwaway PostgreSQL cluster stopped and
started mid-send, a local SMTP relay stopped for minutes, an outbox on a tiny filesystem that fills up.

Time is the frozen clock's: the loop's injected sleep advances it, and that same sleep is where the world comes
back (the cluster started, the relay restarted, the outbox emptied), so every scenario is deterministic.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from core.clock import FrozenClock
from core.errors import SendInterrupted
from core.model import DeliveryStatus, Item, ItemKind, ItemSource, ItemStatus, Source, SourceKind
from delivery.mailers.base import Mailer, SendResult
from delivery.mailers.outbox import OutboxMailer
from delivery.mailers.smtp import SmtpConfig, SmtpMailer
from delivery.outage import Fault, Outage, Patience, duration, survived
from delivery.send import SendConfig, SendContext, send_issue
from digest.service import DigestService
from storage.consistency import check
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.items import ItemRepository
from storage.locks import issue_send_lock
from storage.migrate import upgrade
from storage.networks import FIRST_NETWORK
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from storage.tables import SubscriberRow
from tests.delivery.fakes import T0, add_issue, context
from tests.delivery.smtp_servers import Handler
from tests.digest.digest_factory import network, subscriber, taxonomy
from tests.live import free_port
from tests.pg_cluster import Cluster, throwaway_cluster

ROOT = Path(__file__).resolve().parents[2]


class Relay:
    """An aiosmtpd relay on a fixed port, stopped and started again like a relay being restarted."""

    def __init__(self, handler: Handler) -> None:
        self.handler, self.port = handler, free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, decode_data=False)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Tripwire:
    """The real mailer, with a hand on a switch: once ``at[0]`` messages went through it, ``action`` runs in the
    sending thread (the database stopped, the relay stopped), before the loop sees the round's results."""

    def __init__(self, inner: Mailer, at: list[int], action: Callable[[int], None]) -> None:
        self.inner, self.at, self.action, self.count = inner, at, action, 0
        self.concurrency = inner.concurrency

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        return self.send_many(envelope_from, [(recipient, message)])[0]

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        upcoming: Callable[[], Sequence[str]] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        results = self.inner.send_many(envelope_from, items, meanwhile, upcoming, afterwards)
        self.count += sum(r.verdict == "accepted" for r in results)
        while self.at and self.count >= self.at[0]:
            self.action(self.at.pop(0))
        return results

    def close(self) -> None:
        self.inner.close()


def _subscribers(db: Database, n: int) -> set[str]:
    emails = [f"membre{i}@asso{i % 40}.fr" for i in range(n)]
    with db.session() as s:
        s.add_all(
            SubscriberRow(
                network_id=FIRST_NETWORK,
                email=e,
                status="confirmed",
                preferences={"streams": ["newsletter"]},
                locale="fr",
                soft_bounces=0,
                token_version=0,
            )
            for e in emails
        )
    return set(emails)


def _sleeper(ctx: SendContext, clock: FrozenClock, on_wait: Callable[[float], None]) -> None:
    def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        on_wait(seconds)

    ctx.sleep = sleep


def _ledger_facts(db: Database, issue: int) -> tuple[Counter[DeliveryStatus], set[str], set[int]]:
    with db.session() as s:
        ledger = DeliveryRepository(s).ledger(issue)
        problems = check(s)
    assert problems == []  # what `relais db check` checks
    statuses = Counter(e.delivery.status for e in ledger)
    flagged = {e.delivery.email for e in ledger if e.requeued_after_crash}
    return statuses, flagged, {e.delivery.attempts for e in ledger}


# --- PostgreSQL restarted mid-send -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as c:
        yield c


@pytest.fixture
def pg(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[Database]:
    if not cluster.running():
        cluster.start()
    db = Database(cluster.create_database(request.node.name.split("[")[0][-60:].lower()))
    upgrade(db)
    yield db
    db.dispose()


N_PG = 1_200


def test_postgresql_restarted_twice_mid_send_the_send_goes_on_without_duplicates(
    cluster: Cluster, pg: Database, clock: FrozenClock
) -> None:
    emails = _subscribers(pg, N_PG)
    issue = add_issue(pg)
    handler = Handler()
    relay = Relay(handler)
    relay.start()
    others: list[bool] = []  # whether another sender could take the issue's lock after a restart

    def trip(at: int) -> None:
        if at == 600:  # after the first restart: the lock was taken back, no second sender gets it
            probe = Database(cluster.url(pg.engine.url.database or ""))
            with issue_send_lock(probe, issue) as other:
                others.append(bool(other))
            probe.dispose()
        else:  # 300: mid-batch (the next round's commit fails); 800: a batch's last round (its commit fails)
            cluster.stop()

    waits: list[float] = []

    def on_wait(seconds: float) -> None:  # the database comes back on the third try
        waits.append(seconds)
        if not cluster.running() and len(waits) % 3 == 0:
            cluster.start()

    mailer = Tripwire(SmtpMailer(SmtpConfig("127.0.0.1", relay.port, timeout=10, connections=4)), [300, 600, 800], trip)
    ctx = context(pg, mailer, clock)
    _sleeper(ctx, clock, on_wait)
    try:
        report = send_issue(ctx, issue)
    finally:
        mailer.close()
        relay.stop()

    assert report.outcome == "sent"
    assert report.outages == {Fault.DATABASE: 2} and waits == [1.0, 2.0, 4.0, 1.0, 2.0, 4.0]
    assert others == [False]  # the sender held its lock again after the restart
    got = Counter(r.recipient for r in handler.received)
    assert set(got) == emails  # nobody missing
    assert [e for e, n in got.items() if n > 1] == []  # and nobody twice: the outcomes held in memory were written
    statuses, flagged, attempts = _ledger_facts(pg, issue)
    assert statuses == Counter({DeliveryStatus.ACCEPTED: N_PG})
    assert flagged == set() and attempts == {1}  # rows claimed but not sent went back unflagged, attempt uncounted


def test_postgresql_gone_for_good_one_french_line_and_the_rerun_is_exact(
    cluster: Cluster, pg: Database, clock: FrozenClock
) -> None:
    emails = _subscribers(pg, 400)
    issue = add_issue(pg)
    handler = Handler()
    relay = Relay(handler)
    relay.start()
    mailer = Tripwire(
        SmtpMailer(SmtpConfig("127.0.0.1", relay.port, timeout=10, connections=4)), [200], lambda _: cluster.stop()
    )
    ctx = context(pg, mailer, clock, config=SendConfig(patience=Patience(give_up_after=120, max_delay=30)))
    _sleeper(ctx, clock, lambda _s: None)
    try:
        with pytest.raises(SendInterrupted) as stopped:
            send_issue(ctx, issue)
        message = str(stopped.value)
        assert "\n" not in message
        assert message.startswith(f"Envoi du numéro {issue} interrompu : la base de données ne répond plus depuis")
        assert message.endswith(f"relancez « relais digest send {issue} » une fois le problème réglé")
        unrecorded = stopped.value.params["unrecorded"]
        assert 1 <= unrecorded <= 4  # the round accepted while the database went: at most one per connection

        cluster.start()  # a person runs the send again
        pg.dispose()
        again = SmtpMailer(SmtpConfig("127.0.0.1", relay.port, connections=4))
        rerun = send_issue(context(pg, again, clock), issue)
        again.close()
    finally:
        mailer.close()
        relay.stop()
    assert rerun.outcome == "sent"
    got = Counter(r.recipient for r in handler.received)
    assert set(got) == emails
    duplicates = {e for e, n in got.items() if n > 1}
    assert len(duplicates) == unrecorded  # exactly what the line said
    statuses, flagged, _ = _ledger_facts(pg, issue)
    assert statuses == Counter({DeliveryStatus.ACCEPTED: 400}) and duplicates <= flagged


def test_postgresql_down_when_the_send_starts_it_waits_then_freezes_and_sends(
    cluster: Cluster, pg: Database, clock: FrozenClock
) -> None:
    emails = _subscribers(pg, 50)
    issue = add_issue(pg)
    handler = Handler()
    relay = Relay(handler)
    relay.start()
    cluster.stop()
    waits: list[float] = []

    def on_wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            cluster.start()

    mailer = SmtpMailer(SmtpConfig("127.0.0.1", relay.port, timeout=10, connections=2))
    ctx = context(pg, mailer, clock)
    _sleeper(ctx, clock, on_wait)
    try:
        report = send_issue(ctx, issue)
    finally:
        mailer.close()
        relay.stop()
    assert report.outcome == "sent" and report.frozen == 50
    assert report.outages == {Fault.DATABASE: 1} and waits == [1.0, 2.0] and report.waited == 3.0
    assert Counter(r.recipient for r in handler.received) == Counter(emails)


def test_after_a_restart_a_sender_whose_lock_was_taken_stops_and_the_taker_finishes_alone(
    cluster: Cluster, pg: Database, clock: FrozenClock
) -> None:
    emails = _subscribers(pg, 600)
    issue = add_issue(pg)
    handler = Handler()
    relay = Relay(handler)
    relay.start()
    other = Database(cluster.url(pg.engine.url.database or ""))
    taken = ExitStack()

    def on_wait(seconds: float) -> None:  # the database is back, and another loop takes the issue first
        if not cluster.running():
            cluster.start()
            assert taken.enter_context(issue_send_lock(other, issue))

    mailer = Tripwire(
        SmtpMailer(SmtpConfig("127.0.0.1", relay.port, timeout=10, connections=4)), [300], lambda _: cluster.stop()
    )
    ctx = context(pg, mailer, clock)
    _sleeper(ctx, clock, on_wait)
    try:
        first = send_issue(ctx, issue)
        assert first.outcome == "sending_elsewhere"  # it wrote what it sent, and left the rest to the holder
        with pg.session() as s:
            assert DeliveryRepository(s).counts(issue)[DeliveryStatus.ACCEPTED] >= 300
        taken.close()  # the other loop: it holds the lock, and sends (here, a second run of the same function)
        again = SmtpMailer(SmtpConfig("127.0.0.1", relay.port, connections=4))
        second = send_issue(context(other, again, clock), issue)
        again.close()
    finally:
        taken.close()
        other.dispose()
        mailer.close()
        relay.stop()
    assert second.outcome == "sent"
    got = Counter(r.recipient for r in handler.received)
    assert set(got) == emails and max(got.values()) == 1


# --- the SMTP relay gone for minutes ---------------------------------------------------------------------------


def test_the_relay_stopped_for_minutes_mid_send_the_send_waits_and_goes_on(db: Database, clock: FrozenClock) -> None:
    emails = _subscribers(db, 300)
    issue = add_issue(db)
    handler = Handler()
    relay = Relay(handler)
    relay.start()
    down: list[float] = []

    def on_wait(seconds: float) -> None:  # back after four simulated minutes
        down.append(seconds)
        if relay.controller is None and sum(down) >= 240:
            relay.start()

    mailer = Tripwire(
        SmtpMailer(SmtpConfig("127.0.0.1", relay.port, timeout=5, connections=3)), [100], lambda _: relay.stop()
    )
    ctx = context(db, mailer, clock)
    _sleeper(ctx, clock, on_wait)
    try:
        report = send_issue(ctx, issue)
    finally:
        mailer.close()
        relay.stop()
    assert report.outcome == "sent"
    assert report.outages == {Fault.RELAY: 1} and report.waited >= 240
    assert max(down) == 30  # [mail] reconnect_max_delay_seconds
    got = Counter(r.recipient for r in handler.received)
    assert set(got) == emails and max(got.values()) == 1
    statuses, flagged, attempts = _ledger_facts(db, issue)
    assert statuses == Counter({DeliveryStatus.ACCEPTED: 300}) and flagged == set()
    # Only the round on the connections the stop cut counts a second attempt; the minutes of refused connections
    # count none (before, each refusal was an attempt: five, and the rows ended failed).
    assert attempts <= {1, 2}


def test_a_relay_gone_for_good_one_french_line_nothing_left_in_flight_and_the_rerun_is_exact(
    db: Database, clock: FrozenClock
) -> None:
    emails = _subscribers(db, 120)
    issue = add_issue(db)
    handler = Handler()
    relay = Relay(handler)
    relay.start()
    mailer = Tripwire(
        SmtpMailer(SmtpConfig("127.0.0.1", relay.port, timeout=5, connections=3)), [60], lambda _: relay.stop()
    )
    ctx = context(db, mailer, clock, config=SendConfig(patience=Patience(give_up_after=300, max_delay=30)))
    _sleeper(ctx, clock, lambda _s: None)
    try:
        with pytest.raises(SendInterrupted) as stopped:
            send_issue(ctx, issue)
        assert str(stopped.value) == (
            f"Envoi du numéro {issue} interrompu : le relais SMTP ne prend plus aucun message depuis 5 minutes ; "
            f"relancez « relais digest send {issue} » une fois le problème réglé"
        )
        with db.session() as s:
            counts = DeliveryRepository(s).counts(issue)
        assert counts[DeliveryStatus.SENDING] == 0  # what was claimed and not sent went back to the queue
        assert counts[DeliveryStatus.ACCEPTED] >= 60
        relay.start()
        again = SmtpMailer(SmtpConfig("127.0.0.1", relay.port, connections=3))
        rerun = send_issue(context(db, again, clock), issue)
        again.close()
    finally:
        mailer.close()
        relay.stop()
    assert rerun.outcome == "sent" and rerun.requeued == 0
    got = Counter(r.recipient for r in handler.received)
    assert set(got) == emails and max(got.values()) == 1
    statuses, flagged, _ = _ledger_facts(db, issue)
    assert statuses == Counter({DeliveryStatus.ACCEPTED: 120}) and flagged == set()


# --- the outbox's disk full --------------------------------------------------------------------------------------


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 192 KB tmpfs (mounting needs root: the tests run as root here and in CI)."""
    where = Path(tempfile.mkdtemp(prefix="relais-tinydisk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=192k,mode=0700", "tmpfs", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'mount failed'}): needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        where.rmdir()


def test_the_outbox_disk_fills_up_the_send_waits_for_room_and_goes_on(
    db: Database, clock: FrozenClock, tiny_disk: Path, tmp_path: Path
) -> None:
    emails = _subscribers(db, 150)
    issue = add_issue(db)
    outbox, picked = tiny_disk / "outbox", tmp_path / "picked"
    picked.mkdir()
    full_for: list[float] = []

    def on_wait(seconds: float) -> None:  # room again after two simulated minutes: the files are taken away
        full_for.append(seconds)
        if sum(full_for) >= 120:
            full_for.clear()
            for f in outbox.glob("*.eml"):
                shutil.move(f, picked / f.name)

    ctx = context(db, OutboxMailer(outbox), clock)
    _sleeper(ctx, clock, on_wait)
    report = send_issue(ctx, issue)
    assert report.outcome == "sent"
    assert report.outages.get(Fault.OUTBOX, 0) >= 2  # 150 messages do not fit in 192 KB even twice
    files = [*picked.glob("*.eml"), *outbox.glob("*.eml")]
    assert len(files) == 150 and list(outbox.glob("*.tmp")) == []  # no half-written message left behind
    recipients = {line.split(": ", 1)[1] for f in files for line in f.read_text().splitlines()[:2] if "To:" in line}
    assert recipients == emails
    statuses, flagged, attempts = _ledger_facts(db, issue)
    assert statuses == Counter({DeliveryStatus.ACCEPTED: 150}) and flagged == set()
    assert attempts == {1}  # waiting for room counts no attempt (before: deferred 5 min, 10, 20… then failed)


# --- what a person sees ----------------------------------------------------------------------------------------


def test_relais_digest_send_gives_up_with_one_french_line_and_no_traceback(tmp_path: Path, clock: FrozenClock) -> None:
    db = Database(f"sqlite:///{tmp_path / 'relais.db'}")
    upgrade(db)
    with db.session() as s:  # a real newsletter the real segmenter gives to three real subscribers
        src = SourceRepository(s).save(Source("AMP", "https://amp.example/rss", SourceKind.FEED, ItemKind.CALL))
        item = Item(ItemKind.CALL, "Appel à projets", status=ItemStatus.APPROVED, approved_at=clock.now())
        item.collected_at, item.url = clock.now(), "https://amp.example/a"
        item.sources = [ItemSource(source_id=src.id or 0, source_item_id="a")]
        ItemRepository(s).add(item)
        for n in range(3):
            sub = subscriber(n)
            sub.id = None
            SubscriberRepository(s).save(sub)
    issue = DigestService(db=db, clock=clock, network=network(), taxonomy=taxonomy()).build_newsletter().id
    db.dispose()
    closed = free_port()  # nothing listens there
    (tmp_path / "config.toml").write_text(
        '[database]\nurl = "sqlite:///relais.db"\n'
        '[mail]\nbackend = "smtp"\ngive_up_after_seconds = 1.5\nreconnect_max_delay_seconds = 1\n'
        f'[mail.smtp]\nhost = "127.0.0.1"\nport = {closed}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    cmd = [
        sys.executable,
        "-m",
        "relais",
        "--config",
        str(tmp_path / "config.toml"),
        "digest",
        "send",
        str(issue),
        "-y",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    said = [line for line in out.stderr.splitlines() if line.startswith("erreur")]  # the rest is the log
    assert said == [
        f"erreur : Envoi du numéro {issue} interrompu : le relais SMTP ne prend plus aucun message depuis 2 "
        f"secondes ; relancez « relais digest send {issue} » une fois le problème réglé"
    ]


def test_the_words_of_an_outage() -> None:
    assert duration(45) == "45 secondes" and duration(1) == "1 seconde" and duration(300) == "5 minutes"
    assert duration(90) == "90 secondes" and duration(150) == "2 minutes 30"
    assert survived({}, 0) == ""
    assert survived({Fault.DATABASE: 2, Fault.RELAY: 1}, 200) == (
        "repris sans intervention : la base de données perdue 2 fois, le relais SMTP injoignable 1 fois "
        "(3 minutes 20 d'attente)"
    )
    outage = Outage(Fault.RELAY, T0)
    delays: list[float] = []
    while d := outage.next_delay(Patience(give_up_after=100, max_delay=30), T0 + timedelta(seconds=sum(delays))):
        delays.append(d)
    assert delays == [1, 2, 4, 8, 16, 30, 30, 9]  # doubling, capped, the last one cut to give up on time
