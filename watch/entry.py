"""What a parser hands on: an item as one source sees it, with the source's own id for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.errors import FetchError
from core.model import Item, Source
from watch.clean import plain_text, sanitise


@dataclass(slots=True)
class Entry:
    source_item_id: str  # GUID, VEVENT UID, API id, or the canonical URL
    item: Item


def new_item(source: Source, *, title: str, url: str | None, html: str, base_url: str | None, origin: str) -> Item:
    """An item of the source's default kind, tags and territory, its HTML sanitised once, here."""
    body = sanitise(html, base_url)
    title = plain_text(title, limit=500) or "(sans titre)"
    origins = {"title": origin, "body_html": origin, "summary": origin}
    if url:
        origins["url"] = origin
    return Item(
        kind=source.item_kind,
        title=title,
        url=url,
        summary=plain_text(body),
        body_html=body,
        tags=list(source.tags),
        territory=source.territory,
        field_origins=origins,
    )


_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


def decode(body: bytes, content_type: str | None) -> str:
    """Text of a body: the declared charset if it decodes, else UTF-8, else Windows-1252 (what mislabelled
    French pages usually are). Never fails: a wrong label loses no item."""
    declared = _CHARSET.search(content_type or "")
    sniff = _CHARSET.search(body[:2048].decode("ascii", errors="ignore"))
    for charset in [m.group(1) for m in (declared, sniff) if m] + ["utf-8"]:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def to_utc(value: datetime | None, default_tz: Any = UTC) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(UTC)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise FetchError(message)
