"""Who gets what: each confirmed subscriber's content is the issue filtered by their preferences, and
subscribers with the same filtered content share a segment. Pure functions; no database.

An item's themes, zones and territories (départements) come from its ``tags`` (taxonomy slugs) only. An item
that names no theme (or zone, or territory) is for everyone in that family; a preference list that is empty
means "everything" in that family.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.model import Issue, IssueKind, Item, Preferences, Stream, Subscriber, SubscriberStatus
from core.settings import TaxonomySettings

KEY_LENGTH = 16
TEXT_ONLY = "text"  # the key's content marker for an emailing without items: everyone gets the same text


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The slugs of each tag family, to read an item's tags."""

    themes: frozenset[str]
    zones: frozenset[str]
    territories: frozenset[str]
    audiences: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, t: TaxonomySettings) -> Taxonomy:
        return cls(
            themes=frozenset(x.slug for x in t.themes),
            zones=frozenset(x.slug for x in t.zones),
            territories=frozenset(x.slug for x in t.territories),
            audiences=frozenset(x.slug for x in t.audiences),
        )


TAG_FAMILIES = ("themes", "zones", "territories", "audiences")


def untagged(items: Iterable[Item], tax: Taxonomy) -> dict[str, int]:
    """Per tag family, how many of ``items`` have no tag of it: such an item reaches every subscriber whatever
    they chose in that family, which staff should know before sending."""
    out = dict.fromkeys(TAG_FAMILIES, 0)
    for item in items:
        tags = set(item.tags)
        for family in TAG_FAMILIES:
            if not tags & getattr(tax, family):
                out[family] += 1
    return out


@dataclass(slots=True)
class Segment:
    key: str
    item_ids: tuple[int, ...]
    subscriber_ids: list[int] = field(default_factory=list)


def segment_key(issue_id: int, item_ids: Sequence[int]) -> str:
    """A stable hash of the issue and its item ids in order: the same content always gets the same key."""
    payload = f"{issue_id}:" + (",".join(map(str, item_ids)) if item_ids else TEXT_ONLY)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()[:KEY_LENGTH]


def _overlaps(wanted: Sequence[str], offered: set[str]) -> bool:
    return not wanted or not offered or bool(offered.intersection(wanted))


def wants(prefs: Preferences, item: Item, tax: Taxonomy) -> bool:
    """Whether a subscriber with ``prefs`` wants ``item``."""
    if prefs.kinds and item.kind not in prefs.kinds:
        return False
    tags = set(item.tags)
    return (
        _overlaps(prefs.themes, tags & tax.themes)
        and _overlaps(prefs.zones, tags & tax.zones)
        and _overlaps(prefs.territories, tags & tax.territories)
    )


def _stream(kind: IssueKind) -> Stream:
    return {IssueKind.NEWSLETTER: Stream.NEWSLETTER, IssueKind.ALERT: Stream.ALERT}.get(kind, Stream.EMAILING)


def in_audience(issue: Issue, prefs: Preferences) -> bool:
    """An emailing's audience (``{"themes": [...], "zones": [...], "territories": [...]}``) restricts it to
    subscribers whose preferences meet it (an empty preference accepts anything)."""
    if _stream(issue.kind) not in prefs.streams:
        return False
    for family in ("themes", "zones", "territories"):
        target = set(issue.audience.get(family, []))
        mine: list[str] = getattr(prefs, family)
        if target and mine and not target.intersection(mine):
            return False
    return True


def content_for(issue: Issue, items: Mapping[int, Item], prefs: Preferences, tax: Taxonomy) -> tuple[int, ...]:
    """The issue's item ids, in issue order, that this subscriber wants."""
    return tuple(e.item_id for e in issue.entries if e.item_id in items and wants(prefs, items[e.item_id], tax))


def segments(
    issue: Issue, items: Mapping[int, Item], subscribers: Iterable[Subscriber], tax: Taxonomy
) -> list[Segment]:
    """Group confirmed subscribers by filtered content. A segment with no items is not sent (and not returned),
    except for an emailing with no items at all: its free text is its content."""
    if issue.id is None:
        raise ValueError("segments need a saved issue")
    text_only = issue.kind == IssueKind.EMAILING and not issue.entries
    found: dict[tuple[int, ...], Segment] = {}
    # Many subscribers share the same preferences: decide once per distinct preference set.
    decided: dict[tuple[object, ...], tuple[int, ...] | None] = {}
    for sub in subscribers:
        if sub.status != SubscriberStatus.CONFIRMED or sub.id is None:
            continue
        p = sub.preferences
        sig = (tuple(p.kinds), tuple(p.themes), tuple(p.zones), tuple(p.territories), tuple(p.streams))
        if sig not in decided:
            ids: tuple[int, ...] | None = None
            if in_audience(issue, p):
                ids = () if text_only else content_for(issue, items, p, tax)
                if not ids and not text_only:
                    ids = None
            decided[sig] = ids
        content = decided[sig]
        if content is None:
            continue
        seg = found.get(content)
        if seg is None:
            seg = found[content] = Segment(segment_key(issue.id, content), content)
        seg.subscriber_ids.append(sub.id)
    return sorted(found.values(), key=lambda s: (-len(s.subscriber_ids), s.key))
