"""The web's sending seam as the composition root wires it: the configured outbox mailer, the digest's segments,
subscribers' links; a send runs in the app's executor and ends with one .eml per recipient."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from core.clock import FrozenClock
from core.model import IssueKind, IssueStatus
from digest.service import DigestService
from relais.web import build_app, web_context
from relais.web_sending import BackgroundSending
from relais.wiring import Services
from storage.database import Database
from tests.admin.issue_world import add_subscribers, approved_calls, settings


def test_the_wired_seam_sends_in_the_background_to_the_outbox(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    s = settings(tmp_path)
    services = Services(settings=s, db=db, clock=clock)
    approved_calls(db, clock)
    add_subscribers(db, 3)
    digest = DigestService(db, clock, s.network, s.taxonomy)
    issue = digest.build_newsletter()
    assert issue.id is not None
    seam = web_context(services).sending
    assert isinstance(seam, BackgroundSending)
    try:
        assert sum(seam.audience(issue.id).values()) == 3
        [copy] = seam.send_test(issue.id, IssueKind.NEWSLETTER, ["bat@resacoop.example"])
        assert copy.address == "bat@resacoop.example" and copy.result.verdict == "accepted"
        digest.approve(issue.id)
        assert seam.start(issue.id)
        report = seam.wait(issue.id, timeout=30)
    finally:
        seam.close()
    assert report is not None and report.outcome == "sent" and digest.get(issue.id).status is IssueStatus.SENT
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 4  # the test copy and three subscribers


def test_the_app_closes_its_sender_on_shutdown(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    app = build_app(Services(settings=settings(tmp_path), db=db, clock=clock))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert app.fallback is not None  # one network: it answers at any address
    seam = app.fallback.state.ctx.sending
    assert seam._pool._shutdown  # no thread left behind by the web app
