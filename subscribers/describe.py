"""A segment said in words, for the staff: « Agriculture et alimentation, Isère ». Pure.

A segment groups the subscribers who get the same content; they may have chosen differently (two preference sets
can filter an issue to the same items). A segment is described by the choices most of its subscribers made: the
labels of their types, themes, zones and départements, in the taxonomy's order; with no choice at all, it is
« tout ». When other choices share the segment, it says how many (« … et 2 autres profils »).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.model import Preferences
from subscribers.preferences import Choices

FAMILIES = ("kinds", "themes", "zones", "territories")
EVERYTHING = "tout, sans préférence"
MAX_LABELS = 4


def describe_preferences(prefs: Preferences, choices: Choices) -> str:
    labels: list[str] = []
    for family in FAMILIES:
        chosen = {str(v) for v in getattr(prefs, family)}
        labels.extend(label for slug, label in choices.family(family) if slug in chosen)
    if not labels:
        return EVERYTHING
    if len(labels) > MAX_LABELS:
        return ", ".join(labels[:MAX_LABELS]) + f"… (+{len(labels) - MAX_LABELS})"
    return ", ".join(labels)


def describe_segment(members: Iterable[Preferences], choices: Choices) -> str:
    """The most common choices among a segment's ``members`` in words, and how many other profiles share it."""
    counts = Counter(_signature(p) for p in members)
    if not counts:
        return EVERYTHING
    (top, _), others = counts.most_common(1)[0], len(counts) - 1
    kinds, themes, zones, territories = top
    text = describe_preferences(
        Preferences(kinds=list(kinds), themes=list(themes), zones=list(zones), territories=list(territories)),  # type: ignore[arg-type]
        choices,
    )
    if others:
        text += f" et {others} autre{'s' if others > 1 else ''} profil{'s' if others > 1 else ''}"
    return text


def _signature(p: Preferences) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(sorted(str(v) for v in getattr(p, f))) for f in FAMILIES)
