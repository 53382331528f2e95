"""Per-subscriber substitution of a rendered segment's placeholders, prepared once per segment.

``str.replace`` over a 60 KB body four times per subscriber costs ~0.3 ms; splitting the body once at the
placeholders and joining the parts with each subscriber's values costs a fraction of that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.message import Placeholder, RenderedSegment

_SPLIT = re.compile("(" + "|".join(re.escape(str(p)) for p in Placeholder) + ")")


class Prepared:
    """A text cut at its placeholders: even indexes are literal text, odd ones placeholder names."""

    __slots__ = ("_parts", "_slots")

    def __init__(self, text: str) -> None:
        self._parts = _SPLIT.split(text)
        self._slots = [(i, Placeholder(self._parts[i])) for i in range(1, len(self._parts), 2)]

    def fill(self, values: Mapping[Placeholder, str]) -> str:
        """The text with every placeholder replaced; a missing value is a KeyError (never send a placeholder)."""
        parts = list(self._parts)
        for i, ph in self._slots:
            parts[i] = values[ph]
        return "".join(parts)


class PreparedSegment:
    """A segment's HTML and text, ready for cheap per-subscriber filling."""

    __slots__ = ("html", "segment", "text")

    def __init__(self, segment: RenderedSegment) -> None:
        self.segment = segment
        self.html = Prepared(segment.html)
        self.text = Prepared(segment.text)

    def fill(self, values: Mapping[Placeholder, str]) -> tuple[str, str]:
        return self.html.fill(values), self.text.fill(values)
