"""A newsletter takes what editors approved since the last one, files it into sections, drops what closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.model import ItemKind, ItemStatus
from digest import sections as S
from digest.assemble import approved_since, newsletter_entries, picked_items, selection_entries, theme_items
from tests.digest.digest_factory import TODAY, item


def _sections(entries: list) -> dict[str, list[int]]:  # type: ignore[type-arg]
    out: dict[str, list[int]] = {}
    for e in sorted(entries, key=lambda e: e.position):
        out.setdefault(e.section, []).append(e.item_id)
    return out


def test_items_are_filed_into_sections_in_reading_order() -> None:
    items = [
        item(1, ItemKind.NEWS),
        item(2, ItemKind.FUNDING, deadline=date(2027, 3, 1)),
        item(3, ItemKind.CALL, deadline=date(2027, 1, 15)),
        item(4, ItemKind.EVENT, starts_at=datetime(2026, 12, 3, 18, tzinfo=UTC), tags=["69"]),
        item(5, ItemKind.TRAINING),
        item(6, ItemKind.JOB),
        item(7, ItemKind.CALL, deadline=TODAY + timedelta(days=5)),
        item(8, ItemKind.NEWS, featured=True),
    ]
    entries = newsletter_entries(items, TODAY)
    assert _sections(entries) == {
        S.FEATURED: [8],
        S.CLOSING: [7],
        S.FUNDING: [3, 2],  # by deadline, not by id
        S.EVENTS: [4],
        S.TRAININGS: [5],
        S.JOBS: [6],
        S.NEWS: [1],
    }
    assert [e.position for e in entries] == list(range(8))


def test_items_past_their_deadline_are_dropped_but_today_is_still_open() -> None:
    entries = newsletter_entries(
        [item(1, ItemKind.CALL, deadline=TODAY - timedelta(days=1)), item(2, ItemKind.CALL, deadline=TODAY)], TODAY
    )
    assert [e.item_id for e in entries] == [2]


def test_events_already_over_are_dropped_but_one_ending_today_stays() -> None:
    noon = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    items = [
        item(1, ItemKind.EVENT, starts_at=noon - timedelta(days=9)),  # last week, one day
        item(2, ItemKind.EVENT, starts_at=noon - timedelta(days=3), ends_at=noon),  # ends today
        item(3, ItemKind.TRAINING, starts_at=noon - timedelta(days=30), ends_at=noon - timedelta(days=1)),
        item(4, ItemKind.EVENT, starts_at=noon + timedelta(days=10)),
    ]
    assert sorted(e.item_id for e in newsletter_entries(items, TODAY)) == [2, 4]


def test_only_approved_items_go_in() -> None:
    items = [item(1, status=ItemStatus.NEW), item(2, status=ItemStatus.REJECTED), item(3)]
    assert [e.item_id for e in newsletter_entries(items, TODAY)] == [3]


def test_events_are_sorted_by_date() -> None:
    day = datetime(2026, 12, 3, 18, tzinfo=UTC)
    items = [
        item(1, ItemKind.EVENT, starts_at=day + timedelta(days=2), tags=["01"]),
        item(3, ItemKind.EVENT, starts_at=day, tags=["38"]),
        item(2, ItemKind.EVENT, starts_at=day, tags=["69"]),
        item(4, ItemKind.EVENT),  # no date: last
    ]
    assert _sections(newsletter_entries(items, TODAY))[S.EVENTS] == [2, 3, 1, 4]


def test_selection_is_by_approval_date_never_publication_date() -> None:
    last_issue = datetime(2026, 10, 1, tzinfo=UTC)
    old_but_newly_approved = item(
        1, published_at=datetime(2025, 1, 1, tzinfo=UTC), approved_at=last_issue + timedelta(1)
    )
    fresh_but_approved_before = item(2, published_at=last_issue + timedelta(days=5), approved_at=last_issue)
    chosen = approved_since([old_but_newly_approved, fresh_but_approved_before], last_issue)
    assert [i.id for i in chosen] == [1]
    assert len(approved_since([old_but_newly_approved, fresh_but_approved_before], None)) == 2


def test_theme_items_are_the_open_items_tagged_with_the_theme_closing_soonest_first() -> None:
    items = [
        item(1, ItemKind.CALL, tags=["ecsi"], deadline=date(2027, 2, 1)),
        item(2, ItemKind.CALL, tags=["ecsi", "sante"], deadline=date(2026, 12, 1)),
        item(3, ItemKind.CALL, tags=["sante"]),
        item(4, ItemKind.CALL, tags=["ecsi"], deadline=date(2026, 1, 1)),  # closed
    ]
    assert [i.id for i in theme_items(items, "ecsi", TODAY)] == [2, 1]


def test_hand_picked_items_keep_the_editors_order_and_refuse_bad_ids() -> None:
    pool = {n: item(n) for n in (1, 2, 3)} | {4: item(4, status=ItemStatus.NEW)}
    assert [i.id for i in picked_items(pool, [3, 1], TODAY)] == [3, 1]
    assert [e.position for e in selection_entries(picked_items(pool, [3, 1], TODAY))] == [0, 1]
    with pytest.raises(InvalidInput, match="unknown item"):
        picked_items(pool, [1, 99], TODAY)
    with pytest.raises(InvalidInput, match="not approved"):
        picked_items(pool, [4], TODAY)
    with pytest.raises(InvalidInput, match="twice"):
        picked_items(pool, [1, 1], TODAY)
