"""Wired from settings, a send writes one .eml per message to the outbox; the scheduler finds what is due."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

from core.clock import FrozenClock
from core.model import IssueStatus
from core.settings import DatabaseSettings, MailSettings, Settings
from delivery import control
from delivery.mailers.outbox import OutboxMailer
from delivery.send import send_issue
from relais.sending import due_issues
from relais.wiring import Services, make_mailer, make_send_context
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from tests.delivery.fakes import FakeBounces, FakeLinks, FakeSegmenter, add_issue, add_subscribers


def _services(db: Database, tmp_path: Path, clock: FrozenClock) -> Services:
    settings = Settings(database=DatabaseSettings(url=db.url), mail=MailSettings(outbox_dir=str(tmp_path / "outbox")))
    settings.web.secret_key = "k" * 32
    return Services(settings=settings, db=db, clock=clock)


def test_the_default_mailer_writes_an_eml_per_message(db: Database, tmp_path: Path, clock: FrozenClock) -> None:
    add_subscribers(db, ["a@asso.fr", "b@asso.fr", "c@asso.fr"])
    issue = add_issue(db)
    svc = _services(db, tmp_path, clock)
    assert isinstance(make_mailer(svc), OutboxMailer)
    ctx = make_send_context(svc, segmenter=FakeSegmenter(), links=FakeLinks(), bounces=FakeBounces())
    assert send_issue(ctx, issue).outcome == "sent"
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    with db.session() as s:
        ids = sorted(d.message_id for d in DeliveryRepository(s).for_issue(issue))
    assert len(files) == 3
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(str(m["Message-ID"]) for m in parsed) == ids
    assert {str(m["X-Relais-Envelope-To"]) for m in parsed} == {"a@asso.fr", "b@asso.fr", "c@asso.fr"}
    assert not list((tmp_path / "outbox").glob("*.tmp"))


def test_due_issues_are_the_scheduled_whose_time_has_come_and_the_unfinished(
    db: Database, tmp_path: Path, clock: FrozenClock
) -> None:
    svc = _services(db, tmp_path, clock)
    past, future, running, draft = (
        add_issue(db),
        add_issue(db, number=2),
        add_issue(db, number=3),
        add_issue(db, number=4),
    )
    control.schedule(db, past, clock.now() - timedelta(minutes=1))
    control.schedule(db, future, clock.now() + timedelta(days=1))
    with db.session() as s:
        IssueRepository(s).set_status(running, IssueStatus.SENDING)
    assert due_issues(svc) == [past, running]
    assert draft not in due_issues(svc)
