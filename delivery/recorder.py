"""Writes outcomes to the ledger as they arrive, several at a time (group commit).

A worker that sent a message waits here until its outcome is committed before it takes the next one: so at any
moment at most one accepted-but-unrecorded message exists per worker, which is what bounds duplicates after a
crash to the number of connections.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from core.model import BounceKind
from delivery.ledger import Outcome
from delivery.seams import BounceSink
from storage.database import Database
from storage.deliveries import DeliveryRepository

log = logging.getLogger("relais.delivery")


@dataclass
class _Pending:
    outcome: Outcome
    subscriber_id: int | None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class Recorder:
    def __init__(self, db: Database, bounces: BounceSink) -> None:
        self.db = db
        self.bounces = bounces
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="relais-recorder", daemon=True)
        self._thread.start()

    def record(self, outcome: Outcome, subscriber_id: int | None) -> None:
        """Block until ``outcome`` is committed; re-raise the database's error if it was not."""
        item = _Pending(outcome, subscriber_id)
        self._queue.put(item)
        item.done.wait()
        if item.error is not None:
            raise item.error

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while True:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            DeliveryRepository.write_outcomes(
                self.db,
                [
                    {
                        "id": p.outcome.delivery_id,
                        "status": str(p.outcome.status),
                        "smtp_code": p.outcome.code,
                        "smtp_reply": p.outcome.reply[:2000],
                        "finished_at": p.outcome.finished_at,
                        "next_attempt_at": p.outcome.next_attempt_at,
                    }
                    for p in batch
                ],
            )
        except BaseException as exc:  # the worker that waits re-raises it
            for p in batch:
                p.error = exc
                p.done.set()
            return
        for p in batch:
            p.done.set()
        for p in batch:
            if p.outcome.bounce and p.subscriber_id is not None:
                try:
                    self.bounces.record(
                        p.subscriber_id, BounceKind.HARD, "smtp", p.outcome.reply, p.outcome.delivery_id
                    )
                except Exception:  # a failing sink must not lose the ledger; it is logged and visible there
                    log.exception("delivery.bounce_sink_failed", extra={"delivery_id": p.outcome.delivery_id})
