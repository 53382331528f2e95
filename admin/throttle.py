"""Login throttling: growing delays per (account, address), per address, and — softer — per account.

There is no account lock: a lock is something a stranger can put on anyone's account by failing on purpose.
Instead, after a number of free failures each further attempt must wait 2^k seconds (k = failures beyond the free
ones), capped, and a throttled attempt is answered without checking the password (it costs the attacker nothing
to send and teaches nothing).

- per (account, address): someone guessing one account from one address is slowed to one try per 15 minutes;
- per address: one address spraying many accounts is slowed the same way;
- per account: guesses from many addresses are slowed too, but its delay is capped at 30 seconds, so that the
  owner, from their own address, is never kept out longer than that while a stranger hammers their account.

Only real password checks count as failures (a throttled attempt does not lengthen the wait). A success forgets
the failures of that (account, address) pair only: logging into one's own account must not reset an address
that sprays others. State is in memory, per process (several workers each keep their own: the delays still grow
exponentially), bounded in size, and read from the injected clock so that tests freeze time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock


@dataclass(frozen=True, slots=True)
class Rule:
    free: int  # failures allowed before any wait
    cap: timedelta  # the longest wait
    forget: timedelta  # failures are forgotten this long after the last one (longer than cap)

    def ready_at(self, failures: int, last: datetime) -> datetime:
        if failures < self.free:
            return last
        return last + min(timedelta(seconds=2 ** min(failures - self.free, 30)), self.cap)


PAIR = Rule(free=5, cap=timedelta(minutes=15), forget=timedelta(hours=1))
ADDRESS = Rule(free=20, cap=timedelta(minutes=15), forget=timedelta(hours=1))
ACCOUNT = Rule(free=20, cap=timedelta(seconds=30), forget=timedelta(hours=1))


@dataclass(slots=True)
class _State:
    failures: int
    last: datetime


class LoginThrottle:
    def __init__(self, clock: Clock, *, max_keys: int = 100_000) -> None:
        self.clock, self.max_keys = clock, max_keys
        self._states: dict[tuple[str, ...], _State] = {}

    @staticmethod
    def _keys(account: str, address: str) -> list[tuple[tuple[str, ...], Rule]]:
        account = account.strip().lower()[:320]
        return [(("pair", account, address), PAIR), (("address", address), ADDRESS), (("account", account), ACCOUNT)]

    def _state(self, key: tuple[str, ...], rule: Rule, now: datetime) -> _State | None:
        state = self._states.get(key)
        if state is not None and now - state.last > rule.forget:
            del self._states[key]
            return None
        return state

    def wait(self, account: str, address: str) -> int:
        """Seconds (rounded up) before this attempt may be checked; 0: check it now."""
        now = self.clock.now()
        longest = 0.0
        for key, rule in self._keys(account, address):
            state = self._state(key, rule, now)
            if state is not None:
                longest = max(longest, (rule.ready_at(state.failures, state.last) - now).total_seconds())
        return math.ceil(longest)

    def failed(self, account: str, address: str) -> None:
        """A password was checked and was wrong (or the account unknown or disabled: the same answer)."""
        now = self.clock.now()
        for key, rule in self._keys(account, address):
            state = self._state(key, rule, now)
            if state is None:
                self._make_room(now)
                self._states[key] = _State(1, now)
            else:
                state.failures, state.last = state.failures + 1, now

    def succeeded(self, account: str, address: str) -> None:
        pair_key, _rule = self._keys(account, address)[0]
        self._states.pop(pair_key, None)

    def _make_room(self, now: datetime) -> None:
        if len(self._states) < self.max_keys:
            return
        horizon = now - max(PAIR.forget, ADDRESS.forget, ACCOUNT.forget)
        for key in [k for k, s in self._states.items() if s.last < horizon]:
            del self._states[key]
        if len(self._states) >= self.max_keys:  # all recent: forget the oldest tenth (dicts keep insertion order)
            for key in list(self._states)[: max(1, self.max_keys // 10)]:
                del self._states[key]
