"""The contract between the renderers (the digest renders once per segment, subscribers its system emails) and
delivery (which composes, personalises and sends): rendered text carries placeholders that delivery replaces in
each message.

Placeholders are plain ASCII words that no encoding splits (delivery sends bodies as 8bit/base64, never
quoted-printable around a placeholder) and that never occur in real content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import overload


class Placeholder(StrEnum):
    UNSUBSCRIBE_URL = "RELAISxUNSUBSCRIBExURL"  # signed one-click unsubscribe page for this subscriber
    PREFERENCES_URL = "RELAISxPREFERENCESxURL"  # signed preferences-centre link
    EMAIL = "RELAISxEMAILxADDR"  # the subscriber's address ("why you receive this")
    VIEW_URL = "RELAISxVIEWxURL"  # the issue's public web page


@cache
def _text_pattern(names: tuple[Placeholder, ...]) -> re.Pattern[str]:
    """The placeholders ``names`` as one alternation, compiled once per set of names (a send uses one or two)."""
    return re.compile("|".join(re.escape(n.value) for n in names))


@cache
def _bytes_pattern(names: tuple[Placeholder, ...]) -> re.Pattern[bytes]:
    return re.compile(_text_pattern(names).pattern.encode("ascii"))


@overload
def fill(text: str, values: Mapping[Placeholder, str]) -> str: ...
@overload
def fill(text: bytes, values: Mapping[Placeholder, str]) -> bytes: ...
def fill(text: str | bytes, values: Mapping[Placeholder, str]) -> str | bytes:
    """The one placeholder substitution: every placeholder of ``values`` replaced in one pass (a value that
    contains a placeholder is not substituted again); placeholders without a value are left as they are. On bytes,
    values are written in UTF-8 (delivery substitutes in serialised 8bit bodies)."""
    if not values:
        return text
    names = tuple(values)
    if isinstance(text, bytes):
        encoded = {p.value.encode("ascii"): v.encode("utf-8") for p, v in values.items()}
        return _bytes_pattern(names).sub(lambda m: encoded[m.group(0)], text)
    plain = {p.value: v for p, v in values.items()}
    return _text_pattern(names).sub(lambda m: plain[m.group(0)], text)


@dataclass(frozen=True, slots=True)
class RenderedSegment:
    """One segment of one issue, rendered once: what every subscriber of the segment receives, but for the
    placeholders. ``key`` is stable for the same filtered content."""

    issue_id: int
    key: str
    subject: str
    html: str
    text: str
    item_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class SystemEmail:
    """A rendered system email (confirmation, welcome, preferences, goodbye…): subscribers renders it, delivery
    composes, signs and sends it like any other message."""

    to: str
    subject: str
    html: str
    text: str
