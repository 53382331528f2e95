"""Segment counts: how many confirmed subscribers a set of preferences reaches (the staff's preview).

The rule is :func:`subscribers.preferences.reaches`; the count runs in the database over per-family bit masks
(one scan of bitwise ANDs, no per-row Python), which keeps it under 200 ms for 100,000 subscribers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.model import Stream
from storage.database import Database
from storage.subscribers import SubscriberRepository


def count(db: Database, audience: Mapping[str, Sequence[str]], stream: Stream | None = None) -> int:
    """Confirmed subscribers in ``audience`` (kinds/themes/zones/territories -> values) receiving ``stream``."""
    with db.session() as s:
        return SubscriberRepository(s).count_segment(
            {k: list(v) for k, v in audience.items()}, str(stream) if stream else None
        )
