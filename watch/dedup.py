"""Deciding what a sighting means, purely: a new item, an update of a known one, or another source's copy.

Rules, in order (see docs/sources.md):
1. the same source already gave this id → the same item (an update if its content changed);
2. another item has the same canonical URL → the same item seen elsewhere (a duplicate, merged);
3. an item from another source with the same deadline or the same start day and a near-identical title
   (similarity ≥ ``FUZZY_TITLE``) → merged too;
4. an item from another source with the same deadline and the same text (word shingles, :mod:`watch.similar`):
   relays rewrite titles, not the call;
5. an item from another source whose page the entry's text links to, or which links to the entry's page (a relay
   names the official page), when their deadlines do not differ.
Rules 3 to 5 are conservative: with no date in common there is no text match, and titles naming different years
(two editions, or sessions, of one programme) never merge; we would rather show a duplicate than hide a
different call. When an official source joins an item only relays had, its fields win. Changes to approved items
are kept aside in ``pending_update`` for an editor; they are never applied silently.

:func:`decide` is pure: it returns a :class:`Decision` whose ``updates`` say what becomes of the stored item;
the store step applies them (:func:`apply`) and writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from typing import Any

from core.model import Item, ItemStatus, Source
from watch import similar
from watch.entry import Entry
from watch.tags import fold

FUZZY_TITLE = 0.88
CONTENT_FIELDS = (
    "title",
    "url",
    "canonical_url",
    "summary",
    "body_html",
    "deadline",
    "opening_date",
    "starts_at",
    "ends_at",
    "place",
    "content_hash",
)
_SHOWN = tuple(f for f in CONTENT_FIELDS if f not in {"canonical_url", "content_hash"})
_WORDS = re.compile(r"[^\w]+")
_NUMBERS = re.compile(r"\d+")


class Verdict(StrEnum):
    NEW = "new"
    UPDATED = "updated"  # same source, changed content
    UNCHANGED = "unchanged"  # same source, same content
    DUPLICATE = "duplicate"  # another source's copy of a known item


@dataclass(slots=True)
class Known:
    """What storage knows that could match one entry."""

    same_source: Item | None = None
    same_url: Sequence[Item] = ()
    same_dates: Sequence[Item] = ()  # other items with the entry's deadline or start day
    linked: Sequence[Item] = ()  # items whose page the entry's text links to


@dataclass(slots=True)
class Decision:
    verdict: Verdict
    target: Item | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)  # field -> [before, after]
    applied: bool = False  # changes written to the item (else kept in pending_update or ignored)
    reason: str = ""
    updates: dict[str, Any] = field(default_factory=dict)  # the target's attributes to set: what apply() does


def apply(decision: Decision) -> None:
    """Write a decision's updates into its target (the store step does, before saving it)."""
    if decision.target is not None:
        for name, value in decision.updates.items():
            setattr(decision.target, name, value)


def title_key(title: str) -> str:
    return " ".join(_WORDS.sub(" ", fold(title)).split())


@lru_cache(maxsize=65536)
def _title_parts(title: str) -> tuple[str, tuple[str, ...]]:
    key = title_key(title)
    return key, tuple(_NUMBERS.findall(key))


def title_numbers(title: str) -> tuple[str, ...]:
    """The numbers of a title's key, in order: titles whose tuples differ are never :func:`similar_titles`."""
    return _title_parts(title)[1]


