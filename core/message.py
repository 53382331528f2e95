"""The contract between the renderers (the digest renders once per segment, subscribers its system emails) and
delivery (which composes, personalises and sends): rendered text carries placeholders that delivery replaces in
each message.

Placeholders are plain ASCII words that no encoding splits (delivery sends bodies as 8bit/base64, never
quoted-printable around a placeholder) and that never occur in real content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Placeholder(StrEnum):
    UNSUBSCRIBE_URL = "RELAISxUNSUBSCRIBExURL"  # signed one-click unsubscribe page for this subscriber
    PREFERENCES_URL = "RELAISxPREFERENCESxURL"  # signed preferences-centre link
    EMAIL = "RELAISxEMAILxADDR"  # the subscriber's address ("why you receive this")
    VIEW_URL = "RELAISxVIEWxURL"  # the issue's public web page


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
