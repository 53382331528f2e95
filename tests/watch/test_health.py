"""Health after a run: exponential backoff with a cap, Retry-After and max-age honoured, 304 share kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.model import SourceHealth
from watch.fetch import Fetched, cache_max_age, retry_after_seconds
from watch.health import after_failure, after_success, backoff_seconds, not_modified_share, resting

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
HOUR, DAY = 3600, 86400


def fail(h: SourceHealth, retry_after: int | None = None) -> SourceHealth:
    return after_failure(h, now=NOW, error="HTTP 500", retry_after=retry_after, min_backoff=HOUR, max_backoff=DAY)


def test_backoff_doubles_from_an_hour_to_a_day_and_never_stops() -> None:
    assert [backoff_seconds(n, min_backoff=HOUR, max_backoff=DAY) for n in range(1, 8)] == [
        HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, DAY, DAY,
    ]  # fmt: skip
    h = SourceHealth()
    for _ in range(40):
        h = fail(h)
    assert h.consecutive_failures == 40 and h.backoff_until == NOW + timedelta(seconds=DAY)


def test_a_success_clears_failures_and_backoff() -> None:
    h = fail(fail(SourceHealth()))
    h = after_success(h, now=NOW, fetched=Fetched("u", 200, b"x", etag='"v1"'), items=3, body_hash="abc")
    assert h.consecutive_failures == 0 and h.backoff_until is None and h.last_error == "HTTP 500"
    assert (h.etag, h.content_hash, h.last_items, h.runs) == ('"v1"', "abc", 3, 3)


def test_retry_after_is_honoured_within_the_cap() -> None:
    assert fail(SourceHealth(), retry_after=7200).backoff_until == NOW + timedelta(hours=2)
    assert fail(SourceHealth(), retry_after=10 * DAY).backoff_until == NOW + timedelta(days=1)


def test_zero_item_runs_count_until_items_come_back() -> None:
    h = SourceHealth()
    for _ in range(3):
        h = after_success(h, now=NOW, fetched=None, items=0, body_hash=None)
    assert h.zero_item_runs == 3
    assert after_success(h, now=NOW, fetched=None, items=2, body_hash=None).zero_item_runs == 0


def test_not_modified_runs_keep_validators_and_count_in_the_share() -> None:
    h = after_success(SourceHealth(), now=NOW, fetched=Fetched("u", 200, b"x", etag='"v1"'), items=1, body_hash="a")
    h = after_success(h, now=NOW, fetched=Fetched("u", 304), items=None, body_hash=None)
    assert h.etag == '"v1"' and h.not_modified_runs == 1 and not_modified_share(h) == 0.5


def test_resting_sources() -> None:
    assert resting(SourceHealth(), NOW) is None
    assert "backing off" in (resting(fail(SourceHealth()), NOW) or "")
    fresh = after_success(SourceHealth(), now=NOW, fetched=Fetched("u", 200, max_age=600), items=1, body_hash="a")
    assert "fresh" in (resting(fresh, NOW) or "")
    assert resting(fresh, NOW + timedelta(minutes=11)) is None


def test_header_parsing() -> None:
    assert cache_max_age("public, max-age=300") == 300
    assert cache_max_age("no-cache, max-age=300") is None
    assert cache_max_age(None) is None
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds("Mon, 02 Nov 2026 09:00:00 GMT", NOW) == 3600
    assert retry_after_seconds("bientôt", NOW) is None