def similar_titles(a: str, b: str) -> float:
    """0..1. Titles whose numbers differ ("… 2026" and "… 2027", "lot 3" and "lot 4") are different calls: 0."""
    (ka, na), (kb, nb) = _title_parts(a), _title_parts(b)
    if na != nb:
        return 0.0
    matcher = SequenceMatcher(None, ka, kb, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY_TITLE or matcher.quick_ratio() < FUZZY_TITLE:
        return matcher.quick_ratio()  # an upper bound already under the threshold: skip the costly ratio
    return matcher.ratio()


def same_dates(a: Item, b: Item) -> bool:
    if a.deadline is not None and a.deadline == b.deadline:
        return True
    return a.starts_at is not None and b.starts_at is not None and a.starts_at.date() == b.starts_at.date()


def fuzzy_candidate(key: Any, cand: Item) -> bool:
    """Whether a stored item (anything with title, deadline and starts_at) could be ``cand`` by rules 3 to 5:
    the same deadline and edition (its text and links are read then), or the same start day and a near title."""
    if key.deadline is not None and key.deadline == cand.deadline:
        return similar.same_edition(key.title, cand.title)
    if not (key.starts_at is not None and cand.starts_at is not None and key.starts_at.date() == cand.starts_at.date()):
        return False
    return similar_titles(key.title, cand.title) >= FUZZY_TITLE


def decide(entry: Entry, source: Source, known: Known) -> Decision:
    """What ``entry`` (from ``source``) is, given what storage ``known``s. Changes nothing: see :func:`apply`."""
    cand = entry.item
    if known.same_source is not None:
        target = known.same_source
        if target.content_hash == cand.content_hash:
            return Decision(Verdict.UNCHANGED, target)
        if _has_official(target) and not source.official:
            return Decision(Verdict.UNCHANGED, target, reason="official source wins over this relay")
        return _change(Verdict.UPDATED, target, cand, "same source id")
    for other in known.same_url:
        if not _seen_at(other, source):
            return _merge(other, cand, source, "same canonical URL")
    for other in known.same_dates:
        if _seen_at(other, source) or not same_dates(other, cand):
            continue
        score = similar_titles(other.title, cand.title)
        if score >= FUZZY_TITLE:
            return _merge(other, cand, source, f"title {score:.0%} similar, same dates")
    for other in known.same_dates:
        if _seen_at(other, source) or other.deadline is None or other.deadline != cand.deadline:
            continue
        if not similar.same_edition(other.title, cand.title):
            continue
        if not similar.same_references(other.body_html or "", cand.body_html or ""):
            continue
        jaccard, contained = similar.overlap(_sketch(other), _sketch(cand))
        if jaccard >= similar.SAME_TEXT_JACCARD or contained >= similar.SAME_TEXT_CONTAINED:
            why = f"same deadline, same text (shingles {jaccard:.0%} alike, {contained:.0%} of the shorter shared)"
            return _merge(other, cand, source, why)
    for other in [*known.linked, *known.same_dates]:
        if _seen_at(other, source) or not _linked(other, cand) or not _compatible(other, cand):
            continue
        return _merge(other, cand, source, "the relay's text links to the official page")
    return Decision(Verdict.NEW, reason="no match")


def _sketch(item: Item) -> similar.Sketch:
    return similar.sketch(item.body_html or item.summary or "")


def _linked(a: Item, b: Item) -> bool:
    """Whether either text links to the other's page."""
    return bool(
        (b.canonical_url and b.canonical_url in similar.links(a.body_html or ""))
        or (a.canonical_url and a.canonical_url in similar.links(b.body_html or ""))
    )


def _compatible(a: Item, b: Item) -> bool:
    """Not two sessions or editions: no two different deadlines, no two different years in the titles."""
    if a.deadline is not None and b.deadline is not None and a.deadline != b.deadline:
        return False
    return similar.same_edition(a.title, b.title)


def _merge(target: Item, cand: Item, source: Source, why: str) -> Decision:
    known_tags = {t.tag for t in target.suggested_tags}
    new_tags = [t for t in cand.suggested_tags if t.tag not in known_tags]
    tags = {"suggested_tags": [*target.suggested_tags, *new_tags]} if new_tags else {}
    if source.official and not _has_official(target):
        decision = _change(Verdict.DUPLICATE, target, cand, why + "; the official source wins")
        decision.updates.update(tags)
        if target.kind != cand.kind and target.status != ItemStatus.APPROVED:
            decision.changes["kind"] = [target.kind, cand.kind]
            decision.updates["kind"] = cand.kind
        return decision
    gaps = {f: [getattr(target, f), getattr(cand, f)] for f in _SHOWN if not getattr(target, f) and getattr(cand, f)}
    if gaps and target.status != ItemStatus.APPROVED:
        origins = dict(target.field_origins) | dict.fromkeys(gaps, f"merged:{source.name}")
        updates = {f: after for f, (_, after) in gaps.items()} | tags | {"field_origins": origins}
        return Decision(Verdict.DUPLICATE, target, gaps, applied=True, reason=why + "; missing fields filled",
                        updates=updates)  # fmt: skip
    return Decision(Verdict.DUPLICATE, target, reason=why, updates=tags)


def _change(verdict: Verdict, target: Item, cand: Item, why: str) -> Decision:
    changes = {
        f: [getattr(target, f), getattr(cand, f)] for f in CONTENT_FIELDS if getattr(target, f) != getattr(cand, f)
    }
    shown = {f: v for f, v in changes.items() if f in _SHOWN}
    if not shown:
        return Decision(verdict, target, reason=why, updates={"content_hash": cand.content_hash})
    if target.status == ItemStatus.APPROVED:
        pending = dict(target.pending_update or {})
        pending.update({f: plain(after) for f, (_, after) in shown.items()})
        # the hash is taken so that the change is reported once, not at every run
        updates = {"pending_update": pending, "content_hash": cand.content_hash}
        return Decision(verdict, target, shown, applied=False, reason=why + "; approved: kept for review",
                        updates=updates)  # fmt: skip
    origins = dict(target.field_origins) | {f: cand.field_origins[f] for f in shown if f in cand.field_origins}
    updates = {f: after for f, (_, after) in changes.items()} | {"field_origins": origins}
    return Decision(verdict, target, shown, applied=True, reason=why, updates=updates)


def plain(value: Any) -> Any:
    """A JSON-ready value: dates and times as ISO strings (pending updates and event logs are JSON)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _has_official(item: Item) -> bool:
    return any(s.official for s in item.sources)


def _seen_at(item: Item, source: Source) -> bool:
    return any(s.source_id == source.id for s in item.sources)
