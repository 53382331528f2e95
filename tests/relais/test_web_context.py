"""The web context as the composition root builds it: every seam wired, every service over the one database,
built once; /healthz answers through its health seam, and says when the database is gone."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.settings import Settings
from curation.proposals import ProposalService
from relais.presend_dns import PresendDns
from relais.web import build_web_context, web_context
from relais.web_sending import BackgroundSending
from relais.wiring import Services
from storage.database import Database
from storage.migrate import current_revision
from subscribers.kit import SubscriberKit
from tests.admin.issue_world import settings


def test_the_production_context_wires_every_seam_over_one_database(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    s = settings(tmp_path)
    ctx = web_context(Services(settings=s, db=db, clock=clock))
    try:
        assert isinstance(ctx.subscribers, SubscriberKit)
        assert isinstance(ctx.sending, BackgroundSending)
        assert isinstance(ctx.proposals, ProposalService)
        assert isinstance(ctx.sender_dns, PresendDns)
        assert ctx.upload_limits == {"/propose": s.proposals.max_image_bytes}
        assert ctx.collect_now is not None and ctx.preview_source is not None and ctx.discover_source is not None
        services = [ctx.accounts, ctx.curation, ctx.digest, ctx.issues, ledger := ctx.ledger, ctx.figures]
        assert all(svc.db is db for svc in [*services, ctx.subscriber_desk])
        assert ctx.curation.curator.db is db and ledger.db is db
        # The admin renders previews without counted links: those are the sent emails'.
        assert ctx.digest.clicks is None
    finally:
        ctx.sending.close()


def test_healthz_answers_through_the_health_seam(db: Database, clock: FrozenClock) -> None:
    with TestClient(create_app(build_web_context(Settings(), db, clock, secret_key="s"))) as client:
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "schema": current_revision(db)}

    gone = Database("postgresql+psycopg://relais@127.0.0.1:1/relais")  # nothing listens on port 1
    with TestClient(create_app(build_web_context(Settings(), gone, clock, secret_key="s"))) as client:
        r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["status"] == "error"
