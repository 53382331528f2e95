"""List pages without a feed: CSS selectors from the source's options, and schema.org JSON-LD when present.

Options: ``item`` (one block per item), ``title``, ``link``, ``date``, ``summary``, ``deadline``, and for event
pages ``starts_at``, ``ends_at``, ``place`` (selectors inside the block; see :mod:`watch.when` for how dates and
times are read); ``detail = true`` to read each item's own page (``detail_deadline`` selector, JSON-LD, text cues).
Without ``item``, the page's JSON-LD ``JobPosting`` / ``Event`` / ``Article`` objects are the items.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.errors import FetchError
from core.model import Item, Source
from watch.clean import canonical_url, plain_text, sanitise
from watch.dates import find_deadline, parse_date
from watch.entry import Entry, ResultIds, decode, new_item, to_utc
from watch.when import event_times, iso_time

JSONLD_TYPES = {"JobPosting", "Event", "Article", "NewsArticle", "BlogPosting", "Grant", "CreativeWork"}


def valid_selector(selector: str) -> bool:
    """Whether the HTML parser can read ``selector`` (a wrong one would fail every collection of its source)."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except Exception:  # selectolax raises its own error type, not exported under a stable name
        return False
    return True


def parse_html(body: bytes, source: Source, url: str, content_type: str | None, *, reference: datetime) -> list[Entry]:
    tree = LexborHTMLParser(decode(body, content_type))
    opts = source.options
    page = url
    url = base_url(tree, str(opts.get("base_url") or url))
    order = str(opts.get("date_order") or "DMY")
    ids = ResultIds(page)  # each result of the page is an item, even when two share a link
    if not opts.get("item"):
        return [_from_jsonld(obj, source, url, reference, ids) for obj in jsonld_objects(tree)]
    out = []
    for block in tree.css(str(opts["item"])):
        title = _text(block, opts.get("title"))
        link_node = block.css_first(str(opts["link"])) if opts.get("link") else block.css_first("a[href]")
        href = link_node.attributes.get("href") if link_node is not None else None
        link = urljoin(url, href) if href and "://" in url else href
        summary_node = block.css_first(str(opts["summary"])) if opts.get("summary") else None
        html = summary_node.html or "" if summary_node is not None else ""
        if not title and not link:
            continue  # a block with neither is layout, not an item
        item = new_item(source, title=title or link or "", url=link, html=html, base_url=link or url, origin="html")
        if opts.get("date"):
            item.published_at = _datetime(parse_date(_text(block, opts["date"]), reference=reference, date_order=order))
        if opts.get("deadline"):
            text = _text(block, opts["deadline"])
            item.deadline = find_deadline(text, reference=reference, date_order=order) or parse_date(
                text, reference=reference, date_order=order
            )
            if item.deadline:
                item.field_origins["deadline"] = f"html:{opts['deadline']}"
        _event_fields(item, block, opts, reference, order)
        out.append(Entry(ids.of(link, title), item))
    return out


def _event_fields(item: Item, block: LexborNode, opts: dict[str, Any], reference: datetime, order: str) -> None:
    """``starts_at``, ``ends_at`` and ``place`` from their selectors: a ``datetime`` (or ``content``) attribute
    when the element has one, else its text (a whole range may sit in the start's element)."""
    tz = ZoneInfo(str(opts.get("timezone") or "Europe/Paris"))
    nodes = {name: block.css_first(str(opts[name])) if opts.get(name) else None for name in ("starts_at", "ends_at")}
    texts = {name: node.text(separator=" ").strip() if node is not None else "" for name, node in nodes.items()}
    start, end = event_times(texts["starts_at"], texts["ends_at"], reference=reference, tz=tz, date_order=order)
    for name, node in nodes.items():
        attr = node.attributes.get("datetime") or node.attributes.get("content") if node is not None else None
        exact = iso_time(attr, tz)
        if name == "starts_at":
            start = exact or start
        else:
            end = exact or end
    for name, value in (("starts_at", start), ("ends_at", end)):
        if value is not None:
            setattr(item, name, value)
            item.field_origins[name] = f"html:{opts[name] if opts.get(name) else opts['starts_at']}"
    place = _text(block, opts.get("place"))
    if place:
        item.place = plain_text(place, limit=300)
        item.field_origins["place"] = f"html:{opts['place']}"


