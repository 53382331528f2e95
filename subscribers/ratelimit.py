"""A sliding-window limit per key (an IP, an address), in memory: sign-up bombs come in bursts, and a restart
forgetting the window costs nothing worse than a few extra confirmation emails."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import timedelta

from core.clock import Clock
from core.errors import InvalidInput


class RateLimited(InvalidInput):
    """Too many attempts; the web layer answers 429."""


class RateLimiter:
    def __init__(self, limit: int, window: timedelta, clock: Clock) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str) -> bool:
        """Count an attempt for ``key``; False when the limit is already reached (the attempt is not counted)."""
        now = self._clock.now().timestamp()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window.total_seconds():
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True
