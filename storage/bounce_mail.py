"""What reading bounces needs from the database, in one session: the subscribers, the mailbox's handled messages,
the delivery a report names, and a subscriber's recent sends with their soft bounces.

One :class:`BounceStore` per session, so that recording a report's bounces and remembering its message as handled
commit together: a crash between the two can neither lose a report nor count it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.model import BounceKind, ConsentAction, DeliveryStatus
from core.states import move
from storage.subscribers import SubscriberRepository
from storage.tables import BounceRow, ConsentEventRow, DeliveryRow, IssueRow, MailboxMessageRow, SubscriberRow

# A ledger row that went out (or was refused): a send the subscriber was part of. Queued, in-flight and skipped
# rows are not sends yet.
_SENT = (DeliveryStatus.ACCEPTED, DeliveryStatus.BOUNCED, DeliveryStatus.DEFERRED, DeliveryStatus.FAILED)
TRAIL_LENGTH = 20  # recent sends looked at for a run of soft bounces (far more than any sensible limit)


@dataclass(frozen=True, slots=True)
class Send:
    """One of a subscriber's sends, oldest first in a trail, and whether a soft bounce was reported for it."""

    delivery_id: int
    issue_id: int
    issue_title: str
    soft_bounced: bool


class BounceStore:
    def __init__(self, session: Session, network_id: int | None = None) -> None:
        self.s = session
        self.subscribers = SubscriberRepository(session, network_id)

    def in_network(self, network_id: int) -> BounceStore:
        """The same session, recording for one network (its subscriber, suppression list and consent log)."""
        return BounceStore(self.s, network_id)

    def networks_having(self, address: str) -> dict[int, int]:
        """Every network with a subscriber at ``address``: network id -> that subscriber's id. The mailbox is the
        deployment's, and a report names an address, not a network."""
        q = select(SubscriberRow.network_id, SubscriberRow.id).where(SubscriberRow.email == address)
        return {int(network): int(sub) for network, sub in self.s.execute(q)}

    # -- the mailbox's handled messages -----------------------------------------------------------------------
    def handled(self, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> dict[int, str]:
        """Which of ``uids`` were handled already in this UIDVALIDITY of ``mailbox``, with their outcome."""
        found: dict[int, str] = {}
        for start in range(0, len(uids), 500):
            chunk = [int(u) for u in uids[start : start + 500]]
            q = select(MailboxMessageRow.uid, MailboxMessageRow.outcome).where(
                MailboxMessageRow.mailbox == mailbox,
                MailboxMessageRow.uidvalidity == uidvalidity,
                MailboxMessageRow.uid.in_(chunk),
            )
            found.update((int(u), str(o)) for u, o in self.s.execute(q))
        return found

    def mark_handled(self, mailbox: str, uidvalidity: int, uid: int, outcome: str, at: datetime) -> None:
        self.s.add(MailboxMessageRow(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, outcome=outcome, at=at))
        self.s.flush()

    # -- deliveries a report names ----------------------------------------------------------------------------
    def delivery_of(self, issue_id: int, subscriber_id: int, message_id: str) -> int | None:
        """The ledger row with this (issue, subscriber) whose Message-ID is exactly ``message_id``, if any."""
        row = self.s.scalar(
            select(DeliveryRow).where(DeliveryRow.issue_id == issue_id, DeliveryRow.subscriber_id == subscriber_id)
        )
        return row.id if row is not None and row.message_id == message_id else None

    def latest_send(self, subscriber_id: int) -> int | None:
        """The subscriber's latest ledger row that went out, if any."""
        q = select(func.max(DeliveryRow.id)).where(
            DeliveryRow.subscriber_id == subscriber_id, DeliveryRow.status.in_([str(x) for x in _SENT])
        )
        found = self.s.scalar(q)
        return int(found) if found is not None else None

    def bounce_delivery(self, delivery_id: int) -> bool:
        """A late DSN: the relay had accepted the message (``accepted``), the recipient's server refused it later
        (``bounced``, as ``core.states`` allows). False when the row is in another state."""
        row = self.s.get(DeliveryRow, delivery_id)
        if row is None or row.status != str(DeliveryStatus.ACCEPTED):
            return False
        row.status = str(move(DeliveryStatus.ACCEPTED, DeliveryStatus.BOUNCED))
        self.s.flush()
        return True

    def trail(self, subscriber_id: int) -> list[Send]:
        """The subscriber's last sends, oldest first, each with whether a soft bounce names it. Only the sends
        after the subscriber's latest suppression count: once staff lift it, the count starts afresh."""
        q = (
            select(DeliveryRow.id, DeliveryRow.issue_id, IssueRow.title)
            .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
            .where(DeliveryRow.subscriber_id == subscriber_id, DeliveryRow.status.in_([str(x) for x in _SENT]))
            .order_by(DeliveryRow.id.desc())
            .limit(TRAIL_LENGTH)
        )
        suppressed_at = self.s.scalar(
            select(func.max(ConsentEventRow.at)).where(
                ConsentEventRow.subscriber_id == subscriber_id, ConsentEventRow.action == str(ConsentAction.SUPPRESS)
            )
        )
        if suppressed_at is not None:
            q = q.where(or_(DeliveryRow.finished_at.is_(None), DeliveryRow.finished_at > suppressed_at))
        rows = list(self.s.execute(q))
        ids = [int(r[0]) for r in rows]
        soft = set(
            self.s.scalars(
                select(BounceRow.delivery_id).where(
                    BounceRow.delivery_id.in_(ids), BounceRow.kind == str(BounceKind.SOFT)
                )
            )
        )
        return [Send(int(d), int(i), str(t), d in soft) for d, i, t in reversed(rows)]
