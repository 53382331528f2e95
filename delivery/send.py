"""The send loop: the one orchestrator of delivery.

send_issue(issue)
  = start        draft/scheduled → sending: segment, freeze recipients (one transaction);
                 or, resuming: rows a crash left in ``sending`` → queued, flagged
  | compile      each segment serialised once (delivery.compose)
  | loop:  claim       a batch of queued rows above the checkpoint, or deferred rows now due
           | recheck   unsubscribed / suppressed meanwhile → skipped
           | pace      global and per-domain token buckets
           | compose   personal headers + placeholders, in bytes; DKIM: the heads handed to a signing worker,
                       a few rounds ahead (delivery.signing), signed while earlier rounds are sent
           | send      a round: one message per connection of the mailer's pool, from this one thread
           | decide    2xx accepted, 4xx deferred with backoff, 5xx bounced (BounceSink), lost → retry
           | record    the round's outcomes in one commit, while the relay reads the next round's envelopes
           | watch     staff pause/cancel, error threshold, sending window
  | finish       no row queued, sending or deferred → the issue is sent

Faults it survives without a person (``delivery.outage``): the database lost (a restart) — wait with backoff,
write the outcomes held in memory, hand back the rows claimed but not sent, take the send lock back (or stop if
another loop took it), go on; the relay unreachable or the outbox's disk full — wait with backoff and send the
same messages again. After ``[mail] give_up_after_seconds`` of one outage: :class:`SendInterrupted`, one French line.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.clock import Clock
from core.errors import InvalidInput
from core.model import Delivery, DeliveryStatus, IssueStatus, Stream, Subscriber
from core.states import move
from delivery.compose import CompiledSegment, Recipient, Sender, compile_all, personalise_unsigned
from delivery.dkim import Signer
from delivery.ledger import STREAM_OF, Outcome, decide, message_id, plan, still_eligible
from delivery.limits import RateLimiter
from delivery.mailers.base import Mailer, SendResult, Verdict
from delivery.outage import Fault, Outage, Patience, interrupted, mail_fault
from delivery.recorder import record
from delivery.seams import BounceSink, PersonalLinks, Segmentation, Segmenter
from delivery.signing import SigningPool, Ticket
from delivery.window import SendWindow
from storage.database import Database, is_outage
from storage.deliveries import DeliveryRepository, Pending
from storage.issues import IssueRepository
from storage.locks import SendLock, issue_send_lock
from storage.subscribers import email_hash

log = logging.getLogger("relais.delivery")


@dataclass(frozen=True, slots=True)
class SendConfig:
    max_attempts: int = 5
    error_threshold: float = 0.2  # share of bounced+failed among finished rows that pauses the issue
    error_min_sample: int = 20  # … once at least this many rows finished in this run
    rate_per_second: float = 0.0
    domain_rates: dict[str, float] = field(default_factory=dict)
    batch_size: int = 0  # rows claimed at once; 0: 40 rounds of the mailer's concurrency, at least 400
    window: SendWindow | None = None
    wait_for_retries: bool = True  # foreground: sleep until deferred rows are due; else return
    processes: int = 1  # >1: forked sender processes share the queue by row id (one Python process is GIL-bound)
    # DKIM signing workers per sender process (delivery.signing); None: on a machine with a second core, two for
    # RSA (its private-key operation is most of a message's CPU) and one for Ed25519; 0: sign in the sender
    signing_processes: int | None = None
    patience: Patience = field(default_factory=Patience)  # how long to wait for a lost database or mail system


@dataclass
class SendContext:
    """Everything the loop touches, injected (the composition root builds it: ``relais.wiring``)."""

    db: Database
    mailer: Mailer
    segmenter: Segmenter
    links: PersonalLinks
    bounces: BounceSink
    clock: Clock
    sender: Sender
    secret: str
    view_url: Callable[[int], str]
    config: SendConfig = field(default_factory=SendConfig)
    signer: Signer | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic


class SendOutcome(StrEnum):
    """How a call of :func:`send_issue` (or one sender process of it) ended."""

    SENT = "sent"  # nothing left queued, sending or deferred: the issue is sent
    PAUSED = "paused"  # by staff, or by the error threshold
    CANCELLED = "cancelled"  # by staff
    TOO_LATE = "too_late"  # past the issue's ``not_after``: cancelled before the first message
    OUTSIDE_WINDOW = "outside_window"  # the sending window is closed; the next run goes on
    WAITING_RETRY = "waiting_retry"  # only deferred rows are left, not due yet (background runs do not wait)
    SENDING_ELSEWHERE = "sending_elsewhere"  # another loop holds the issue's lock or its in-flight rows
    SHARD_DONE = "shard_done"  # a forked sender found nothing more to claim in its shard
    PARENT_GONE = "parent_gone"  # a forked sender whose parent died stopped claiming


@dataclass
class SendReport:
    issue_id: int
    outcome: SendOutcome
    counts: dict[DeliveryStatus, int]
    frozen: int = 0  # rows created by this run
    requeued: int = 0  # rows found in flight after a crash
    outages: dict[Fault, int] = field(default_factory=dict)  # outages survived, by fault
    waited: float = 0.0  # seconds spent waiting for the database or the mail system


Progress = Callable[[dict[DeliveryStatus, int]], None]


def send_issue(ctx: SendContext, issue_id: int, *, progress: Progress | None = None) -> SendReport:
    """Send (or resume sending) an issue to its frozen recipients. Safe to run again at any time, and from
    several places at once: one loop holds the issue's send lock, the others report ``sending_elsewhere``.
    Raises :class:`SendInterrupted` when the database or the mail system stays away too long."""
    survived, waited = 0, 0.0
    while True:  # a database lost before the loop runs (lock, freezing, rendering): wait, then start again
        try:
            with issue_send_lock(ctx.db, issue_id) as lock:
                if not lock:
                    return SendReport(issue_id, SendOutcome.SENDING_ELSEWHERE, _counts(ctx, issue_id))
                report = _send_locked(ctx, issue_id, progress, lock)
            if survived:
                report.outages[Fault.DATABASE] = report.outages.get(Fault.DATABASE, 0) + survived
                report.waited += waited
            return report
        except Exception as exc:
            if not is_outage(exc):
                raise
            outage = _lost(ctx, issue_id, exc)
            _wait_for_database(ctx, issue_id, outage)
            survived, waited = survived + 1, waited + outage.lasted(ctx.clock.now())


def _lost(ctx: SendContext, issue_id: int, exc: Exception) -> Outage:
    log.warning("delivery.database_lost", extra={"issue_id": issue_id, "error": str(exc).splitlines()[0][:300]})
    return Outage(Fault.DATABASE, ctx.clock.now())


def _wait_for_database(ctx: SendContext, issue_id: int, outage: Outage, unrecorded: int = 0) -> None:
    """Wait (backoff) until the database answers; give up after ``patience.give_up_after``."""
    while True:
        delay = outage.next_delay(ctx.config.patience, ctx.clock.now())
        if delay is None:
            log.error("delivery.interrupted", extra={"issue_id": issue_id, "fault": str(outage.fault)})
            raise interrupted(issue_id, outage.fault, outage.lasted(ctx.clock.now()), unrecorded)
        ctx.sleep(delay)
        try:
            ctx.db.ping()
            return
        except Exception as exc:
            if not is_outage(exc):
                raise


def _send_locked(ctx: SendContext, issue_id: int, progress: Progress | None, lock: SendLock) -> SendReport:
    started = _start(ctx, issue_id)
    if isinstance(started, SendReport):
        return started
    stream, frozen, requeued, segmentation = started
    if segmentation is None:  # resuming: the ledger is frozen, the segments are rendered again (once)
        segmentation = _segment(ctx, issue_id)
    segments = compile_all(dict(segmentation.segments), ctx.sender, stream, ctx.view_url)
    if ctx.config.processes > 1:
        _sharded(ctx, issue_id, stream, segments, progress)
    run = _Run(ctx, issue_id, stream, segments, progress, lock=lock)
    outcome = run.loop()
    return SendReport(issue_id, outcome, _counts(ctx, issue_id), frozen, requeued, run.outages, run.waited)


def _segment(ctx: SendContext, issue_id: int) -> Segmentation:
    """The confirmed subscribers, read once, segmented and rendered by the digest."""
    with ctx.db.session() as s:
        subscribers = DeliveryRepository(s).confirmed_subscribers(issue_id)
    return ctx.segmenter(issue_id, subscribers)


def _sharded(
    ctx: SendContext, issue_id: int, stream: Stream, segments: dict[str, CompiledSegment], progress: Progress | None
) -> None:
    """Fork ``processes`` senders, each taking the rows whose id falls in its shard, until none is left to claim
    now; the caller's own loop then handles retries and the end. A sender whose parent died stops claiming,
    finishes what it holds and exits, so a restarted send meets only its in-flight rows."""
    n = ctx.config.processes
    parent = os.getpid()

    def child(k: int) -> None:
        ctx.db.engine.dispose(close=False)  # the parent's pooled connections are not ours to use
        _Run(ctx, issue_id, stream, segments, None, shard=(k, n), parent=parent).loop()

    forking = multiprocessing.get_context("fork")
    procs = [forking.Process(target=child, args=(k,), daemon=True) for k in range(n)]
    for p in procs:
        p.start()
    while any(p.is_alive() for p in procs):
        for p in procs:
            p.join(timeout=0.25)
        if progress is not None:
            try:
                progress(_counts(ctx, issue_id))
            except Exception as exc:  # the children wait for the database themselves; so does this report
                if not is_outage(exc):
                    raise
    failed = [p.exitcode for p in procs if p.exitcode]
    if failed:
        log.error("delivery.shard_failed", extra={"issue_id": issue_id, "exit_codes": failed})
        with ctx.db.session() as s:  # rows a dead sender held: back to the queue, flagged
            DeliveryRepository(s).requeue_in_flight(issue_id)


def _start(ctx: SendContext, issue_id: int) -> tuple[Stream, int, int, Segmentation | None] | SendReport:
    """Freeze the recipients of a draft or scheduled issue (its segmentation is returned, for the send to use
    as it is), or hand back the rows a crash left in flight (no segmentation: the caller renders)."""
    now = ctx.clock.now()
    with ctx.db.session() as s:
        issue = IssueRepository(s).get(issue_id)
        repo = DeliveryRepository(s)
        stream = STREAM_OF[issue.kind]
        if issue.status in (IssueStatus.SENT, IssueStatus.CANCELLED, IssueStatus.PAUSED):
            if issue.status is IssueStatus.PAUSED:
                return SendReport(issue_id, SendOutcome.PAUSED, repo.counts(issue_id))
            raise InvalidInput(
                f"issue {issue_id} is {issue.status}: nothing to send", code="nothing_to_send", status=issue.status
            )
        if issue.status is IssueStatus.SENDING:
            return stream, 0, repo.requeue_in_flight(issue_id), None
        if issue.not_after is not None and now > issue.not_after:
            repo.set_issue(issue_id, move(issue.status, IssueStatus.CANCELLED))
            log.warning("delivery.too_late", extra={"issue_id": issue_id})
            return SendReport(issue_id, SendOutcome.TOO_LATE, repo.counts(issue_id))
    if ctx.config.window and not ctx.config.window.is_open(now):
        return SendReport(issue_id, SendOutcome.OUTSIDE_WINDOW, _counts(ctx, issue_id))
    with ctx.db.session() as s:
        subscribers = DeliveryRepository(s).confirmed_subscribers(issue_id)
    segmentation = ctx.segmenter(issue_id, subscribers)  # rendered outside any transaction
    with ctx.db.session() as s:
        repo = DeliveryRepository(s)
        rows = _plan(ctx, repo, issue_id, stream, subscribers, segmentation, now)
        frozen = repo.freeze(rows)  # the same transaction as the status change: all or nothing
        repo.set_issue(issue_id, move(issue.status, IssueStatus.SENDING), started_at=now)
    log.info("delivery.frozen", extra={"issue_id": issue_id, "recipients": frozen})
    return stream, frozen, 0, segmentation


def _plan(
    ctx: SendContext,
    repo: DeliveryRepository,
    issue_id: int,
    stream: Stream,
    subscribers: Sequence[Subscriber],
    seg: Segmentation,
    now: datetime,
) -> list[Delivery]:
    hashes = repo.suppressed_hashes(issue_id)
    return plan(
        issue_id,
        stream,
        subscribers,
        segment_of=seg.segment_of,
        is_suppressed=lambda e: bool(hashes) and email_hash(e) in hashes,  # no list: no hash to compute
        message_id_of=lambda sid: message_id(issue_id, sid, secret=ctx.secret, domain=ctx.sender.domain),
        now=now,
    )


def audience(ctx: SendContext, issue_id: int) -> dict[str, int]:
    """Who would receive the issue if it started now, per segment (nothing is written)."""
    with ctx.db.session() as s:
        issue = IssueRepository(s).get(issue_id)
        subscribers = DeliveryRepository(s).confirmed_subscribers(issue_id)
    segmentation = ctx.segmenter(issue_id, subscribers)
    return audience_of(ctx, issue_id, STREAM_OF[issue.kind], subscribers, segmentation)


def audience_of(
    ctx: SendContext, issue_id: int, stream: Stream, subscribers: Sequence[Subscriber], segmentation: Segmentation
) -> dict[str, int]:
    """Recipients per segment of an issue already segmented (nothing is written)."""
    with ctx.db.session() as s:
        rows = _plan(ctx, DeliveryRepository(s), issue_id, stream, subscribers, segmentation, ctx.clock.now())
    out: dict[str, int] = {}
    for d in rows:
        out[d.segment] = out.get(d.segment, 0) + 1
    return out


def _counts(ctx: SendContext, issue_id: int) -> dict[DeliveryStatus, int]:
    with ctx.db.session() as s:
        return DeliveryRepository(s).counts(issue_id)


class _Run:
    """One pass of the loop for one issue, in one thread: rounds of ``concurrency`` messages, one per connection,
    each round's outcomes committed together before the next round (so at most one accepted-but-unrecorded
    message per connection at any moment)."""

    def __init__(
        self,
        ctx: SendContext,
        issue_id: int,
        stream: Stream,
        segments: dict[str, CompiledSegment],
        progress: Progress | None,
        *,
        shard: tuple[int, int] | None = None,
        parent: int | None = None,
        lock: SendLock | None = None,
    ) -> None:
        self.shard, self.parent, self.lock = shard, parent, lock
        self.ctx, self.issue_id, self.stream, self.segments, self.progress = ctx, issue_id, stream, segments, progress
        self.concurrency = max(1, ctx.mailer.concurrency)
        self.batch = ctx.config.batch_size or max(400, 40 * self.concurrency)  # one claim per many rounds
        self.limiter = RateLimiter(ctx.config.rate_per_second, ctx.config.domain_rates)
        self.checkpoint = 0
        self.finished = 0
        self.errors = 0
        self.reported = 0.0
        self.unrecorded: list[tuple[Outcome, int | None]] = []  # the last round's, committed during the next
        self.in_hand: set[int] = set()  # rows claimed by this loop whose outcome is not written yet
        self.outages: dict[Fault, int] = {}
        self.waited = 0.0
        self.signing: SigningPool | None = None  # forked at the first signed round (see _signing_pool)
        self.signing_tried = False

    def loop(self) -> SendOutcome:
        """The loop, surviving the database's outages: what was sent is written once it is back."""
        try:
            while True:
                try:
                    return self._loop()
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    if not self._recover(exc):
                        return SendOutcome.SENDING_ELSEWHERE
        finally:
            if self.signing is not None:
                self.signing.close()

    def _recover(self, exc: Exception) -> bool:
        """Wait for the database; write the outcomes held in memory (those messages went: no duplicate), hand
        back the claimed rows that were not sent, and keep the send lock (False: another loop took it)."""
        outage = _lost(self.ctx, self.issue_id, exc)
        while True:
            accepted = sum(o.status is DeliveryStatus.ACCEPTED for o, _ in self.unrecorded)
            _wait_for_database(self.ctx, self.issue_id, outage, accepted)
            try:
                self._flush()
                mine = self.lock is None or self.lock.keep()
                if mine:  # else the loop that took the lock requeued them as crash leftovers, and owns them now
                    with self.ctx.db.session() as s:
                        DeliveryRepository(s).release(self.in_hand)
                self.in_hand.clear()
                break
            except Exception as again:
                if not is_outage(again):
                    raise
        lasted = outage.lasted(self.ctx.clock.now())
        self.outages[Fault.DATABASE] = self.outages.get(Fault.DATABASE, 0) + 1
        self.waited += lasted
        self.checkpoint = 0  # the handed-back rows sit below it
        log.warning("delivery.database_back", extra={"issue_id": self.issue_id, "after_seconds": round(lasted, 1)})
        return mine

    def _loop(self) -> SendOutcome:
        while True:
            stop = self._should_stop()
            if stop:
                return stop
            if self.lock is not None and not self.lock.keep():  # PostgreSQL restarted and another loop took it
                return SendOutcome.SENDING_ELSEWHERE
            claimed = self._claim()
            if claimed:
                self._dispatch(claimed)
                self._report()
                continue
            if self.shard is not None:
                return SendOutcome.SHARD_DONE  # the parent's own loop takes retries and the end
            with self.ctx.db.session() as s:
                repo = DeliveryRepository(s)
                counts = repo.counts(self.issue_id)
                if counts[DeliveryStatus.SENDING]:
                    return SendOutcome.SENDING_ELSEWHERE  # our own rows are all recorded: another process holds these
                if counts[DeliveryStatus.QUEUED]:
                    self.checkpoint = 0  # rows handed back below the checkpoint: take them again
                    continue
                status = repo.issue_status(self.issue_id)
                if status is not IssueStatus.SENDING:  # paused or cancelled by staff meanwhile
                    return SendOutcome(status.value)  # from sending, only sent, paused or cancelled
                if not counts[DeliveryStatus.DEFERRED]:
                    repo.set_issue(self.issue_id, move(status, IssueStatus.SENT), sent_at=self.ctx.clock.now())
                    self._report(force=True)
                    return SendOutcome.SENT
                due = repo.next_due(self.issue_id)
            if not self.ctx.config.wait_for_retries:
                return SendOutcome.WAITING_RETRY
            wait = (due - self.ctx.clock.now()).total_seconds() if due else 0.0
            self.checkpoint = 0
            if wait > 0:
                self.ctx.sleep(wait)

    def _should_stop(self) -> SendOutcome | None:
        if self.parent is not None and os.getppid() != self.parent:
            return SendOutcome.PARENT_GONE
        with self.ctx.db.session() as s:
            repo = DeliveryRepository(s)
            status = repo.issue_status(self.issue_id)
            if status is IssueStatus.SENDING and self._over_threshold():
                repo.set_issue(self.issue_id, move(status, IssueStatus.PAUSED))
                log.warning("delivery.paused_on_errors", extra={"issue_id": self.issue_id, "errors": self.errors})
                return SendOutcome.PAUSED
        if status is IssueStatus.PAUSED:
            return SendOutcome.PAUSED
        if status is IssueStatus.CANCELLED:
            return SendOutcome.CANCELLED
        window = self.ctx.config.window
        if window and not window.is_open(self.ctx.clock.now()):
            return SendOutcome.OUTSIDE_WINDOW
        return None

    def _over_threshold(self) -> bool:
        n, e = self.finished, self.errors
        return n >= self.ctx.config.error_min_sample and e / n > self.ctx.config.error_threshold

    def _claim(self) -> list[Pending]:
        """Take a batch; rows whose subscriber left or was suppressed meanwhile are skipped, not sent."""
        now = self.ctx.clock.now()
        with self.ctx.db.session() as s:
            repo = DeliveryRepository(s)
            rows = repo.pending(self.issue_id, after_id=self.checkpoint, limit=self.batch, now=now, shard=self.shard)
            if not rows:
                return []
            hashes = repo.suppressed_hashes(self.issue_id)
            go, skipped = [], []
            for p in rows:
                d = p.delivery
                assert d.id is not None
                if d.status is DeliveryStatus.QUEUED:
                    self.checkpoint = max(self.checkpoint, d.id)
                ok = p.subscriber_status is not None and still_eligible(
                    p.subscriber_status, p.streams, self.stream, bool(hashes) and email_hash(d.email) in hashes
                )
                if ok and d.segment in self.segments:
                    move(d.status, DeliveryStatus.SENDING)
                    go.append(p)
                else:
                    reason = "unsubscribed or suppressed before sending" if ok is False else "segment gone"
                    move(d.status, DeliveryStatus.SKIPPED)
                    skipped.append({"id": d.id, "status": "skipped", "smtp_reply": reason, "finished_at": now})
            repo.write(skipped)
            # A conditional claim: another loop on this issue may have read the same rows; each row goes to one.
            claimed = repo.claim([p.delivery.id for p in go if p.delivery.id is not None], now)
        self.in_hand.update(claimed)
        mine = [p for p in go if p.delivery.id in claimed]
        for p in mine:
            p.delivery.attempts += 1
        self.ctx.links.prepare(p.delivery.subscriber_id for p in mine if p.delivery.subscriber_id is not None)
        return mine

    def _dispatch(self, rows: list[Pending]) -> None:
        """Pace the batch into rounds: messages whose domain may go now go first; wait only when none can. The
        rounds after the one sent are chosen and composed while it is on the wire; with a signing worker, a few
        rounds ahead, handed to it so that it signs while this thread talks SMTP. Each round's outcomes are
        committed during the next round (see :meth:`_send_round`), the last ones here."""
        rounds = _Rounds(list(rows))
        try:
            while rounds.waiting or rounds.ahead:
                self._pace_ahead(rounds)
                if rounds.ahead:
                    self._send_round(rounds.ahead.popleft(), rounds)
                    continue
                self._flush()
                now = self.ctx.monotonic()
                self.ctx.sleep(min(self.limiter.delay(p.delivery.email, now) for p in rounds.waiting))
        finally:
            if rounds.ahead and self.signing is not None:  # rounds chosen and not sent (an outage): their rows
                self.signing.close()  # are in hand, released by _recover; the worker's answers go with it
                self.signing, self.signing_tried = None, False
            self._flush()

    def _pace_ahead(self, rounds: _Rounds) -> None:
        """Choose the rows of the rounds after the one sent (composed later, see :meth:`_compose_ahead`): one,
        or enough to keep the signing workers busy."""
        while rounds.waiting and len(rounds.ahead) < self._depth():
            ready, rounds.waiting = self._pace(rounds.waiting)
            if not ready:
                return
            rounds.ahead.append(_Round(ready))

    def _compose_ahead(self, rounds: _Rounds) -> None:
        """Compose the rounds chosen ahead. An error leaves its round uncomposed: composed again when its turn
        comes, it raises there, before anything of it is sent (not here, with a round's verdicts still unread)."""
        try:
            for r in rounds.ahead:
                if r.made is None:
                    self._compose(r)
        except Exception:  # noqa: S110 (raised again by the same round's own composing, see above)
            pass

    def _pace(self, waiting: list[Pending]) -> tuple[list[Pending], list[Pending]]:
        """Up to a round of rows whose domain may go now (their tokens taken), and the others."""
        if self.limiter.unlimited:
            return waiting[: self.concurrency], waiting[self.concurrency :]
        now = self.ctx.monotonic()
        ready: list[Pending] = []
        later: list[Pending] = []
        for n, p in enumerate(waiting):
            if len(ready) == self.concurrency:  # the round is full: the rest waits as it is, unread
                later += waiting[n:]
                break
            if self.limiter.delay(p.delivery.email, now) == 0:
                self.limiter.take(p.delivery.email, now)
                ready.append(p)
            else:
                later.append(p)
        return ready, later

    def _depth(self) -> int:
        """Rounds composed ahead of the one sent: enough to keep the signing workers busy, one without them."""
        return 1 if self.signing is None else 1 + 2 * self.signing.size

    def _send_round(self, prepared: _Round, rounds: _Rounds) -> None:
        """Send one message per connection. The previous round's outcomes are committed while the relay reads
        this round's messages, before any of them can be accepted: so at most one accepted-but-unrecorded message
        per connection, and the commit costs no waiting. The next round is chosen there too, and its recipients
        named to the mailer (``upcoming``), which may start their envelopes with this round's ends; it is composed
        once those ends are written (``afterwards``), while the relay takes them in.

        Messages the mail system could not take at all (``unavailable``: relay unreachable, disk full) go again:
        at once when others of the round went through, after a backoff when none did."""
        rows = prepared.rows
        if prepared.made is None:
            self._compose(prepared)
        todo = list(zip(rows, [p.delivery.email for p in rows], self._signed(prepared), strict=True))

        def meanwhile() -> None:
            self._flush()
            self._pace_ahead(rounds)

        def upcoming() -> list[str]:
            return [p.delivery.email for p in rounds.ahead[0].rows] if rounds.ahead else []

        def afterwards() -> None:
            self._compose_ahead(rounds)

        outage: Outage | None = None
        while todo:
            items = [(e, m) for _, e, m in todo]
            results = self.ctx.mailer.send_many(
                self.ctx.sender.from_address, items, meanwhile, upcoming=upcoming, afterwards=afterwards
            )
            again = self._decide(todo, results)
            if again and len(again) == len(todo):  # nothing went: the mail system is down
                outage = outage or self._mail_lost(results[-1])
                self._wait_for_mail(outage)
            elif outage is not None:
                self._mail_back(outage)
                outage = None
            todo = again
        if outage is not None:
            self._mail_back(outage)

    def _decide(
        self, todo: list[tuple[Pending, str, bytes]], results: list[SendResult]
    ) -> list[tuple[Pending, str, bytes]]:
        """Outcomes of what the mail system answered; returns what it could not take (to send again)."""
        now = self.ctx.clock.now()
        again = []
        for item, result in zip(todo, results, strict=True):
            if result.verdict is Verdict.UNAVAILABLE:
                again.append(item)
                continue
            d = item[0].delivery
            assert d.id is not None
            outcome = decide(d.id, result, attempts=d.attempts, max_attempts=self.ctx.config.max_attempts, now=now)
            self.unrecorded.append((outcome, d.subscriber_id))
        return again

    def _mail_lost(self, result: SendResult) -> Outage:
        fault = mail_fault(result)
        log.warning("delivery.mail_lost", extra={"issue_id": self.issue_id, "fault": str(fault), "reply": result.reply})
        return Outage(fault, self.ctx.clock.now())

    def _wait_for_mail(self, outage: Outage) -> None:
        """Sleep before sending the same messages again; past the patience, stop: what went is written, what was
        claimed and not sent goes back to the queue, and :class:`SendInterrupted` says so in French."""
        delay = outage.next_delay(self.ctx.config.patience, self.ctx.clock.now())
        if delay is not None:
            self.ctx.sleep(delay)
            return
        self._flush()
        with self.ctx.db.session() as s:
            DeliveryRepository(s).release(self.in_hand)
        self.in_hand.clear()
        log.error("delivery.interrupted", extra={"issue_id": self.issue_id, "fault": str(outage.fault)})
        raise interrupted(self.issue_id, outage.fault, outage.lasted(self.ctx.clock.now()))

    def _mail_back(self, outage: Outage) -> None:
        lasted = outage.lasted(self.ctx.clock.now())
        self.outages[outage.fault] = self.outages.get(outage.fault, 0) + 1
        self.waited += lasted
        log.warning("delivery.mail_back", extra={"issue_id": self.issue_id, "after_seconds": round(lasted, 1)})

    def _flush(self) -> None:
        """Commit the outcomes not recorded yet (one transaction), and count them for the error threshold. If
        the database is lost meanwhile they stay in memory, written once it is back (:meth:`_recover`)."""
        if not self.unrecorded:
            return
        outcomes = list(self.unrecorded)
        record(self.ctx.db, self.ctx.bounces, outcomes)
        del self.unrecorded[: len(outcomes)]
        self.in_hand.difference_update(o.delivery_id for o, _ in outcomes)
        for o, _ in outcomes:
            if o.status is not DeliveryStatus.DEFERRED:
                self.finished += 1
                self.errors += o.status in (DeliveryStatus.BOUNCED, DeliveryStatus.FAILED)

    def _compose(self, r: _Round) -> None:
        """Compose a round; with DKIM, hand its heads to a signing worker when there is one."""
        ctx = self.ctx
        todo = [(self.segments[p.delivery.segment], _recipient(p.delivery)) for p in r.rows]
        made = personalise_unsigned(todo, ctx.links, date=ctx.clock.now(), sender=ctx.sender, dkim=bool(ctx.signer))
        pool = self._signing_pool()
        if ctx.signer is not None and pool is not None:
            r.ticket = pool.submit([pool.item(m, h) for m, h in made], at=int(ctx.signer.clock()))
        r.made = made

    def _signed(self, prepared: _Round) -> list[bytes]:
        """The round's messages as they go: signed by the worker, or here when there is none or it failed."""
        signer, made = self.ctx.signer, prepared.made
        assert made is not None
        if signer is None:
            return [m for m, _ in made]
        if prepared.ticket is not None and self.signing is not None:
            fields = self.signing.fields(prepared.ticket)
            if fields is not None and len(fields) == len(made):
                return [f + m for f, (m, _) in zip(fields, made, strict=True)]
        return signer.sign_all(made)

    def _signing_pool(self) -> SigningPool | None:
        """The signing workers, forked at the first signed round; None to sign in this thread (DKIM off, none
        wanted, the fork refused, or a worker lost: the rest of the send signs here)."""
        if self.signing is not None and self.signing.broken:
            self.signing.close()
            self.signing = None
        if self.ctx.signer is None or self.signing_tried:
            return self.signing
        self.signing_tried = True
        wanted = self.ctx.config.signing_processes
        if wanted is None:
            wanted = 0 if _cores() < 2 else 2 if self.ctx.signer.algorithm == "rsa-sha256" else 1
        if wanted > 0:
            try:
                self.signing = SigningPool(self.ctx.signer, wanted)
            except OSError as exc:
                log.warning("delivery.signing_pool_refused", extra={"issue_id": self.issue_id, "error": str(exc)})
        return self.signing

    def _report(self, *, force: bool = False) -> None:
        """At most a few times a second: counting the ledger is a query."""
        now = self.ctx.monotonic()
        if self.progress is not None and (force or now - self.reported >= 0.25):
            self.reported = now
            self.progress(_counts(self.ctx, self.issue_id))


@dataclass(slots=True)
class _Rounds:
    """A batch being dispatched: rows not in a round yet, and rounds chosen (and maybe composed), not sent."""

    waiting: list[Pending]
    ahead: deque[_Round] = field(default_factory=deque)


@dataclass(slots=True)
class _Round:
    """A round: its rows; once composed, each message unsigned with its body hash, and its signing ticket."""

    rows: list[Pending]
    made: list[tuple[bytes, bytes | None]] | None = None
    ticket: Ticket | None = None


def _cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _recipient(d: Delivery) -> Recipient:
    assert d.subscriber_id is not None
    return Recipient(d.subscriber_id, d.email, d.message_id)
