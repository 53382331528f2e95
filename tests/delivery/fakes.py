"""Fakes for the seams delivery declares, and a small world to send to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.clock import FrozenClock
from core.message import Placeholder, RenderedSegment
from core.model import (
    BounceKind,
    Issue,
    IssueKind,
    Preferences,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from delivery.compose import Sender
from delivery.mailers.base import Mailer
from delivery.seams import Segmentation, Segmenter
from delivery.send import SendConfig, SendContext
from storage.database import Database
from storage.issues import IssueRepository
from storage.subscribers import SubscriberRepository

SENDER = Sender(
    from_address="lettre@resacoop.example",
    from_name="RESACOOP",
    reply_to="contact@resacoop.example",
    list_id="resaclic.resacoop.example",
    list_name="RESA'CLIC",
)


class FakeLinks:
    def __init__(self) -> None:
        self.prepared: list[list[int]] = []

    def prepare(self, subscriber_ids: Iterable[int]) -> None:
        self.prepared.append(list(subscriber_ids))

    def unsubscribe_url(self, subscriber_id: int, stream: Stream | None = None) -> str:
        return f"https://resacoop.example/d/{subscriber_id}/{stream or 'all'}"

    def preferences_url(self, subscriber_id: int) -> str:
        return f"https://resacoop.example/p/{subscriber_id}"

    def unsubscribe_mailto(self, subscriber_id: int, stream: Stream | None = None) -> str:
        return f"mailto:desinscription@resacoop.example?subject=u{subscriber_id}"


@dataclass
class FakeBounces:
    seen: list[tuple[int, BounceKind, str, str, int | None]] = field(default_factory=list)

    def record(
        self, subscriber_id: int, kind: BounceKind, origin: str, detail: str, delivery_id: int | None = None
    ) -> None:
        self.seen.append((subscriber_id, kind, origin, detail, delivery_id))


def segment(issue_id: int, key: str, size: int = 2_000) -> RenderedSegment:
    filler = " ".join(f"Appel à projets n°{i} — coopération décentralisée." for i in range(size // 50))
    html = (
        f"<html><body><h1>RESA'CLIC {key}</h1><p>{filler}</p>"
        f'<p><a href="{Placeholder.UNSUBSCRIBE_URL}">Se désinscrire</a> · '
        f'<a href="{Placeholder.PREFERENCES_URL}">Préférences</a> · envoyé à {Placeholder.EMAIL} · '
        f'<a href="{Placeholder.VIEW_URL}">Voir en ligne</a></p></body></html>'
    )
    text = f"RESA'CLIC {key}\n\n{filler}\n\nSe désinscrire : {Placeholder.UNSUBSCRIBE_URL}\n"
    return RenderedSegment(issue_id, key, f"RESA'CLIC — {key}", html, text)


@dataclass
class FakeSegmenter:
    """Segment "a" for even subscriber ids, "b" for odd ones; ``none_for`` get nothing."""

    none_for: set[int] = field(default_factory=set)
    size: int = 2_000
    calls: int = 0

    def __call__(self, issue_id: int, subscribers: Sequence[Subscriber] = ()) -> Segmentation:
        self.calls += 1
        segs = {k: segment(issue_id, k, self.size) for k in ("a", "b")}

        def segment_of(sub: Subscriber) -> str | None:
            assert sub.id is not None
            return None if sub.id in self.none_for else ("a" if sub.id % 2 == 0 else "b")

        return Segmentation(segs, segment_of)


def add_subscribers(db: Database, emails: list[str], **kw: object) -> list[Subscriber]:
    out = []
    with db.session() as s:
        repo = SubscriberRepository(s)
        for e in emails:
            out.append(repo.save(Subscriber(email=e, status=SubscriberStatus.CONFIRMED, **kw)))  # type: ignore[arg-type]
    return out


def add_issue(db: Database, kind: IssueKind = IssueKind.NEWSLETTER, **kw: object) -> int:
    with db.session() as s:
        issue = IssueRepository(s).save(Issue(kind=kind, title="RESA'CLIC n°1", subject="RESA'CLIC", **kw))  # type: ignore[arg-type]
    assert issue.id is not None
    return issue.id


def context(
    db: Database,
    mailer: Mailer,
    clock: FrozenClock,
    *,
    segmenter: Segmenter | None = None,
    bounces: FakeBounces | None = None,
    config: SendConfig | None = None,
) -> SendContext:
    def sleep(seconds: float) -> None:  # time passes for the frozen clock, not for the test
        from datetime import timedelta

        clock.advance(timedelta(seconds=seconds))

    return SendContext(
        db=db,
        mailer=mailer,
        segmenter=segmenter or FakeSegmenter(),
        links=FakeLinks(),
        bounces=bounces or FakeBounces(),
        clock=clock,
        sender=SENDER,
        secret="test-secret",
        view_url=lambda i: f"https://resacoop.example/lettres/{i}",
        config=config or SendConfig(),
        sleep=sleep,
    )


T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
NEWSLETTER_ONLY = Preferences(streams=[Stream.NEWSLETTER])
