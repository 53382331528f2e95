"""RSS 0.9x/1.0/2.0 and Atom through feedparser (its own sanitiser off: nh3 does that once), JSON Feed by hand."""

from __future__ import annotations

import calendar
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from core.errors import FetchError
from core.model import Source
from watch.clean import canonical_url
from watch.entry import Entry, decode, new_item


def parse_feed(body: bytes, source: Source, url: str, content_type: str | None = None) -> list[Entry]:
    head = body.lstrip()[:1]
    if head in (b"{", b"["):
        return parse_json_feed(body, source, url)
    # No base URI for feedparser: with one, it joins URLs at every element of the feed (a tenth of its time);
    # the few links we keep are made absolute here, against the feed's own xml:base when it has one.
    parsed = feedparser.parse(
        body,
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers={"content-type": content_type or "application/xml"},
    )
    if parsed.bozo and not parsed.entries:
        raise FetchError(f"not a readable feed: {_reason(parsed.get('bozo_exception'))}", code="unreadable_feed")
    if not parsed.version and not parsed.entries:
        raise FetchError("not a feed (no RSS, Atom or JSON Feed root element)", code="not_a_feed")
    base = urljoin(url, parsed.feed.get("link") or "")
    out = []
    for e in parsed.entries:
        link = urljoin(url, e["link"]) if e.get("link") else None
        content = e.get("content") or []
        html = content[0].get("value", "") if content else e.get("summary", "")
        item = new_item(source, title=e.get("title", ""), url=link, html=html, base_url=link or base, origin="feed")
        item.published_at = _struct(_raw(e, "published_parsed") or _raw(e, "updated_parsed"))
        ident = e.get("id") or canonical_url(link) or item.title
        out.append(Entry(str(ident), item))
    return out


def parse_json_feed(body: bytes, source: Source, url: str) -> list[Entry]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise FetchError(
            "JSON that is not a JSON Feed (no jsonfeed.org version); use kind = 'json'", code="not_a_json_feed"
        )
    items = doc.get("items")
    if not isinstance(items, list):
        raise FetchError("JSON Feed without an 'items' list", code="json_feed_without_items")
    out = []
    for raw in items:
        if not isinstance(raw, dict):
            continue
        link = raw.get("url") or raw.get("external_url")
        html = raw.get("content_html") or _escape(raw.get("content_text") or raw.get("summary") or "")
        item = new_item(
            source, title=str(raw.get("title", "")), url=link, html=html, base_url=link or url, origin="feed"
        )
        item.published_at = _iso(raw.get("date_published") or raw.get("date_modified"))
        ident = raw.get("id") or canonical_url(link) or item.title
        out.append(Entry(str(ident), item))
    return out


def _raw(entry: Any, key: str) -> Any:
    """A key as the feed gave it: feedparser's own fallback between keys warns that it will go away."""
    return dict.get(entry, key)


def _struct(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _reason(exc: object) -> str:
    return str(exc).splitlines()[0] if exc else "unknown format"


__all__ = ["decode", "parse_feed", "parse_json_feed"]
