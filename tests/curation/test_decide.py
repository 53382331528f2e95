"""Pure decisions: status moves through core.states, tags and suggestions, pending updates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.errors import InvalidInput, InvalidTransition
from core.model import Item, ItemKind, ItemStatus, SuggestedTag
from curation.decide import accept_pending, apply_edit, change_status, change_tags, dismiss_pending, refuse_suggestion

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def item(**kw: object) -> Item:
    return Item(kind=ItemKind.CALL, title="Appel à projets Festisol", id=1, **kw)  # type: ignore[arg-type]


def test_approving_dates_and_signs_the_item() -> None:
    after, logged = change_status(item(), ItemStatus.APPROVED, actor="ed@example.org", now=NOW)
    assert after.status is ItemStatus.APPROVED and after.approved_at == NOW and after.approved_by == "ed@example.org"
    assert logged == {"status": ["new", "approved"]}


def test_rejecting_an_approved_item_forgets_the_approval() -> None:
    approved = item(status=ItemStatus.APPROVED, approved_at=NOW, approved_by="ed@example.org")
    after, _ = change_status(approved, ItemStatus.REJECTED, actor="x", now=NOW)
    assert after.approved_at is None and after.approved_by is None


def test_an_archived_item_cannot_be_approved_directly() -> None:
    with pytest.raises(InvalidTransition):
        change_status(item(status=ItemStatus.ARCHIVED), ItemStatus.APPROVED, actor="x", now=NOW)


def test_an_edit_logs_old_and_new_and_marks_the_editor_as_origin() -> None:
    after, logged = apply_edit(
        item(deadline=date(2026, 12, 1)), {"deadline": date(2026, 12, 15), "title": "Appel à projets Festisol"}
    )
    assert logged == {"deadline": ["2026-12-01", "2026-12-15"]}
    assert after.field_origins == {"deadline": "editor"}


def test_adding_a_suggested_tag_accepts_it_and_removing_one_refuses_it() -> None:
    start = item(tags=["eau"], suggested_tags=[SuggestedTag("ecsi", "Festisol"), SuggestedTag("afrique", "Sénégal")])
    after, logged = change_tags(start, add=["ecsi"], remove=["afrique", "eau"])
    assert after.tags == ["ecsi"] and after.suggested_tags == []
    assert logged == {"added": ["ecsi"], "removed": ["eau"], "refused_suggestions": ["afrique"]}


def test_the_same_tag_added_and_removed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="ajoutée et retirée"):
        change_tags(item(), add=["eau"], remove=["eau"])


def test_refusing_a_suggestion_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="aucune suggestion"):
        refuse_suggestion(item(), "eau")


def test_a_pending_update_is_applied_with_its_types_or_dismissed() -> None:
    start = item(status=ItemStatus.APPROVED, pending_update={"deadline": {"old": None, "new": "2026-12-20"}, "id": 9})
    after, logged = accept_pending(start)
    assert after.deadline == date(2026, 12, 20) and after.pending_update is None and after.id == 1
    assert logged["pending_update"] == "accepted"
    assert dismiss_pending(start)[0].pending_update is None
    with pytest.raises(InvalidInput):
        dismiss_pending(item())


def test_approving_an_approved_item_changes_and_logs_nothing() -> None:
    approved = item(status=ItemStatus.APPROVED, approved_at=NOW, approved_by="first@example.org")
    after, logged = change_status(approved, ItemStatus.APPROVED, actor="second@example.org", now=NOW)
    assert after.approved_by == "first@example.org" and logged == {}


def test_approving_accepts_the_suggestions_the_editor_has_not_declined() -> None:
    start = item(tags=["eau"], suggested_tags=[SuggestedTag("ecsi", "Festisol"), SuggestedTag("afrique", "Sénégal")])
    declined, _ = refuse_suggestion(start, "afrique")
    after, logged = change_status(declined, ItemStatus.APPROVED, actor="ed@example.org", now=NOW)
    assert after.tags == ["eau", "ecsi"] and after.suggested_tags == []
    assert logged == {"status": ["new", "approved"], "accepted_suggestions": ["ecsi"]}
    rejected, _ = change_status(start, ItemStatus.REJECTED, actor="ed@example.org", now=NOW)
    assert rejected.tags == ["eau"] and len(rejected.suggested_tags) == 2  # only approval accepts them
