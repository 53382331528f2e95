"""Staff see why soft bounces suppressed a subscriber: the sends in a row and the server's last words."""

from __future__ import annotations

import html
from collections.abc import Callable

from starlette.testclient import TestClient

from core.clock import FrozenClock
from core.model import BounceKind, Role, Subscriber, SubscriberStatus
from core.settings import Settings
from storage.database import Database
from storage.networks import FIRST_NETWORK
from storage.subscribers import SubscriberRepository
from storage.tables import DeliveryRow, IssueRow
from subscribers.bounces import BounceRecorder


def test_the_subscriber_page_says_which_sends_soft_bounced(
    login: Callable[[Role], TestClient], db: Database, clock: FrozenClock
) -> None:
    with db.session() as s:
        sub = SubscriberRepository(s).save(Subscriber(email="plein@orange.fr", status=SubscriberStatus.CONFIRMED))
        assert sub.id is not None
        deliveries = []
        for n in (1, 2, 3):
            issue = IssueRow(
                network_id=FIRST_NETWORK,
                kind="newsletter",
                number=n,
                title=f"RESA'CLIC n°{n}",
                subject="x",
                status="sent",
            )
            s.add(issue)
            s.flush()
            row = DeliveryRow(issue_id=issue.id, subscriber_id=sub.id, email=sub.email, segment="all",
                              message_id=f"<m{n}@x>", status="accepted")  # fmt: skip
            s.add(row)
            s.flush()
            deliveries.append(row.id)
    recorder = BounceRecorder(db, clock, Settings().subscribers.soft_bounce_limit)
    for delivery in deliveries:
        recorder.record(sub.id, BounceKind.SOFT, "dsn", "4.2.2 — smtp; 452 4.2.2 Mailbox full", delivery)

    page = html.unescape(login(Role.STAFF).get(f"/admin/subscribers/{sub.id}").text)
    assert "erreurs temporaires répétées" in page  # the reason
    assert "rejet temporaire à 3 envois consécutifs : « RESA'CLIC n°1 », « RESA'CLIC n°2 », « RESA'CLIC n°3 »" in page
    assert "dernière réponse : 4.2.2 — smtp; 452 4.2.2 Mailbox full" in page
