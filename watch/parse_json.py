"""JSON APIs: a declared path to the item list and a dotted field mapping.

Options: ``items`` (dotted path to the list, e.g. ``data``), and per field a dotted path inside one element:
``id``, ``title``, ``url``, ``summary``, ``deadline``, ``opening``, ``starts_at``, ``ends_at``, ``published``,
``place``, ``country``, ``organisation``. A path crossing a list collects every value (ReliefWeb's
``fields.country.name`` on a list of countries gives "Mali, Niger"). ``base_url`` resolves relative links.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from core.errors import FetchError
from core.model import Source
from watch.clean import canonical_url
from watch.dates import parse_date
from watch.entry import Entry, new_item, to_utc


def dig(value: Any, path: str) -> Any:
    """The value at a dotted path; lists on the way are mapped over and flattened."""
    cur: list[Any] = [value]
    for key in path.split(".") if path else []:
        nxt: list[Any] = []
        for v in cur:
            if isinstance(v, list):
                nxt.extend(x.get(key) for x in v if isinstance(x, dict))
            elif isinstance(v, dict):
                nxt.append(v.get(key))
        cur = [x for x in nxt if x is not None]
    flat: list[Any] = []
    for v in cur:
        flat.extend(v if isinstance(v, list) and path else [v])
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else flat


def text_at(value: Any, path: str | None) -> str:
    if not path:
        return ""
    found = dig(value, path)
    if found is None:
        return ""
    if isinstance(found, list):
        return ", ".join(str(x) for x in found if isinstance(x, str | int | float))
    return str(found) if isinstance(found, str | int | float) else ""


def items_at(doc: Any, path: str) -> Any:
    """The value at ``path`` when it is reached through objects only, as it is: an empty list there is a source
    with nothing published yet, not a missing list. Paths through lists fall back to :func:`dig`."""
    cur = doc
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return dig(doc, path)
        cur = cur[key]
    return cur


def parse_json(body: bytes, source: Source, url: str, content_type: str | None, *, reference: datetime) -> list[Entry]:
    opts = source.options
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"not valid JSON: {exc}", code="invalid_json") from None
    rows = items_at(doc, str(opts["items"])) if opts.get("items") else doc
    if rows is None:
        raise FetchError(
            f"no list at items path {opts.get('items')!r}", code="no_items_list", path=str(opts.get("items"))
        )
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list):
        raise FetchError(
            f"items path {opts.get('items')!r} is not a list", code="items_not_a_list", path=str(opts.get("items"))
        )
    base = str(opts.get("base_url") or url)
    order = str(opts.get("date_order") or "DMY")
    out = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        href = text_at(row, opts.get("url")) or None
        link = urljoin(base, href) if href and "://" in base else href
        summary = text_at(row, opts.get("summary"))
        html = summary if "<" in summary else "".join(f"<p>{p}</p>" for p in summary.split("\n\n") if p.strip())
        item = new_item(
            source,
            title=text_at(row, opts.get("title", "title")),
            url=link,
            html=html,
            base_url=link or base,
            origin="json",
        )
        item.deadline = (
            parse_date(dig(row, str(opts["deadline"])), reference=reference, date_order=order)
            if opts.get("deadline")
            else None
        )
        item.opening_date = (
            parse_date(dig(row, str(opts["opening"])), reference=reference, date_order=order)
            if opts.get("opening")
            else None
        )
        item.starts_at = _when(row, opts.get("starts_at"), reference)
        item.ends_at = _when(row, opts.get("ends_at"), reference)
        item.published_at = _when(row, opts.get("published"), reference)
        place = ", ".join(x for x in (text_at(row, opts.get("place")), text_at(row, opts.get("country"))) if x)
        item.place = place or None
        org = text_at(row, opts.get("organisation"))
        if org:
            item.summary = f"{org} — {item.summary}" if item.summary else org
        for name in ("deadline", "opening_date", "starts_at", "ends_at", "published_at", "place"):
            if getattr(item, name) is not None:
                item.field_origins[name] = "json"
        ident = text_at(row, opts.get("id")) or canonical_url(link) or item.title
        out.append(Entry(ident, item))
    return out


def _when(row: Any, path: Any, reference: datetime) -> datetime | None:
    if not path:
        return None
    raw = dig(row, str(path))
    if isinstance(raw, str):
        try:
            return to_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
        except ValueError:
            pass
    day = parse_date(raw, reference=reference)
    return to_utc(datetime(day.year, day.month, day.day)) if day else None
