"""Sending rates: one token bucket for the relay, one per destination domain (orange.fr, gmail.com…).

Pure and clock-injected: :meth:`RateLimiter.delay` says how long a message to a domain must wait, and
:meth:`RateLimiter.take` spends the tokens when it goes. The send loop picks, among its batch, messages that
need not wait, so one slow domain does not hold up the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float  # tokens per second; 0 means unlimited
    burst: float = 0.0
    tokens: float = field(default=0.0, init=False)
    at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.burst = self.burst or max(1.0, self.rate)
        self.tokens = self.burst

    def _refill(self, now: float) -> None:
        if self.at is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def delay(self, now: float) -> float:
        if self.rate <= 0:
            return 0.0
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        if self.rate > 0:
            self._refill(now)
            self.tokens -= 1


class RateLimiter:
    def __init__(self, rate_per_second: float, domain_rates: Mapping[str, float]) -> None:
        self.global_bucket = TokenBucket(rate_per_second)
        self.domains = {d.lower(): TokenBucket(r) for d, r in domain_rates.items() if r > 0}
        self.unlimited = rate_per_second <= 0 and not self.domains  # nothing to pace: every message may go now

    def _bucket(self, recipient: str) -> TokenBucket | None:
        return self.domains.get(recipient.rsplit("@", 1)[-1].lower())

    def delay(self, recipient: str, now: float) -> float:
        bucket = self._bucket(recipient)
        return max(self.global_bucket.delay(now), bucket.delay(now) if bucket else 0.0)

    def take(self, recipient: str, now: float) -> None:
        self.global_bucket.take(now)
        bucket = self._bucket(recipient)
        if bucket:
            bucket.take(now)
