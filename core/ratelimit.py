"""A sliding-window rate limiter over an injected clock (login throttling, sign-up limits)."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from core.clock import Clock


class RateLimiter:
    """At most ``limit`` hits per key within ``window``. In memory: per process, which is what throttling needs."""

    def __init__(self, clock: Clock, *, limit: int, window: timedelta, max_keys: int = 100_000) -> None:
        self.clock, self.limit, self.window, self.max_keys = clock, limit, window, max_keys
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock.now().timestamp()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:  # bounded memory: forget the oldest keys
                for old in list(self._hits)[: self.max_keys // 10]:
                    del self._hits[old]
            hits = self._hits[key] = deque()
        horizon = now - self.window.total_seconds()
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits

    def allowed(self, key: str) -> bool:
        """Whether one more hit is allowed now (does not count it)."""
        return len(self._recent(key)) < self.limit

    def hit(self, key: str) -> bool:
        """Count a hit; returns whether it was within the limit."""
        hits = self._recent(key)
        if len(hits) >= self.limit:
            return False
        hits.append(self.clock.now().timestamp())
        return True

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)
