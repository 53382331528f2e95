"""The daily alert job through the composition root (settings → services → job → send loop → outbox), then the
staff's issue pages on the edition it made: the same list, issue page and ledger as any issue."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import AlertRhythm, IssueKind, IssueStatus, ItemKind, Preferences, Role, Stream
from delivery.mailers.memory import MemoryMailer
from relais import jobs
from relais.scheduler import planned_jobs
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from relais.wiring import Services, build_subscribers
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from tests.admin.issue_world import add_item, add_subscribers, sending, settings

Login = Callable[[Role], TestClient]
WEEKLY = Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_day=0)


@pytest.fixture
def seam(db: Database, clock: FrozenClock, tmp_path: Path) -> Iterator[BackgroundSending]:
    s = sending(db, clock, settings(tmp_path), MemoryMailer())
    yield s
    s.close()


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, seam: BackgroundSending) -> WebContext:
    return build_web_context(settings(tmp_path), db, clock, secret_key="t", sending=seam)


def test_the_daily_job_sends_the_monday_alerts_once_and_staff_see_the_edition(
    login: Login, db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    services = Services(settings=settings(tmp_path), db=db, clock=clock)  # Monday 2 November, 09:00 in Paris
    (job,) = [j for j in planned_jobs(services) if j.action == "digest.alerts"]
    assert (str(job.trigger.fields[5]), str(job.trigger.fields[6]), str(job.trigger.timezone)) == (
        "7", "0", "Europe/Paris"
    )  # fmt: skip
    add_item(db, clock, "Appel Eau 2027", approved_at=clock.now() - timedelta(days=2))
    add_item(db, clock, "Offre de volontariat", ItemKind.JOB, approved_at=clock.now() - timedelta(days=1))
    add_subscribers(db, 3, **{f: getattr(WEEKLY, f) for f in ("streams", "alerts", "alert_day")})
    jobs.attach(services)
    jobs.run("digest.alerts")
    jobs.run("digest.alerts")  # again the same day: the same edition, nobody twice

    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(outbox) == 3
    msg = email.message_from_bytes(outbox[0].read_bytes(), policy=email.policy.default)
    assert str(msg["Subject"]) == "Vos alertes de la semaine : 2 nouveautés"
    token = re.search(r"/unsubscribe/([\w.\-]+)>", str(msg["List-Unsubscribe"]))
    assert token and build_subscribers(services).links.verify("unsubscribe", token.group(1)).stream is Stream.ALERT
    with db.session() as s:
        (edition,) = IssueRepository(s).find(kind=IssueKind.ALERT)
        assert edition.status is IssueStatus.SENT and len(DeliveryRepository(s).for_issue(edition.id or 0)) == 3

    staff = login(Role.STAFF)
    listing = staff.get("/admin/issues").text
    assert "Alertes" in listing and "3 acceptés / 3" in listing
    page = staff.get(f"/admin/issues/{edition.id}")
    assert page.status_code == 200 and "Alertes" in page.text and "Emailing" not in page.text
    ledger = staff.get(f"/admin/issues/{edition.id}/ledger").text
    assert "3 ligne(s)" in ledger and "membre2@asso2.fr" in ledger
    assert staff.get(f"/admin/issues/{edition.id}/segments").status_code == 200
    mine = staff.get(f"/admin/issues/{edition.id}/preview?email=membre0@asso0.fr").text  # as a subscriber reads it
    assert "Vos alertes de la semaine" in mine and "Offre de volontariat" in mine

    # the public archive lists newsletters and emailings; the edition's web page answers the emails' link
    assert f"/archives/{edition.id}" not in staff.get("/archives").text
    assert f"/archives/{edition.id}" not in staff.get("/archives/feed.atom").text
    assert "Offre de volontariat" in staff.get(f"/archives/{edition.id}").text