def apply_detail(entry: Entry, body: bytes, source: Source, content_type: str | None, *, reference: datetime) -> None:
    """Complete an entry from its own page: JSON-LD dates first, then the ``detail_deadline`` selector."""
    tree = LexborHTMLParser(decode(body, content_type))
    item = entry.item
    for obj in jsonld_objects(tree):
        found = _from_jsonld(obj, source, item.url or "", reference).item
        for name in ("deadline", "starts_at", "ends_at", "place", "opening_date"):
            if getattr(item, name) is None and getattr(found, name) is not None:
                setattr(item, name, getattr(found, name))
                item.field_origins[name] = "detail:json-ld"
    selector = source.options.get("detail_deadline")
    order = str(source.options.get("date_order") or "DMY")
    if item.deadline is None and selector:
        text = _text(tree, str(selector))
        item.deadline = find_deadline(text, reference=reference, date_order=order) or parse_date(
            text, reference=reference, date_order=order
        )
        if item.deadline:
            item.field_origins["deadline"] = f"detail:{selector}"
    if not item.body_html and source.options.get("detail_body"):
        node = tree.css_first(str(source.options["detail_body"]))
        if node is not None:
            item.body_html = sanitise(node.html or "", item.url)
            item.summary = plain_text(item.body_html)


def base_url(tree: LexborHTMLParser, url: str) -> str:
    """The page's ``<base href>`` when it has one (resolved against its own address), else its address."""
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    if not href:
        return url
    return urljoin(url, href) if "://" in url else href


def jsonld_objects(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """Every schema.org object of a known type in the page's ``application/ld+json`` blocks (bad JSON skipped)."""
    found: list[dict[str, Any]] = []
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            doc = json.loads(script.text(deep=True) or "null")
        except ValueError:
            continue
        stack = [doc]
        while stack:
            cur = stack.pop()
            if isinstance(cur, list):
                stack.extend(reversed(cur))
            elif isinstance(cur, dict):
                if "@graph" in cur:
                    stack.append(cur["@graph"])
                types = cur.get("@type")
                names = set(types) if isinstance(types, list) else {types}
                if names & JSONLD_TYPES:
                    found.append(cur)
    return found


def _from_jsonld(
    obj: dict[str, Any], source: Source, url: str, reference: datetime, ids: ResultIds | None = None
) -> Entry:
    link = obj.get("url") if isinstance(obj.get("url"), str) else None
    link = urljoin(url, link) if link and "://" in url else link
    title = str(obj.get("title") or obj.get("name") or obj.get("headline") or "")
    item = new_item(
        source, title=title, url=link, html=str(obj.get("description") or ""), base_url=link or url, origin="json-ld"
    )
    item.published_at = _datetime(parse_date(obj.get("datePosted") or obj.get("datePublished"), reference=reference))
    if obj.get("validThrough"):
        item.deadline = parse_date(obj["validThrough"], reference=reference)
    if obj.get("startDate"):
        item.starts_at = _iso_datetime(obj["startDate"])
        item.ends_at = _iso_datetime(obj.get("endDate"))
    location = obj.get("location")
    if isinstance(location, dict):
        item.place = str(location.get("name") or "") or None
    for name in ("deadline", "starts_at", "ends_at", "place"):
        if getattr(item, name) is not None:
            item.field_origins[name] = "json-ld"
    ident = obj.get("identifier")
    if isinstance(ident, dict):
        ident = ident.get("value")
    if ident:
        return Entry(str(ident), item)
    return Entry(ids.of(link, title) if ids is not None else str(canonical_url(link) or title), item)


def _text(node: LexborHTMLParser | LexborNode, selector: Any) -> str:
    if not selector:
        return ""
    found = node.css_first(str(selector))
    return found.text(separator=" ").strip() if found is not None else ""


def _datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    return to_utc(datetime(value.year, value.month, value.day))


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


__all__ = ["FetchError", "apply_detail", "jsonld_objects", "parse_html"]
