"""Sending windows: ``"mon-fri 08:00-18:00"`` in the network's time zone; empty means any time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.errors import ConfigError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True, slots=True)
class SendWindow:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    tz: ZoneInfo

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        return local.weekday() in self.days and self.start <= local.time() < self.end


def _days(spec: str) -> frozenset[int]:
    out: set[int] = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        if a not in DAYS or (b and b not in DAYS):
            raise ValueError(f"unknown day in {spec!r} (use mon, tue, wed, thu, fri, sat, sun)")
        i, j = DAYS.index(a), DAYS.index(b or a)
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return frozenset(out)


def parse_window(text: str, timezone: str) -> SendWindow | None:
    """``"mon-fri 08:00-18:00"``, ``"08:00-18:00"`` (every day), ``"mon,wed 9:00-12:00"``, or ``""`` (none)."""
    text = text.strip().lower()
    if not text:
        return None
    try:
        parts = text.split()
        days = _days(parts[0]) if len(parts) == 2 else frozenset(range(7))
        hours = parts[-1]
        a, b = hours.split("-")
        start, end = time.fromisoformat(a.zfill(5)), time.fromisoformat(b.zfill(5))
        if len(parts) > 2 or start >= end:
            raise ValueError("the window must be 'days HH:MM-HH:MM' with start before end")
    except ValueError as exc:
        raise ConfigError(f"mail.send_window: {text!r}: {exc}", code="send_window", value=text, detail=exc) from None
    return SendWindow(days, start, end, ZoneInfo(timezone))
