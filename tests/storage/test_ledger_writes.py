"""The ledger's hot paths (freeze, pending, claim, write_outcomes) go straight to the driver on each engine: they
must keep the ORM's meaning — one row per (issue, subscriber), queued then due-deferred rows in id order, each row
claimed once, aware UTC times in and out."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
import sqlalchemy.exc

from core.model import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueKind,
    ItemKind,
    Preferences,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from storage.subscribers import SubscriberRepository

_INTEGRITY = (sqlite3.IntegrityError, psycopg.IntegrityError, sqlalchemy.exc.IntegrityError)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _frozen(db: Database, n: int) -> tuple[int, list[int]]:
    """An issue with ``n`` queued rows (one per subscriber); returns its id and the rows' ids in order."""
    with db.session() as s:
        issue = IssueRepository(s).save(Issue(kind=IssueKind.EMAILING, title="t", subject="s"))
        subs = [SubscriberRepository(s).save(Subscriber(email=f"s{k}@example.org")) for k in range(n)]
    assert issue.id is not None
    rows = [
        Delivery(issue.id, sub.id or 0, sub.email, "all", f"<{k}@relais>", queued_at=T0) for k, sub in enumerate(subs)
    ]
    with db.session() as s:
        assert DeliveryRepository(s).freeze(rows) == n
    with db.session() as s:
        ledger = DeliveryRepository(s).for_issue(issue.id)
    return issue.id, [d.id for d in ledger if d.id is not None]


def test_freeze_keeps_every_column_and_refuses_a_second_freeze(db: Database) -> None:
    issue_id, _ = _frozen(db, 3)
    with db.session() as s:
        entries = DeliveryRepository(s).ledger(issue_id)
    assert [e.delivery.email for e in entries] == ["s0@example.org", "s1@example.org", "s2@example.org"]
    assert {e.delivery.status for e in entries} == {DeliveryStatus.QUEUED}
    assert {e.delivery.queued_at for e in entries} == {T0}
    assert [e.requeued_after_crash for e in entries] == [False, False, False]
    again = [Delivery(issue_id, e.delivery.subscriber_id, e.delivery.email, "all", "<x>") for e in entries[:1]]
    with pytest.raises(_INTEGRITY), db.session() as s:  # the driver's own error: the rows go by COPY / executemany
        DeliveryRepository(s).freeze(again)
    with db.session() as s:
        assert len(DeliveryRepository(s).for_issue(issue_id)) == 3  # the failed freeze left nothing behind


def test_pending_merges_queued_above_the_checkpoint_with_due_deferred_rows_in_id_order(db: Database) -> None:
    issue_id, ids = _frozen(db, 8)
    later = T0 + timedelta(hours=1)
    with db.session() as s:
        DeliveryRepository(s).write(
            [
                {"id": ids[0], "status": "deferred", "next_attempt_at": T0},  # due
                {"id": ids[1], "status": "deferred", "next_attempt_at": later},  # not yet
                {"id": ids[2], "status": "accepted", "finished_at": T0},
                {"id": ids[5], "status": "deferred", "next_attempt_at": T0 - timedelta(minutes=1)},  # due
            ]
        )
    with db.session() as s:
        repo = DeliveryRepository(s)
        got = [p.delivery.id for p in repo.pending(issue_id, after_id=ids[3], limit=10, now=T0)]
        assert got == [ids[0], ids[4], ids[5], ids[6], ids[7]]  # ids[3] is below the checkpoint
        assert [p.delivery.id for p in repo.pending(issue_id, after_id=ids[3], limit=2, now=T0)] == [ids[0], ids[4]]
        both = [p.delivery.id for p in repo.pending(issue_id, after_id=0, limit=10, now=later)]
        assert both == [ids[0], ids[1], ids[3], ids[4], ids[5], ids[6], ids[7]]
        shard = (ids[0] % 2, 2)
        sharded = [p.delivery.id for p in repo.pending(issue_id, after_id=0, limit=10, now=later, shard=shard)]
        assert sharded == [i for i in both if i % 2 == ids[0] % 2]
        first = repo.pending(issue_id, after_id=0, limit=1, now=T0)[0]
    assert first.subscriber_status == "pending" and first.delivery.email == "s0@example.org"


