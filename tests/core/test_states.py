"""State transitions are explicit and refused when not allowed."""

from __future__ import annotations

import pytest

from core.errors import InvalidTransition
from core.model import DeliveryStatus, IssueStatus, ItemStatus, SubscriberStatus
from core.states import DELIVERY, ISSUE, ITEM, SUBSCRIBER, can_move, move


def test_every_state_has_a_row() -> None:
    assert set(ITEM) == set(ItemStatus)
    assert set(ISSUE) == set(IssueStatus)
    assert set(SUBSCRIBER) == set(SubscriberStatus)
    assert set(DELIVERY) == set(DeliveryStatus)


def test_allowed_moves() -> None:
    assert move(ItemStatus.NEW, ItemStatus.APPROVED) is ItemStatus.APPROVED
    assert move(IssueStatus.SENDING, IssueStatus.PAUSED) is IssueStatus.PAUSED
    assert move(DeliveryStatus.SENDING, DeliveryStatus.QUEUED) is DeliveryStatus.QUEUED
    assert can_move(IssueStatus.SENT, IssueStatus.SENT)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (IssueStatus.SENT, IssueStatus.DRAFT),
        (IssueStatus.CANCELLED, IssueStatus.SENDING),
        (DeliveryStatus.ACCEPTED, DeliveryStatus.QUEUED),
        (SubscriberStatus.PENDING, SubscriberStatus.BOUNCED),
        (SubscriberStatus.COMPLAINED, SubscriberStatus.CONFIRMED),
    ],
)
def test_refused_moves(current: IssueStatus, target: IssueStatus) -> None:
    with pytest.raises(InvalidTransition, match=f"{current} -> {target}"):
        move(current, target)
