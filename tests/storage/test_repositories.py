"""Repositories round-trip the domain types on each engine, with aware UTC times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from core.model import (
    AlertRhythm,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueEntry,
    IssueKind,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    OrganisationType,
    Preferences,
    Role,
    Source,
    SourceKind,
    Stream,
    Subscriber,
    SubscriberStatus,
    SuggestedTag,
    User,
)
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from storage.tables import DeliveryRow
from storage.users import UserRepository

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def make_source(db: Database, name: str = "AFD") -> Source:
    with db.session() as s:
        return SourceRepository(s).save(
            Source(name=name, url="https://example.org/feed", kind=SourceKind.FEED, item_kind=ItemKind.FUNDING)
        )


def test_item_round_trip_with_sources_and_history(db: Database) -> None:
    src = make_source(db)
    assert src.id is not None
    item = Item(
        kind=ItemKind.CALL,
        title="Appel à projets « Eau et assainissement » 2027",
        url="https://example.org/aap-eau",
        summary="Date limite de dépôt : 15 mars 2027",
        collected_at=T0,
        deadline=date(2027, 3, 15),
        tags=["eau", "afrique-subsaharienne"],
        suggested_tags=[SuggestedTag("eau", "mot-clé « assainissement » dans le titre")],
        sources=[
            ItemSource(source_id=src.id, source_item_id="guid-1", url="https://example.org/aap-eau", official=True)
        ],
    )
    with db.session() as s:
        repo = ItemRepository(s)
        repo.add(item)
        assert item.id is not None
        repo.log(item.id, at=T0, actor="watch", action="collected", changes={})
    with db.session() as s:
        got = ItemRepository(s).get(item.id)
        events = ItemRepository(s).events(item.id)
    assert got.title == item.title
    assert got.collected_at == T0 and got.collected_at.tzinfo is not None
    assert got.deadline == date(2027, 3, 15)
    assert got.suggested_tags == item.suggested_tags
    assert [x.source_name for x in got.sources] == ["AFD"]
    assert events[0]["action"] == "collected"


def test_item_listing_filters_by_status_and_kind(db: Database) -> None:
    with db.session() as s:
        repo = ItemRepository(s)
        for i, (kind, status) in enumerate(
            [(ItemKind.JOB, ItemStatus.NEW), (ItemKind.JOB, ItemStatus.APPROVED), (ItemKind.NEWS, ItemStatus.NEW)]
        ):
            repo.add(Item(kind=kind, title=f"item {i}", status=status, collected_at=T0))
    with db.session() as s:
        repo = ItemRepository(s)
        assert [i.title for i in repo.find(status=ItemStatus.NEW, kind=ItemKind.JOB)] == ["item 0"]
        assert repo.count(status=ItemStatus.NEW) == 2


def test_same_source_item_twice_is_refused(db: Database) -> None:
    src = make_source(db)
    assert src.id is not None
    with db.session() as s:
        ItemRepository(s).add(
            Item(kind=ItemKind.NEWS, title="a", sources=[ItemSource(source_id=src.id, source_item_id="x")])
        )
    with pytest.raises(IntegrityError), db.session() as s:
        ItemRepository(s).add(
            Item(kind=ItemKind.NEWS, title="b", sources=[ItemSource(source_id=src.id, source_item_id="x")])
        )


def test_config_sync_keeps_health_and_admin_sources(db: Database) -> None:
    declared = [Source(name="A", url="u1", kind=SourceKind.FEED, item_kind=ItemKind.NEWS)]
    with db.session() as s:
        assert SourceRepository(s).sync_from_config(declared) == (1, 0)
    with db.session() as s:
        repo = SourceRepository(s)
        a = repo.by_name("A")
        assert a.id is not None
        a.health.consecutive_failures = 3
        repo.save_health(a.id, a.health)
    declared[0].url = "u2"
    with db.session() as s:
        assert SourceRepository(s).sync_from_config(declared) == (0, 1)
    with db.session() as s:
        a = SourceRepository(s).by_name("A")
    assert a.url == "u2" and a.health.consecutive_failures == 3


def test_subscriber_preferences_round_trip(db: Database) -> None:
    prefs = Preferences(kinds=[ItemKind.EVENT], territories=["69", "38"], streams=[Stream.NEWSLETTER])
    with db.session() as s:
        SubscriberRepository(s).save(Subscriber(email="a@example.org", preferences=prefs, created_at=T0))
    with db.session() as s:
        got = SubscriberRepository(s).by_email("a@example.org")
    assert got is not None and got.preferences == prefs and got.status is SubscriberStatus.PENDING


def test_the_audience_reads_what_the_orm_reads(db: Database) -> None:
    """``audience()`` (Core rows, shared preferences) gives the same subscribers, field for field, as the ORM's
    ``find(status=confirmed)``: names, organisation types, locales, aware UTC times, bounces, every preference."""
    confirmed = SubscriberStatus.CONFIRMED
    with db.session() as s:
        repo = SubscriberRepository(s)
        repo.save(Subscriber(email="a@example.org", status=confirmed, name="Aïssata", created_at=T0, confirmed_at=T0,
                             organisation_type=OrganisationType.ASSOCIATION, legal_basis="consent", soft_bounces=2,
                             preferences=Preferences(kinds=[ItemKind.EVENT], territories=["69"],
                                                     alerts=AlertRhythm.WEEKLY, alert_day=3,
                                                     streams=[Stream.NEWSLETTER, Stream.ALERT])))  # fmt: skip
        repo.save(Subscriber(email="b@example.org", status=confirmed, locale="en", created_at=T0))
        repo.save(Subscriber(email="c@example.org", created_at=T0))  # pending: in neither
    with db.session() as s:
        repo = SubscriberRepository(s)
        audience, orm = repo.audience(), repo.find(status=confirmed)
    assert [x.email for x in audience] == ["a@example.org", "b@example.org"]
    assert audience == orm
    assert audience[0].confirmed_at == T0 and audience[0].confirmed_at.tzinfo is not None


def test_issue_with_entries_and_numbering(db: Database) -> None:
    with db.session() as s:
        item = ItemRepository(s).add(Item(kind=ItemKind.NEWS, title="x", collected_at=T0))
        assert item.id is not None
        repo = IssueRepository(s)
        n = repo.next_number(IssueKind.NEWSLETTER)
        repo.save(
            Issue(
                kind=IssueKind.NEWSLETTER,
                number=n,
                title=f"RESA'CLIC n°{n}",
                subject="s",
                entries=[IssueEntry(item.id, "news", 0)],
            )
        )
    with db.session() as s:
        repo = IssueRepository(s)
        assert repo.next_number(IssueKind.NEWSLETTER) == 2
        [issue] = repo.find()
    assert issue.entries[0].section == "news"


def test_ledger_is_unique_per_issue_and_subscriber(db: Database) -> None:
    with db.session() as s:
        issue = IssueRepository(s).save(Issue(kind=IssueKind.EMAILING, title="t", subject="s"))
        sub = SubscriberRepository(s).save(Subscriber(email="b@example.org"))
        row = {
            "issue_id": issue.id,
            "subscriber_id": sub.id,
            "email": sub.email,
            "segment": "all",
            "message_id": "<m@x>",
        }
        s.add(DeliveryRow(status="queued", attempts=0, **row))
    with db.session() as s:
        assert [d.status for d in DeliveryRepository(s).for_issue(issue.id or 0)] == [DeliveryStatus.QUEUED]
        assert isinstance(DeliveryRepository(s).for_issue(issue.id or 0)[0], Delivery)
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(DeliveryRow(status="queued", attempts=0, **row))


def test_users_are_found_case_insensitively(db: Database) -> None:
    with db.session() as s:
        UserRepository(s).save(User(email="Editrice@Example.org", role=Role.EDITOR, password_hash="h"))
    with db.session() as s:
        u = UserRepository(s).by_email("editrice@example.ORG")
    assert u is not None and u.role is Role.EDITOR
