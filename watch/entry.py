"""What a parser hands on: an item as one source sees it, with the source's own id for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.errors import FetchError
from core.model import Item, Source
from watch.clean import canonical_url, plain_text, sanitise, without_tracking


@dataclass(slots=True)
class Entry:
    source_item_id: str  # GUID, VEVENT UID, API id, or the canonical URL
    item: Item


class ResultIds:
    """Identities of the results of one list page, each result its own item. A result is known by its canonical
    link; when an earlier result of the page already had that link (or one differing only by its ``#fragment``),
    by its link and its title (then a number); a result without a link by the page's address and its title."""

    def __init__(self, page_url: str) -> None:
        self.page = canonical_url(page_url) or page_url
        self.used: set[str] = set()

    def of(self, link: str | None, title: str) -> str:
        base = canonical_url(link)
        words = " ".join(title.split())
        candidates = [base] if base else []
        candidates.append(f"{base or self.page}#{words}")
        ident = next((c for c in candidates if c not in self.used), None)
        n = 2
        while ident is None:
            ident = f"{candidates[-1]}#{n}" if f"{candidates[-1]}#{n}" not in self.used else None
            n += 1
        self.used.add(ident)
        return ident


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
        url=without_tracking(url),
        summary=plain_text(body),
        body_html=body,
        # A source's territory is a département tag of each of its items, like its other tags.
        tags=list(dict.fromkeys([*source.tags, *([source.territory] if source.territory else [])])),
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
