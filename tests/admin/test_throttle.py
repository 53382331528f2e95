"""The login throttle decides alone, over a frozen clock: growing delays, capped, no lock for the owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from admin.throttle import ACCOUNT, PAIR, LoginThrottle
from core.clock import FrozenClock

OWNER, STRANGER, HOME = "owner@example.org", "203.0.113.66", "198.51.100.7"


def throttle() -> tuple[LoginThrottle, FrozenClock]:
    clock = FrozenClock(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    return LoginThrottle(clock), clock


def test_after_the_free_failures_each_wait_doubles_up_to_the_cap() -> None:
    t, clock = throttle()
    waits = []
    for _ in range(20):
        waits.append(t.wait(OWNER, STRANGER))
        clock.advance(timedelta(seconds=waits[-1]))
        t.failed(OWNER, STRANGER)
    assert waits[: PAIR.free] == [0] * PAIR.free
    assert waits[PAIR.free : PAIR.free + 5] == [1, 2, 4, 8, 16]
    assert max(waits) == PAIR.cap.total_seconds() == waits[-1]


def test_the_owner_from_another_address_waits_at_most_the_accounts_cap() -> None:
    t, clock = throttle()
    for n in range(200):  # from 200 addresses: the pair and address limits never bite, the account's does
        address = f"192.0.2.{n}"
        clock.advance(timedelta(seconds=t.wait(OWNER, address)))
        t.failed(OWNER, address)
    assert 0 < t.wait(OWNER, HOME) <= ACCOUNT.cap.total_seconds()


def test_a_success_forgets_its_pair_only_and_old_failures_are_forgotten() -> None:
    t, clock = throttle()
    for _ in range(PAIR.free):
        t.failed(OWNER, STRANGER)
    assert t.wait(OWNER, STRANGER) == 1
    t.succeeded(OWNER, STRANGER)
    assert t.wait(OWNER, STRANGER) == 0
    for _ in range(PAIR.free):
        t.failed("other@example.org", HOME)
    clock.advance(PAIR.forget + timedelta(seconds=1))
    assert t.wait("other@example.org", HOME) == 0


def test_addresses_are_compared_as_typed_but_accounts_whatever_their_case() -> None:
    t, _clock = throttle()
    for _ in range(PAIR.free):
        t.failed(" Owner@Example.org ", STRANGER)
    assert t.wait(OWNER, STRANGER) == 1


def test_memory_is_bounded() -> None:
    clock = FrozenClock(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    t = LoginThrottle(clock, max_keys=100)
    for n in range(1_000):
        t.failed(f"user{n}@example.org", f"192.0.2.{n % 250}")
    assert len(t._states) <= 100
