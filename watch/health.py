"""What a run does to a source's health: pure functions over :class:`SourceHealth`.

A failing source backs off exponentially, from ``min_backoff`` up to ``max_backoff``, and is tried again after
that: it never stops for good. A server's Retry-After and Cache-Control max-age are honoured (within the cap).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from core.model import SourceHealth
from watch.fetch import Fetched


def resting(health: SourceHealth, now: datetime) -> str | None:
    """Why a source should not be fetched now (backing off, or its last answer still fresh), or None."""
    if health.backoff_until is not None and health.backoff_until > now:
        return f"backing off until {health.backoff_until:%Y-%m-%d %H:%M} UTC"
    if health.fresh_until is not None and health.fresh_until > now:
        return f"fresh until {health.fresh_until:%Y-%m-%d %H:%M} UTC (Cache-Control)"
    return None


def after_success(
    health: SourceHealth, *, now: datetime, fetched: Fetched | None, items: int | None, body_hash: str | None
) -> SourceHealth:
    """``items`` is None when nothing was parsed (304 or the same body as last time)."""
    h = replace(health)
    h.runs += 1
    h.last_run_at = h.last_success_at = now
    h.consecutive_failures = 0
    h.backoff_until = None
    if items is None:
        h.not_modified_runs += 1
    else:
        h.last_items = items
        h.zero_item_runs = h.zero_item_runs + 1 if items == 0 else 0
    if fetched is not None:
        h.etag = fetched.etag or (h.etag if fetched.status == 304 else None)
        h.last_modified = fetched.last_modified or (h.last_modified if fetched.status == 304 else None)
        h.fresh_until = now + timedelta(seconds=fetched.max_age) if fetched.max_age else None
    if body_hash is not None:
        h.content_hash = body_hash
    return h


def after_failure(
    health: SourceHealth,
    *,
    now: datetime,
    error: str,
    retry_after: int | None,
    min_backoff: int,
    max_backoff: int,
) -> SourceHealth:
    h = replace(health)
    h.runs += 1
    h.last_run_at = h.last_error_at = now
    h.last_error = error
    h.consecutive_failures += 1
    wait = backoff_seconds(h.consecutive_failures, min_backoff=min_backoff, max_backoff=max_backoff)
    if retry_after is not None:
        wait = min(max(wait, retry_after), max_backoff)
    h.backoff_until = now + timedelta(seconds=wait)
    return h


def backoff_seconds(failures: int, *, min_backoff: int, max_backoff: int) -> int:
    """min, 2×min, 4×min… capped at max."""
    if failures <= 0:
        return 0
    return int(min(max_backoff, min_backoff * 2 ** min(failures - 1, 30)))


def not_modified_share(health: SourceHealth) -> float:
    return health.not_modified_runs / health.runs if health.runs else 0.0
