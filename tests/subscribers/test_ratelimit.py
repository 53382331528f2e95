"""The sliding-window limiter of sign-ups: per key, over a frozen clock, with bounded memory."""

from __future__ import annotations

import sys
import threading
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


def test_threads_hitting_at_once_neither_break_it_nor_pass_the_limit() -> None:
    """A web worker's pages do their database work (and so the sign-up's limit) in threads."""
    clock = FrozenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    limiter = RateLimiter(5, timedelta(hours=1), clock, max_keys=50)
    accepted: list[str] = []
    errors: list[BaseException] = []

    def hammer(n: int) -> None:
        try:
            for i in range(3_000):
                key = f"192.0.2.{(n * 7 + i) % 120}"
                if limiter.hit(key):
                    accepted.append(key)
        except BaseException as exc:  # a race: a key evicted twice, a window emptied twice
            errors.append(exc)

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    assert errors == []
    assert len(limiter._hits) <= 50
    assert accepted  # every key accepted at most its limit while it was remembered: the window itself holds
    assert all(len(hits) <= 5 for hits in limiter._hits.values())
