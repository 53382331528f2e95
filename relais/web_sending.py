"""The admin's sending seam: test copies, audience, and sends run in the background, owned by the web app.

The web layer cannot build a send context (that needs the composition root), so :func:`background_sending`
hands it an object with four verbs. A send started from the admin runs in a thread of this object's executor,
never in the request. With the scheduler running, ``deliveries.send_due`` may pick the same issue up: the ledger's
conditional claim (``DeliveryRepository.claim``) gives each row to one loop only, and here one issue has at most
one background run at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from core.errors import SendInterrupted
from core.model import IssueKind
from delivery.ledger import STREAM_OF
from delivery.mailers.base import Mailer
from delivery.proof import ProofCopy, SegmentAudience, described_audience, send_test
from delivery.send import SendContext, SendReport, audience, send_issue
from relais.wiring import Services, delivery_seams, make_send_context

log = logging.getLogger(__name__)


class BackgroundSending:
    """Implements ``admin.issue_send.Sending`` over the wired delivery."""

    def __init__(self, make_context: Callable[[], SendContext], *, workers: int = 2) -> None:
        self._make_context = make_context
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="relais-web-send")
        self._lock = threading.Lock()
        self._runs: dict[int, Future[SendReport]] = {}  # the latest run of each issue

    def send_test(
        self, issue_id: int, kind: IssueKind, addresses: list[str], segment: str | None = None
    ) -> list[ProofCopy]:
        ctx = self._make_context()
        try:
            return send_test(ctx, issue_id, addresses, STREAM_OF[kind], segment)
        finally:
            ctx.mailer.close()

    def segments(self, issue_id: int) -> list[SegmentAudience]:
        """Who would receive the issue, per segment, each said in words (largest first)."""
        ctx = self._make_context()
        try:
            return described_audience(ctx, issue_id)
        finally:
            ctx.mailer.close()  # built with the context, never used here

    def audience(self, issue_id: int) -> dict[str, int]:
        ctx = self._make_context()
        try:
            return audience(ctx, issue_id)
        finally:
            ctx.mailer.close()  # built with the context, never used here

    def start(self, issue_id: int) -> bool:
        """Start (or resume) the send in the background; False when this app already runs it."""
        with self._lock:
            if self.running(issue_id):
                return False
            self._runs[issue_id] = self._pool.submit(self._run, issue_id)
            return True

    def running(self, issue_id: int) -> bool:
        fut = self._runs.get(issue_id)
        return fut is not None and not fut.done()

    def wait(self, issue_id: int, timeout: float | None = None) -> SendReport | None:
        """For tests and shutdown: the report of a background run, once it ends."""
        fut = self._runs.get(issue_id)
        return fut.result(timeout) if fut is not None else None

    def _run(self, issue_id: int) -> SendReport:
        ctx = self._make_context()
        try:
            report = send_issue(ctx, issue_id)
            log.info("admin.send_done", extra={"issue_id": issue_id, "outcome": report.outcome})
            return report
        except SendInterrupted as exc:  # the database or the mail system stayed away: one line, no traceback
            log.error("admin.send_interrupted", extra={"issue_id": issue_id, "detail": str(exc)})
            raise
        except Exception:
            log.exception("admin.send_failed", extra={"issue_id": issue_id})
            raise
        finally:
            ctx.mailer.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def background_sending(services: Services, mailer: Callable[[], Mailer] | None = None) -> BackgroundSending:
    """The seam ``relais.web.web_context`` puts in ``WebContext.sending``; ``mailer`` overrides
    ``[mail]`` (tests give an in-memory one)."""

    def make() -> SendContext:
        segmenter, links, bounces = delivery_seams(services)
        return make_send_context(
            services, segmenter=segmenter, links=links, bounces=bounces, mailer=mailer() if mailer else None
        )

    return BackgroundSending(make)
