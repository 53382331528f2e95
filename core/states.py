"""Allowed state transitions, in one place. Every status change in Relais goes through here."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from core.errors import InvalidTransition
from core.model import DeliveryStatus, IssueStatus, ItemStatus, ProposalStatus, SubscriberStatus

S = TypeVar("S", bound=StrEnum)

ITEM: Mapping[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.NEW: frozenset({ItemStatus.APPROVED, ItemStatus.REJECTED, ItemStatus.ARCHIVED}),
    ItemStatus.APPROVED: frozenset({ItemStatus.REJECTED, ItemStatus.ARCHIVED, ItemStatus.NEW}),
    ItemStatus.REJECTED: frozenset({ItemStatus.APPROVED, ItemStatus.NEW, ItemStatus.ARCHIVED}),
    ItemStatus.ARCHIVED: frozenset({ItemStatus.NEW}),
}

ISSUE: Mapping[IssueStatus, frozenset[IssueStatus]] = {
    IssueStatus.DRAFT: frozenset({IssueStatus.SCHEDULED, IssueStatus.SENDING, IssueStatus.CANCELLED}),
    IssueStatus.SCHEDULED: frozenset({IssueStatus.DRAFT, IssueStatus.SENDING, IssueStatus.CANCELLED}),
    IssueStatus.SENDING: frozenset({IssueStatus.SENT, IssueStatus.PAUSED, IssueStatus.CANCELLED}),
    IssueStatus.PAUSED: frozenset({IssueStatus.SENDING, IssueStatus.CANCELLED}),
    IssueStatus.SENT: frozenset(),
    IssueStatus.CANCELLED: frozenset(),
}

SUBSCRIBER: Mapping[SubscriberStatus, frozenset[SubscriberStatus]] = {
    SubscriberStatus.PENDING: frozenset({SubscriberStatus.CONFIRMED, SubscriberStatus.UNSUBSCRIBED}),
    SubscriberStatus.CONFIRMED: frozenset(
        {SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED}
    ),
    # Coming back always needs a confirmed link (double opt-in again).
    SubscriberStatus.UNSUBSCRIBED: frozenset({SubscriberStatus.CONFIRMED}),
    SubscriberStatus.BOUNCED: frozenset({SubscriberStatus.CONFIRMED, SubscriberStatus.UNSUBSCRIBED}),
    SubscriberStatus.COMPLAINED: frozenset({SubscriberStatus.UNSUBSCRIBED}),
}

DELIVERY: Mapping[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.QUEUED: frozenset({DeliveryStatus.SENDING, DeliveryStatus.SKIPPED}),
    DeliveryStatus.SENDING: frozenset(
        {
            DeliveryStatus.ACCEPTED,
            DeliveryStatus.DEFERRED,
            DeliveryStatus.BOUNCED,
            DeliveryStatus.FAILED,
            DeliveryStatus.SKIPPED,
            DeliveryStatus.QUEUED,  # in flight at a crash: handed back to the queue
        }
    ),
    DeliveryStatus.DEFERRED: frozenset({DeliveryStatus.SENDING, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED}),
    DeliveryStatus.ACCEPTED: frozenset({DeliveryStatus.BOUNCED}),  # a DSN may arrive later
    DeliveryStatus.BOUNCED: frozenset(),
    DeliveryStatus.FAILED: frozenset(),
    DeliveryStatus.SKIPPED: frozenset(),
}

PROPOSAL: Mapping[ProposalStatus, frozenset[ProposalStatus]] = {
    ProposalStatus.PENDING: frozenset({ProposalStatus.CONFIRMED}),  # only its contact's link confirms it
    # told once: an item approved after a decline (or the reverse) does not mail the proposer again
    ProposalStatus.CONFIRMED: frozenset({ProposalStatus.PUBLISHED, ProposalStatus.DECLINED}),
    ProposalStatus.PUBLISHED: frozenset(),
    ProposalStatus.DECLINED: frozenset(),
}

_TABLES: dict[type[StrEnum], Mapping[object, frozenset[object]]] = {
    ItemStatus: ITEM,  # type: ignore[dict-item]
    IssueStatus: ISSUE,  # type: ignore[dict-item]
    SubscriberStatus: SUBSCRIBER,  # type: ignore[dict-item]
    DeliveryStatus: DELIVERY,  # type: ignore[dict-item]
    ProposalStatus: PROPOSAL,  # type: ignore[dict-item]
}


def can_move(current: S, target: S) -> bool:
    """Whether ``current -> target`` is allowed (staying put is always allowed)."""
    if current == target:
        return True
    return target in _TABLES[type(current)][current]


def move(current: S, target: S) -> S:
    """Return ``target`` if the transition is allowed, else raise :class:`InvalidTransition`."""
    if not can_move(current, target):
        raise InvalidTransition(
            f"{type(current).__name__}: {current} -> {target} is not allowed",
            code="transition_refused",
            status=current,
            target=target,
        )
    return target
