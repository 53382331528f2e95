"""Shared builders for the watch tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.model import ItemKind, Source, SourceKind

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parents[2] / "demo" / "sources"
REF = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def source(kind: str = "feed", item_kind: str = "news", **kw: Any) -> Source:
    return Source(
        name=kw.pop("name", f"test {kind}"),
        url=kw.pop("url", "https://example.org/feed"),
        kind=SourceKind(kind),
        item_kind=ItemKind(item_kind),
        **kw,
    )
