"""One entry point for the parse workers: body in, enriched entries out. Pure and picklable, so it runs in a
process pool off the event loop."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from core.errors import FetchError
from core.model import Source, SourceKind
from core.text import safe_url, strip_controls
from watch.clean import canonical_url, content_hash, text_lines
from watch.dates import read_item_dates
from watch.entry import Entry
from watch.parse_feed import parse_feed
from watch.parse_html import parse_html
from watch.parse_ical import parse_ical
from watch.parse_json import parse_json
from watch.tags import _Compiled, suggest

MAX_ID_LENGTH = 900
MAX_ITEMS_PER_SOURCE = 500  # a page listing more is a mistake or an archive: keep the first ones
# An agenda's events are already bounded by its horizon (window_days, past_days, max_occurrences) and come soonest
# first: an organisation's calendar export of a few hundred events over two years is no mistake.
MAX_EVENTS_PER_CALENDAR = 2_000


def parse_body(
    source: Source,
    body: bytes,
    url: str,
    content_type: str | None,
    *,
    reference: datetime,
    rules: Sequence[_Compiled] = (),
) -> list[Entry]:
    """Parse ``body`` as the source's kind, then enrich each entry (dates, identity, tags, hash)."""
    try:
        if source.kind == SourceKind.FEED:
            entries = parse_feed(body, source, url, content_type)
        elif source.kind == SourceKind.HTML:
            entries = parse_html(body, source, url, content_type, reference=reference)
        elif source.kind == SourceKind.ICAL:
            entries = parse_ical(body, source, url, content_type, reference=reference)
        else:
            entries = parse_json(body, source, url, content_type, reference=reference)
    except FetchError:
        raise
    except Exception as exc:  # a parser library's own failure on hostile input: one source's error, not a crash
        raise FetchError(
            f"cannot parse {source.kind} body: {type(exc).__name__}: {exc}", code="unreadable_body"
        ) from None
    entries = _unique(entries[: MAX_EVENTS_PER_CALENDAR if source.kind == SourceKind.ICAL else MAX_ITEMS_PER_SOURCE])
    for entry in entries:
        enrich(entry, reference=reference, rules=rules, date_order=str(source.options.get("date_order") or "DMY"))
    return entries


def enrich(
    entry: Entry,
    *,
    reference: datetime,
    rules: Sequence[_Compiled] = (),
    date_order: str = "DMY",
    detail_text: str = "",
) -> None:
    """Deadline and opening date from the whole text (and the detail page's) when no field gave them, with their
    evidence; canonical URL; suggested tags; hash."""
    _scrub(entry)
    item = entry.item
    if len(entry.source_item_id) > MAX_ID_LENGTH:  # storage keeps 1,000 characters; a hash stays unique
        entry.source_item_id = "sha256:" + hashlib.sha256(entry.source_item_id.encode()).hexdigest()
    read_item_dates(item, reference=reference, date_order=date_order, extra_text=detail_text)
    item.canonical_url = canonical_url(item.url)
    # Tags from the whole text (the summary is its first 600 characters; places often come later).
    body = text_lines(item.body_html) if item.body_html else ""
    fields = {"title": item.title, "body": body} if body else {"title": item.title, "summary": item.summary}
    item.suggested_tags = suggest({**fields, "place": item.place or ""}, rules, already=item.tags)
    item.content_hash = fingerprint(entry)


def _scrub(entry: Entry) -> None:
    """Whatever a parser read, control characters go (NUL breaks PostgreSQL, the others Atom and the admin's
    pages) and a link that is not http(s) is no link: ``javascript:`` and ``file:`` never reach a page."""
    item = entry.item
    for name in ("title", "summary", "body_html", "place"):
        value = getattr(item, name)
        if isinstance(value, str):
            setattr(item, name, strip_controls(value))
    item.url = safe_url(item.url)
    if item.url is None:
        item.field_origins.pop("url", None)
    item.tags = [t for t in (strip_controls(t).strip() for t in item.tags) if t]
    entry.source_item_id = strip_controls(entry.source_item_id)


def fingerprint(entry: Entry) -> str:
    i = entry.item
    return content_hash(i.title, i.url, i.body_html, i.deadline, i.opening_date, i.starts_at, i.ends_at, i.place)


def _unique(entries: list[Entry]) -> list[Entry]:
    """One entry per source id: a feed repeating a GUID keeps its first."""
    seen: set[str] = set()
    out = []
    for e in entries:
        if e.source_item_id not in seen:
            seen.add(e.source_item_id)
            out.append(e)
    return out


def with_details(
    source: Source, entries: list[Entry], pages: Sequence[object], reference: datetime, rules: Sequence[_Compiled] = ()
) -> list[Entry]:
    """Complete entries from their detail pages (``pages[i]`` is entry i's page or None), then re-enrich."""
    from watch.fetched import Fetched
    from watch.item_text import page_text
    from watch.parse_html import apply_detail

    for entry, page in zip(entries, pages, strict=False):
        if isinstance(page, Fetched) and page.status == 200:
            try:
                apply_detail(entry, page.body, source, page.content_type, reference=reference)
            except Exception:  # noqa: S112 - a broken detail page leaves the item as the list page gave it
                continue
            selector = source.options.get("detail_body")
            detail_text = page_text(page.body, page.content_type, str(selector) if selector else None)
            order = str(source.options.get("date_order") or "DMY")
            enrich(entry, reference=reference, rules=rules, date_order=order, detail_text=detail_text)
    return entries
