"""StaffTools without the web: who may lift what, a subscriber's file recounted from raw rows, the search."""

from __future__ import annotations

from collections import Counter

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput, NotFound
from core.model import Subscriber, SubscriberStatus
from storage.database import Database
from storage.subscriber_search import SearchQuery
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit
from subscribers.staff import StaffTools, may_lift
from tests.figures.generated_year import generate, load

ROWS = generate()


def test_staff_lift_their_own_suppressions_and_bounces_only() -> None:
    assert may_lift("staff") and may_lift("hard_bounce") and may_lift("soft_bounces")
    for reason in ("complaint", "unsubscribed", "erased", None, "anything"):
        assert not may_lift(reason)


def test_the_file_counts_what_the_raw_rows_say(db: Database, clock: FrozenClock, kit: SubscriberKit) -> None:
    load(db, ROWS)
    tools = StaffTools(db, clock, kit.choices)
    per_sub: dict[int, Counter[str]] = {}
    for d in ROWS["deliveries"]:
        if d["subscriber_id"] is not None:
            per_sub.setdefault(d["subscriber_id"], Counter())[d["status"]] += 1
    busiest = max(per_sub, key=lambda s: sum(per_sub[s].values()))
    file = tools.view(busiest)
    assert file.deliveries == dict(per_sub[busiest])
    assert file.deliveries_total == sum(per_sub[busiest].values()) > 0
    assert len(file.bounces) == sum(1 for b in ROWS["bounces"] if b["subscriber_id"] == busiest)
    assert len(file.consent_log) == sum(1 for e in ROWS["consent_events"] if e["subscriber_id"] == busiest)
    with pytest.raises(NotFound):
        tools.view(10_000)


def test_search_pages_and_filters(db: Database, clock: FrozenClock, kit: SubscriberKit) -> None:
    load(db, ROWS)
    tools = StaffTools(db, clock, kit.choices)
    everybody = len(ROWS["subscribers"])
    first = tools.search(SearchQuery(per_page=50))
    assert first.total == everybody and len(first.subscribers) == 50 and first.pages == -(-everybody // 50)
    ids = [s.id for p in range(1, first.pages + 1) for s in tools.search(SearchQuery(page=p)).subscribers]
    assert sorted(ids, reverse=True) == ids and len(set(ids)) == everybody  # every row once, newest first
    confirmed = sum(1 for s in ROWS["subscribers"] if s["status"] == "confirmed")
    assert tools.search(SearchQuery(status=str(SubscriberStatus.CONFIRMED))).total == confirmed
    beyond = tools.search(SearchQuery(page=first.pages + 5))
    assert beyond.subscribers == [] and beyond.total == everybody


def test_suppressing_twice_or_lifting_nothing_is_refused(db: Database, clock: FrozenClock, kit: SubscriberKit) -> None:
    # Not the generated rows: their explicit ids leave PostgreSQL's sequences behind, and this test writes.
    with db.session() as s:
        sid = SubscriberRepository(s).save(Subscriber("lea@exemple.fr", SubscriberStatus.CONFIRMED)).id
    assert sid is not None
    tools = StaffTools(db, clock, kit.choices)
    with pytest.raises(InvalidInput, match="pas suspendue"):
        tools.unsuppress(sid, by="staff@example.org")
    tools.suppress(sid, by="staff@example.org")
    with pytest.raises(InvalidInput, match="déjà suspendue"):
        tools.suppress(sid, by="staff@example.org")
    assert tools.view(sid).suppressed_reason == "staff"
    tools.unsuppress(sid, by="staff@example.org")
    assert tools.view(sid).suppressed_reason is None
    assert tools.view(sid).subscriber.status == SubscriberStatus.CONFIRMED


def test_search_ignores_case_and_accents_and_reads_domains_in_unicode(
    db: Database, clock: FrozenClock, kit: SubscriberKit
) -> None:
    with db.session() as s:
        repo = SubscriberRepository(s)
        for email, name in [("h.durand@exemple.fr", "Hélène Durand"), ("contact@xn--cole-9oa.fr", "ÉCOLE DU MONDE"),
                            ("autre@exemple.fr", "Helmut Autre")]:  # fmt: skip
            repo.save(Subscriber(email=email, name=name, status=SubscriberStatus.CONFIRMED))
    tools = StaffTools(db, clock, kit.choices)

    def names(text: str) -> list[str | None]:
        return sorted(s.name for s in tools.search(SearchQuery(text=text)).subscribers)

    for text in ("helene", "HÉLÈNE", "Hélène", "hélène"):
        assert names(text) == ["Hélène Durand"], text
    assert names("école") == names("ecole") == names("@école.fr") == ["ÉCOLE DU MONDE"]
    assert names("hel") == ["Helmut Autre", "Hélène Durand"]
