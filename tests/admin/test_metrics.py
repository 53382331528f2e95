"""/metrics speaks Prometheus' text format and counts from the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from typer.testing import CliRunner

from admin.metrics import unprotected_warning
from admin.web import WebContext
from core.model import Issue, IssueKind, Item, ItemKind, ItemStatus, Subscriber
from relais.cli import app
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.subscribers import SubscriberRepository
from storage.tables import DeliveryRow


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_items_queue_and_rate(client: TestClient, web: WebContext, db: Database) -> None:
    web.settings.demo.enabled = True  # the demo's /metrics is open
    now = web.clock.now()
    with db.session() as s:
        for status in (ItemStatus.NEW, ItemStatus.NEW, ItemStatus.APPROVED):
            ItemRepository(s).add(Item(kind=ItemKind.NEWS, title="x", status=status))
        issue = IssueRepository(s).save(Issue(kind=IssueKind.EMAILING, title="t", subject="s"))
        for i, (status, done) in enumerate([("queued", None), ("sending", None), ("accepted", now),
                                            ("accepted", now - timedelta(minutes=5))]):  # fmt: skip
            sub = SubscriberRepository(s).save(Subscriber(email=f"s{i}@example.org"))
            s.add(DeliveryRow(issue_id=issue.id, subscriber_id=sub.id, email=sub.email, segment="k",
                              message_id=f"<{i}@x>", status=status, attempts=0, finished_at=done))  # fmt: skip
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = samples(r.text)
    assert m[("relais_items", (("status", "new"),))] == 2
    assert m[("relais_send_queue_depth", ())] == 2
    assert m[("relais_send_rate_per_second", ())] == 1 / 60


def test_metrics_token(client: TestClient, web: WebContext) -> None:
    web.settings.web.metrics_token = "t0ken"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer t0ken"}).status_code == 200


def test_metrics_without_a_token_are_closed_unless_demo(client: TestClient, web: WebContext) -> None:
    """Threat: an open /metrics tells anyone the size of the list, the send rate and the failing sources."""
    assert not web.settings.demo.enabled and not web.settings.web.metrics_token
    r = client.get("/metrics")
    assert r.status_code == 404 and "relais_" not in r.text
    assert unprotected_warning(web.settings) is not None and "metrics_token" in str(unprotected_warning(web.settings))
    web.settings.demo.enabled = True
    assert client.get("/metrics").status_code == 200
    assert unprotected_warning(web.settings) is None


def test_config_check_warns_when_metrics_are_closed(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[demo]\nenabled = false\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--config", str(cfg), "config", "check"], env={"RELAIS_METRICS_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert "[web] metrics_token" in result.output
    cfg.write_text('[demo]\nenabled = false\n[web]\nmetrics_token = "t0ken"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--config", str(cfg), "config", "check"], env={"RELAIS_METRICS_TOKEN": ""})
    assert result.exit_code == 0 and "metrics_token" not in result.output