def test_a_row_is_claimed_once_and_outcomes_come_back_in_utc(db: Database) -> None:
    issue_id, ids = _frozen(db, 4)
    with db.session() as s:
        assert DeliveryRepository(s).claim(ids[:3], T0) == set(ids[:3])
    with db.session() as s:
        assert DeliveryRepository(s).claim(ids, T0) == {ids[3]}  # the others are in flight already
    paris = timezone(timedelta(hours=1))
    DeliveryRepository.write_outcomes(
        db,
        [
            {"id": ids[0], "status": "accepted", "smtp_code": 250, "smtp_reply": "2.0.0 Ok\ttab",
             "finished_at": T0.astimezone(paris), "next_attempt_at": None},
            {"id": ids[1], "status": "deferred", "smtp_code": 451, "smtp_reply": "4.7.1 later",
             "finished_at": None, "next_attempt_at": T0 + timedelta(minutes=5)},
        ],
    )  # fmt: skip
    with db.session() as s:
        rows = {d.id: d for d in DeliveryRepository(s).for_issue(issue_id)}
    assert (rows[ids[0]].status, rows[ids[0]].smtp_code, rows[ids[0]].smtp_reply) == (
        DeliveryStatus.ACCEPTED,
        250,
        "2.0.0 Ok\ttab",
    )
    assert rows[ids[0]].finished_at == T0 and rows[ids[0]].finished_at.tzinfo == UTC  # type: ignore[union-attr]
    assert rows[ids[1]].next_attempt_at == T0 + timedelta(minutes=5) and rows[ids[1]].finished_at is None
    assert {rows[i].attempts for i in ids} == {1} and {rows[i].sending_at for i in ids} == {T0}
    assert rows[ids[2]].status is DeliveryStatus.SENDING
    with db.session() as s:  # deferred and due again: claimable once more, counted as a second attempt
        assert DeliveryRepository(s).claim([ids[1]], T0 + timedelta(minutes=5)) == {ids[1]}
    with db.session() as s:
        assert DeliveryRepository(s).for_issue(issue_id)[1].attempts == 2


def test_a_send_audience_shares_one_preferences_per_distinct_choice(db: Database) -> None:
    """The send's audience reads each distinct JSON once: equal choices give one object, other choices their own,
    a subscriber's values as saved (enums, empty lists, defaults) on both engines."""
    eau = Preferences(kinds=[ItemKind.CALL], themes=["eau"], streams=[Stream.NEWSLETTER])
    with db.session() as s:
        issue = IssueRepository(s).save(Issue(kind=IssueKind.NEWSLETTER, title="t", subject="s"))
        repo = SubscriberRepository(s)
        for k, prefs in enumerate([eau, Preferences(), eau, Preferences(zones=["sahel"]), Preferences()]):
            repo.save(Subscriber(email=f"p{k}@example.org", status=SubscriberStatus.CONFIRMED, preferences=prefs))
        repo.save(Subscriber(email="pending@example.org", preferences=eau))
    assert issue.id is not None
    with db.session() as s:
        subs = DeliveryRepository(s).confirmed_subscribers(issue.id)
    assert [x.email for x in subs] == [f"p{k}@example.org" for k in range(5)]
    prefs = [x.preferences for x in subs]
    assert prefs == [eau, Preferences(), eau, Preferences(zones=["sahel"]), Preferences()]
    assert prefs[0] is prefs[2] and prefs[1] is prefs[4]
    assert len({id(p) for p in prefs}) == 3
    assert prefs[0].kinds == [ItemKind.CALL] and isinstance(prefs[0].kinds[0], ItemKind)
