"""Discovery's nouns: the ways a page can be followed, and one proposal (a source definition, why, its preview)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.model import Item, ItemKind, Source, SourceKind


class Way(StrEnum):
    """How a proposal follows the page, best kinds first."""

    FEED = "feed"  # a feed the page declares
    CALENDAR = "calendar"
    GUESSED_FEED = "guessed_feed"  # a common feed path of the site that answered with a feed
    STRUCTURED = "structured"  # schema.org objects in the page
    BLOCKS = "blocks"  # repeated item blocks, with derived selectors
    API = "api"  # a JSON API, its list and fields guessed from their names


BASE_SCORE = {Way.FEED: 100.0, Way.CALENDAR: 90.0, Way.GUESSED_FEED: 85.0, Way.STRUCTURED: 70.0, Way.BLOCKS: 40.0,
              Way.API: 80.0}  # fmt: skip


@dataclass(slots=True)
class Proposal:
    """One way to follow the page: a source definition (what ``[[sources]]`` would hold), why, and its preview."""

    way: Way
    source: Source
    reason: str
    score: float
    items: list[Item] = field(default_factory=list)
    error: str | None = None  # the candidate could not be read (refused by the outbound policy, not a feed…)
    checked: bool = False  # the orchestrator fetched and parsed it

    def as_dict(self, preview: int = 10) -> dict[str, Any]:
        s = self.source
        return {
            "source": {"name": s.name, "url": s.url, "kind": str(s.kind), "item_kind": str(s.item_kind),
                       "options": dict(s.options)},
            "way": str(self.way),
            "reason": self.reason,
            "score": round(self.score, 2),
            "error": self.error,
            "items": [{"title": i.title, "url": i.url, "published_at": i.published_at.isoformat() if i.published_at
                       else None, "deadline": i.deadline.isoformat() if i.deadline else None,
                       "starts_at": i.starts_at.isoformat() if i.starts_at else None} for i in self.items[:preview]],
        }  # fmt: skip


def make_source(
    url: str, kind: SourceKind, name: str, item_kind: ItemKind = ItemKind.NEWS, options: dict[str, Any] | None = None
) -> Source:
    return Source(name=name[:200] or url[:200], url=url, kind=kind, item_kind=item_kind, options=dict(options or {}),
                  origin="admin")  # fmt: skip


def rank(proposals: list[Proposal]) -> list[Proposal]:
    """Best first: working proposals with items before empty or failed ones, then by score."""
    return sorted(proposals, key=lambda p: (p.error is None, not p.checked or bool(p.items), p.score), reverse=True)


__all__ = ["BASE_SCORE", "Proposal", "Way", "make_source", "rank"]
