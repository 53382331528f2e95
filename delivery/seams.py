"""What delivery needs from the digest and from subscribers, declared here by the consumer.

The digest implements :class:`Segmenter`; subscribers implement :class:`PersonalLinks` and :class:`BounceSink`.
Tests use the fakes in ``tests/delivery/fakes.py``; the composition root wires the real ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.message import RenderedSegment
from core.model import BounceKind, Stream, Subscriber


class PersonalLinks(Protocol):
    def prepare(self, subscriber_ids: Iterable[int]) -> None:
        """Called with each claimed batch before its links are made: load what they need in bulk (subscribers
        reads the batch's identities in one query instead of one per link)."""
        ...

    def unsubscribe_url(self, subscriber_id: int, stream: Stream | None = None) -> str:
        """An https URL: GET shows a confirmation page, POST is the RFC 8058 one-click unsubscribe."""
        ...

    def preferences_url(self, subscriber_id: int) -> str: ...

    def unsubscribe_mailto(self, subscriber_id: int, stream: Stream | None = None) -> str:
        """A ``mailto:`` URL whose message unsubscribes."""
        ...


class BounceSink(Protocol):
    def record(
        self, subscriber_id: int, kind: BounceKind, origin: str, detail: str, delivery_id: int | None = None
    ) -> None:
        """Remember a bounce; subscribers suppresses the address by its own rules."""
        ...


@dataclass(frozen=True, slots=True)
class Segmentation:
    """An issue's rendered segments, and which one each subscriber gets.

    ``segment_of(subscriber)`` returns a key of ``segments``, or None when nothing in the issue is for them (they
    get no message). It must be deterministic: a resumed send calls the segmenter again.
    """

    segments: Mapping[str, RenderedSegment]
    segment_of: Callable[[Subscriber], str | None]
    # Each segment in words for the staff (« Agriculture et alimentation, Isère »): test copies name theirs.
    descriptions: Mapping[str, str] = field(default_factory=dict)


class Segmenter(Protocol):
    def __call__(self, issue_id: int, subscribers: Sequence[Subscriber]) -> Segmentation:
        """Segment ``subscribers`` (the confirmed ones, loaded once by the send) and render each segment once."""
        ...
