"""A send renders each segment of its issue once, as the composition root wires it (the digest's segmenter, the
confirmed subscribers read once by the send)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.clock import FrozenClock
from core.message import RenderedSegment
from core.model import Preferences
from delivery.mailers.memory import MemoryMailer
from delivery.send import SendOutcome, send_issue
from digest.render import Renderer
from digest.service import DigestService
from relais.wiring import Services, delivery_seams, make_send_context
from storage.database import Database
from tests.admin.issue_world import approved_calls, settings
from tests.delivery.fakes import add_subscribers


class CountingRenderer(Renderer):
    """The real renderer, counting what it renders."""

    renders: int = 0

    def render(self, *args: Any, **kwargs: Any) -> RenderedSegment:
        self.renders += 1
        return super().render(*args, **kwargs)


def test_a_send_renders_each_segment_once(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    s = settings(tmp_path)
    services = Services(settings=s, db=db, clock=clock)
    approved_calls(db, clock)
    add_subscribers(db, ["eau1@asso.fr", "eau2@asso.fr"], preferences=Preferences(themes=["eau"]))
    add_subscribers(db, ["ecsi1@asso.fr", "ecsi2@asso.fr"], preferences=Preferences(themes=["ecsi"]))
    digest = DigestService(db, clock, s.network, s.taxonomy)
    issue = digest.build_newsletter()
    assert issue.id is not None
    digest.approve(issue.id)
    expected = len(digest.segments(issue.id))
    assert expected >= 2
    counting = CountingRenderer(s.network, territories={t.slug: t.label for t in s.taxonomy.territories})
    digest.renderer = counting
    segmenter, links, bounces = delivery_seams(services, digest)
    mailer = MemoryMailer()
    ctx = make_send_context(services, segmenter=segmenter, links=links, bounces=bounces, mailer=mailer)
    report = send_issue(ctx, issue.id)
    assert report.outcome is SendOutcome.SENT and len(mailer.sent) == 4
    assert counting.renders == expected  # not once to freeze the ledger and again to compose
