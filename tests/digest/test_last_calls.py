"""Last calls: which items a « Dernier rappel » holds (pure), and the daily draft on each engine — only items
closing soon that subscribers want, never twice, nothing approved without a person unless last_call_auto."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.clock import FrozenClock
from core.model import (
    IssueKind,
    IssueStatus,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Source,
    SourceKind,
    Stream,
)
from core.settings import DigestSettings
from digest.last_calls import LastCalls, due, subject
from digest.segments import Taxonomy
from digest.service import DigestService
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from tests.digest.digest_factory import TODAY, item, network, subscriber, taxonomy

TAX = Taxonomy.from_settings(taxonomy())
EVERYTHING = Preferences()
EAU_ONLY = Preferences(themes=["eau"])
NEWSLETTER_ONLY = Preferences(streams=[Stream.NEWSLETTER])


def call(n: int, days: int | None, kind: ItemKind = ItemKind.CALL, **kw: object) -> Item:
    deadline = TODAY + timedelta(days=days) if days is not None else None
    return item(n, kind, deadline=deadline, **kw)


def decide(items: list[Item], prefs: list[Preferences], *, min_subscribers: int = 1,
           recalled: set[int] | None = None) -> list[int]:  # fmt: skip
    found = due(items, prefs, TAX, today=TODAY, days=10, min_subscribers=min_subscribers, recalled=recalled or set())
    return [c.item.id or 0 for c in found]


def test_only_approved_calls_and_funding_closing_within_the_window() -> None:
    items = [
        call(1, 9), call(2, 0), call(3, 10), call(4, 11), call(5, -1), call(6, None),
        call(7, 3, ItemKind.FUNDING), call(8, 3, ItemKind.EVENT), call(9, 3, status=ItemStatus.NEW),
    ]  # fmt: skip
    assert decide(items, [EVERYTHING]) == [2, 7, 1, 3]  # closing soonest first


def test_interest_counts_confirmed_emailing_subscribers_whose_preferences_match() -> None:
    eau, sante = call(1, 5, tags=["eau"]), call(2, 5, tags=["sante"])
    assert decide([eau, sante], [EAU_ONLY]) == [1]
    assert decide([eau, sante], [NEWSLETTER_ONLY]) == []  # no emailings wanted: not interested
    assert decide([eau, sante], [EAU_ONLY, EVERYTHING], min_subscribers=2) == [1]
    assert decide([eau], [Preferences(kinds=[ItemKind.JOB])]) == []


def test_an_item_already_recalled_is_never_recalled_again() -> None:
    assert decide([call(1, 5), call(2, 6)], [EVERYTHING], recalled={1}) == [2]


def test_the_subject_says_dernier_rappel() -> None:
    from digest.last_calls import LastCall

    one = subject([LastCall(call(1, 8, title="Appel Eau"), 3)])
    assert one == "Dernier rappel : « Appel Eau » clôture le 10 novembre"
    assert subject([LastCall(call(1, 8), 1), LastCall(call(2, 9), 1)]).startswith("Dernier rappel : 2 appels")


# -- on a database ---------------------------------------------------------------------------------------------


def _add(db: Database, clock: FrozenClock, title: str, days: int, kind: ItemKind = ItemKind.CALL,
         **kw: object) -> int:  # fmt: skip
    with db.session() as s:
        repo = SourceRepository(s)
        src = repo.find()[0] if repo.find() else repo.save(Source("AMP", "https://amp.example/rss", SourceKind.FEED,
                                                                   ItemKind.CALL))  # fmt: skip
        it = Item(kind=kind, title=title, status=ItemStatus.APPROVED, approved_at=clock.now(), collected_at=clock.now(),
                  url=f"https://amp.example/{title}", deadline=clock.now().date() + timedelta(days=days),
                  **kw)  # type: ignore[arg-type]  # fmt: skip
        it.sources = [ItemSource(source_id=src.id or 0, source_item_id=title)]
        return ItemRepository(s).add(it).id or 0


def _subscribe(db: Database, n: int, **prefs: Any) -> None:
    with db.session() as s:
        sub = subscriber(n, **prefs)
        sub.id = None
        SubscriberRepository(s).save(sub)


@pytest.fixture
def digest(db: Database, clock: FrozenClock) -> DigestService:
    return DigestService(db=db, clock=clock, network=network(), taxonomy=taxonomy())


def test_the_daily_draft_waits_for_staff_and_recalls_each_item_once(
    db: Database, clock: FrozenClock, digest: DigestService
) -> None:
    soon = _add(db, clock, "Appel-eau", 7, tags=["eau"])
    later = _add(db, clock, "Appel-lointain", 40)
    unwanted = _add(db, clock, "Financement-sante", 5, ItemKind.FUNDING, tags=["sante"])
    _subscribe(db, 1, themes=["eau"])
    last = LastCalls(db, clock, digest, DigestSettings())
    assert last.drafts() == []
    issue = last.draft()
    assert issue is not None and issue.kind == IssueKind.EMAILING and issue.status == IssueStatus.DRAFT
    assert [e.item_id for e in issue.entries] == [soon] and issue.subject.startswith("Dernier rappel")
    assert unwanted not in [e.item_id for e in issue.entries] and later not in [e.item_id for e in issue.entries]
    assert [d.id for d in last.drafts()] == [issue.id]  # the dashboard shows it
    segments = digest.segments(issue.id or 0)
    assert [s.item_ids for s in segments] == [(soon,)]  # addressed to those who want it
    assert last.draft() is None  # recalled once
    clock.advance(timedelta(days=34))  # the far call now closes within ten days
    again = last.draft()
    assert again is not None and [e.item_id for e in again.entries] == [later]


def test_nothing_is_sent_without_a_person_unless_last_call_auto(
    db: Database, clock: FrozenClock, digest: DigestService
) -> None:
    _add(db, clock, "Appel-eau", 3, tags=["eau"])
    _subscribe(db, 1)
    issue = LastCalls(db, clock, digest, DigestSettings(last_call_auto=True)).draft()
    assert (
        issue is not None and issue.status == IssueStatus.SCHEDULED and issue.created_by == "relais (derniers rappels)"
    )


def test_not_enough_interested_subscribers_no_draft(db: Database, clock: FrozenClock, digest: DigestService) -> None:
    _add(db, clock, "Appel-eau", 3, tags=["eau"])
    _subscribe(db, 1, themes=["sante"])
    assert LastCalls(db, clock, digest, DigestSettings(last_call_min_subscribers=1)).draft() is None
    _subscribe(db, 2, themes=["eau"])
    assert LastCalls(db, clock, digest, DigestSettings(last_call_min_subscribers=2)).draft() is None
    assert LastCalls(db, clock, digest, DigestSettings(last_call_min_subscribers=1)).draft() is not None
