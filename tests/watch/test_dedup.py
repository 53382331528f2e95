"""What a sighting means: new, updated, unchanged, or another source's copy. No database needed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.model import Item, ItemKind, ItemSource, ItemStatus
from tests.watch.helpers import source
from watch.dedup import Known, Verdict, apply, decide, similar_titles
from watch.entry import Entry
from watch.parse import enrich

REF = datetime(2026, 11, 2, tzinfo=UTC)
RELAY = source(name="relais", id=1)
OFFICIAL = source(name="officiel", id=2, official=True)


def entry(title: str, *, url: str | None = None, deadline: date | None = None, sid: str = "x", **kw: object) -> Entry:
    e = Entry(sid, Item(kind=ItemKind.CALL, title=title, url=url, deadline=deadline, **kw))  # type: ignore[arg-type]
    enrich(e, reference=REF)
    return e


def stored(e: Entry, *, at: int = 1, official: bool = False, status: ItemStatus = ItemStatus.NEW) -> Item:
    item = e.item
    item.id, item.status = 10, status
    item.sources = [ItemSource(source_id=at, source_item_id=e.source_item_id, official=official)]
    return item


def test_an_unknown_entry_is_new() -> None:
    assert decide(entry("Appel A"), RELAY, Known()).verdict == Verdict.NEW


def test_the_same_content_again_is_unchanged() -> None:
    old = stored(entry("Appel A", deadline=date(2027, 3, 1)))
    again = entry("Appel A", deadline=date(2027, 3, 1))
    assert decide(again, RELAY, Known(same_source=old)).verdict == Verdict.UNCHANGED


def test_a_deadline_extended_updates_a_new_item() -> None:
    old = stored(entry("Appel A", deadline=date(2027, 3, 1)))
    d = decide(entry("Appel A", deadline=date(2027, 4, 1)), RELAY, Known(same_source=old))
    assert d.verdict == Verdict.UPDATED and d.applied
    apply(d)
    assert d.changes == {"deadline": [date(2027, 3, 1), date(2027, 4, 1)]}
    assert old.deadline == date(2027, 4, 1) and old.pending_update is None


def test_a_change_to_an_approved_item_is_kept_for_review_not_applied() -> None:
    old = stored(entry("Appel A", deadline=date(2027, 3, 1)), status=ItemStatus.APPROVED)
    new = entry("Appel A", deadline=date(2027, 4, 1))
    d = decide(new, RELAY, Known(same_source=old))
    assert d.verdict == Verdict.UPDATED and not d.applied
    apply(d)
    assert old.deadline == date(2027, 3, 1) and old.pending_update == {"deadline": "2027-04-01"}
    assert decide(new, RELAY, Known(same_source=old)).verdict == Verdict.UNCHANGED  # reported once


def test_same_canonical_url_from_another_source_is_a_duplicate_that_fills_gaps() -> None:
    old = stored(entry("Appel A", url="https://f.example/a"))
    copy = entry("Appel A (relayé)", url="http://www.f.example/a/?utm_source=x", deadline=date(2027, 1, 9))
    d = decide(copy, source(name="autre", id=3), Known(same_url=[old]))
    assert d.verdict == Verdict.DUPLICATE and d.applied
    apply(d)
    assert old.title == "Appel A" and old.deadline == date(2027, 1, 9)


def test_the_official_source_wins_over_relays() -> None:
    relayed = stored(entry("AAP Initiatives locales 2027", url="https://relais.example/x", deadline=date(2027, 3, 15)))
    official = entry("AAP « Initiatives locales » 2027", url="https://agence.example/x", deadline=date(2027, 3, 15))
    official.item.kind = ItemKind.FUNDING
    d = decide(official, OFFICIAL, Known(same_dates=[relayed]))
    assert d.verdict == Verdict.DUPLICATE
    apply(d)
    assert relayed.url == "https://agence.example/x" and relayed.kind == ItemKind.FUNDING


def test_a_relay_never_overwrites_what_the_official_source_says() -> None:
    item = stored(entry("Appel", deadline=date(2027, 3, 15)))
    item.sources.append(ItemSource(source_id=2, source_item_id="o", official=True))
    d = decide(entry("Appel modifié par un relais", deadline=date(2027, 3, 15)), RELAY, Known(same_source=item))
    assert d.verdict == Verdict.UNCHANGED and item.title == "Appel"


def test_fuzzy_matching_needs_both_a_near_identical_title_and_a_common_date() -> None:
    old = stored(entry("Appel à projets Solidarité internationale et territoires 2027", deadline=date(2027, 2, 10)))
    other = source(name="autre", id=3)
    near = "Appel a projets « Solidarité internationale et territoires » 2027"
    assert decide(entry(near, deadline=date(2027, 2, 10)), other, Known(same_dates=[old])).verdict == Verdict.DUPLICATE
    assert decide(entry(near, deadline=date(2027, 2, 11)), other, Known(same_dates=[old])).verdict == Verdict.NEW
    different = entry("Appel à projets Santé et territoires 2027", deadline=date(2027, 2, 10))
    assert decide(different, other, Known(same_dates=[old])).verdict == Verdict.NEW


def test_two_items_of_one_source_are_never_merged() -> None:
    old = stored(entry("Permanence", url="https://a.example/p", sid="p#1"), at=1)
    assert decide(entry("Permanence", url="https://a.example/p", sid="p#2"), RELAY, Known(same_url=[old])).verdict == (
        Verdict.NEW
    )


def test_title_similarity_ignores_accents_case_and_punctuation() -> None:
    assert similar_titles("Éducation : l'ECSI !", "education l ecsi") == 1.0
