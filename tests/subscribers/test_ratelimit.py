"""The sliding-window limiter of sign-ups: per key, over a frozen clock, with bounded memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clock import FrozenClock
from subscribers.ratelimit import RateLimiter


def test_a_key_gets_its_limit_per_window_then_again_after_it() -> None:
    clock = FrozenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    limiter = RateLimiter(2, timedelta(hours=1), clock)
    assert [limiter.hit("192.0.2.1") for _ in range(3)] == [True, True, False]
    assert limiter.hit("192.0.2.2")  # another key has its own window
    clock.advance(timedelta(minutes=61))
    assert limiter.hit("192.0.2.1")


def test_a_flood_of_keys_does_not_grow_memory_without_end() -> None:
    clock = FrozenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    limiter = RateLimiter(1, timedelta(hours=1), clock, max_keys=100)
    for n in range(1_000):
        limiter.hit(f"adresse{n}@exemple.fr")
    assert len(limiter._hits) <= 100
