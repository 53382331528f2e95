"""A sliding-window limit per key (an IP, an address), in memory: sign-up bombs come in bursts, and a restart
forgetting the window costs nothing worse than a few extra confirmation emails. Memory is bounded: past
``max_keys`` keys, the oldest tenth is forgotten (a flood of addresses cannot grow it without end).

The one sliding-window limiter of Relais (logins have their own backoff rules: ``admin.throttle``; sending rates
are token buckets: ``delivery.limits``)."""

from __future__ import annotations

import threading
from collections import deque
from datetime import timedelta

from core.clock import Clock
from core.errors import InvalidInput


class RateLimited(InvalidInput):
    """Too many attempts; the web layer answers 429."""


class RateLimiter:
    def __init__(self, limit: int, window: timedelta, clock: Clock, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # a web worker's pages do their database work in threads (admin.web.blocking)

    def hit(self, key: str) -> bool:
        """Count an attempt for ``key``; False when the limit is already reached (the attempt is not counted)."""
        with self._lock:
            return self._hit(key)

    def _hit(self, key: str) -> bool:
        now = self._clock.now().timestamp()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                for old in list(self._hits)[: max(1, self.max_keys // 10)]:
                    del self._hits[old]
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window.total_seconds():
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True
