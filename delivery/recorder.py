"""Writes a round's outcomes to the ledger in one commit, then tells the bounce sink about refusals.

The send loop records a round before it starts the next one on the same connections: so at any moment at most
one accepted-but-unrecorded message exists per connection, which is what bounds duplicates after a crash to the
number of connections. One commit per round (not per message) is the group commit that keeps the ledger cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from core.model import BounceKind
from delivery.ledger import Outcome
from delivery.seams import BounceSink
from storage.database import Database
from storage.deliveries import DeliveryRepository

log = logging.getLogger("relais.delivery")


def record(db: Database, bounces: BounceSink, outcomes: Sequence[tuple[Outcome, int | None]]) -> None:
    """Commit ``(outcome, subscriber_id)`` pairs together; the database's error propagates (nothing is lost:
    the rows stay in ``sending`` and a restart requeues them, flagged)."""
    DeliveryRepository.write_outcomes(
        db,
        [
            {
                "id": o.delivery_id,
                "status": str(o.status),
                "smtp_code": o.code,
                "smtp_reply": o.reply[:2000],
                "finished_at": o.finished_at,
                "next_attempt_at": o.next_attempt_at,
            }
            for o, _ in outcomes
        ],
    )
    for o, subscriber_id in outcomes:
        if o.bounce and subscriber_id is not None:
            try:
                bounces.record(subscriber_id, BounceKind.HARD, "smtp", o.reply, o.delivery_id)
            except Exception:  # a failing sink must not lose the ledger; it is logged and visible there
                log.exception("delivery.bounce_sink_failed", extra={"delivery_id": o.delivery_id})
