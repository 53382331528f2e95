"""Rate limits and sending windows, as pure decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import ConfigError
from delivery.ledger import backoff
from delivery.limits import RateLimiter
from delivery.window import parse_window


def test_a_slow_domain_does_not_hold_up_the_others() -> None:
    limiter = RateLimiter(0, {"orange.fr": 2})
    t = 100.0
    for _ in range(2):
        assert limiter.delay("a@orange.fr", t) == 0
        limiter.take("a@orange.fr", t)
    assert limiter.delay("b@orange.fr", t) == pytest.approx(0.5)
    assert limiter.delay("c@gmail.com", t) == 0
    assert limiter.delay("b@ORANGE.fr", t + 0.5) == 0


def test_the_global_rate_spaces_every_message() -> None:
    limiter = RateLimiter(10, {})
    limiter.take("a@x.fr", 0.0)
    limiter.take("a@x.fr", 0.0)  # the burst of 10 allows this
    for _ in range(8):
        limiter.take("a@x.fr", 0.0)
    assert limiter.delay("b@y.fr", 0.0) == pytest.approx(0.1)


def test_backoff_doubles_then_caps() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(20).total_seconds() == 4 * 3600


def test_weekday_office_hours_in_paris() -> None:
    w = parse_window("mon-fri 08:00-18:00", "Europe/Paris")
    assert w is not None
    assert w.is_open(datetime(2026, 11, 2, 7, 30, tzinfo=UTC))  # Monday 08:30 in Paris
    assert not w.is_open(datetime(2026, 11, 2, 6, 30, tzinfo=UTC))  # 07:30 in Paris
    assert not w.is_open(datetime(2026, 11, 7, 10, 0, tzinfo=UTC))  # Saturday
    assert parse_window("", "Europe/Paris") is None
    every_day = parse_window("9:00-12:00", "Europe/Paris")
    assert every_day is not None and every_day.is_open(datetime(2026, 11, 8, 9, 0, tzinfo=UTC))


@pytest.mark.parametrize("text", ["lundi 08:00-18:00", "mon-fri 18:00-08:00", "mon-fri 8h-18h", "mon fri 8:00-9:00"])
def test_a_bad_window_is_refused_with_its_key(text: str) -> None:
    with pytest.raises(ConfigError, match=r"mail\.send_window"):
        parse_window(text, "Europe/Paris")
