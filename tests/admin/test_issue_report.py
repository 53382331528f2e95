"""An issue's report, after a real send through the admin: recipients, accepted, bounced hard and soft,
complaints, the unsubscribes made by the links of this issue's emails (not by a link made afterwards), clicks per
item, the complaint rate against Gmail and Yahoo's 0.3 %, the warning shown before the next send, and the CSV and
JSON exports; ``relais digest report`` says the same."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import BounceKind, Role
from core.settings import Settings
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from figures.issue_reports import issue_report
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from relais.wiring import Services, build_subscribers
from storage.database import Database
from storage.deliveries import DeliveryRepository
from subscribers.bounces import BounceRecorder
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_item, add_subscribers, approved_calls

Login = Callable[[Role], TestClient]
BASE = "https://relais.resacoop.example"


@pytest.fixture
def mailer() -> MemoryMailer:
    refuse = SendResult(Verdict.PERMANENT, 550, "5.1.1 User unknown")
    return MemoryMailer(
        answer=lambda r: refuse if r.startswith("membre9@") else SendResult(Verdict.ACCEPTED, 250, "ok")
    )


@pytest.fixture
def web(db: Database, clock: FrozenClock, config: Settings, seam: BackgroundSending) -> WebContext:
    kit = build_subscribers(Services(settings=config, db=db, clock=clock))
    return build_web_context(config, db, clock, secret_key=config.web.secret_key,
                             sending=seam, subscribers=kit)  # fmt: skip


def send_newsletter(staff: TestClient, seam: BackgroundSending) -> int:
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter", "editorial": "Bonne lecture"},
                   follow_redirects=False)  # fmt: skip
    issue_id = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    seam.wait(issue_id, timeout=30)
    return issue_id


def header_link(mailer: MemoryMailer, recipient: str) -> str:
    raw = next(m.message for m in mailer.sent if m.recipient == recipient)
    found = re.search(
        r"<(https://[^>]+/unsubscribe/[^>]+)>", str(message_from_bytes(raw, policy=policy.default)["List-Unsubscribe"])
    )
    assert found
    return found.group(1).removeprefix(BASE)


def test_the_report_counts_what_happened_to_this_issue_and_warns_over_the_complaint_threshold(
    login: Login, client: TestClient, db: Database, clock: FrozenClock, mailer: MemoryMailer, seam: BackgroundSending,
    web: WebContext,
) -> None:  # fmt: skip
    ids = approved_calls(db, clock)
    add_subscribers(db, 10)
    staff = login(Role.STAFF)
    issue_id = send_newsletter(staff, seam)
    with db.session() as s:
        rows = {d.email: d for d in DeliveryRepository(s).for_issue(issue_id)}
    bounces = BounceRecorder(db, clock, soft_limit=3)
    bounces.record(
        rows["membre8@asso8.fr"].subscriber_id or 0, BounceKind.COMPLAINT, "arf", "abuse", rows["membre8@asso8.fr"].id
    )
    bounces.record(
        rows["membre7@asso7.fr"].subscriber_id or 0, BounceKind.SOFT, "dsn", "4.2.2 full", rows["membre7@asso7.fr"].id
    )
    # membre0 leaves by the email's List-Unsubscribe (one click); membre1 by a link mailed two days later (the
    # « recevoir mes liens » email): that one is not this issue's
    clock.advance(timedelta(hours=3))
    r = client.post(header_link(mailer, "membre0@asso0.fr"), data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    clock.advance(timedelta(days=2))
    later = web.subscribers.links.unsubscribe_url(rows["membre1@asso1.fr"].subscriber_id)
    assert client.post(later.removeprefix(BASE), data={"scope": "all"}).status_code == 200
    html = next(m.message for m in mailer.sent if m.recipient == "membre2@asso2.fr").decode("ascii", "replace")
    click = re.search(r"/r/\d+/" + str(ids[1]) + r"/[A-Za-z0-9_=-]+", html.replace("=\r\n", "").replace("=\n", ""))
    assert click
    for _ in range(2):
        client.get(click.group(0), follow_redirects=False)

    report = issue_report(db, issue_id)
    assert (report.recipients, report.accepted, report.bounced_hard, report.bounced_soft) == (10, 9, 1, 1)
    assert (report.complaints, report.unsubscribes, report.clicks) == (1, 1, 2)
    assert report.items[0].item_id == ids[1] and report.items[0].clicks == 2
    assert report.complaint_rate == round(1 / 9, 6) and report.warnings and "0,3 %" in report.warnings[0]

    staff = login(Role.ADMIN)  # two days later: the staff's session has ended
    page = staff.get(f"/admin/issues/{issue_id}/rapport").text
    assert "Bilan de l'envoi" in page and "Plaintes : 11,11 %" in page and "<svg" in page
    assert "Fonds eau et assainissement" in page and "membre" not in page  # nobody named
    exported = staff.get(f"/admin/issues/{issue_id}/rapport.csv")
    assert exported.headers["content-disposition"] == f'attachment; filename="rapport-{issue_id}.csv"'
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert ["complaints", "Plaintes (signalements de spam)", "1"] in table and [
        "unsubscribes",
        table[8][1],
        "1",
    ] in table
    as_json = json.loads(staff.get(f"/admin/issues/{issue_id}/rapport.json").text)
    assert as_json["accepted"] == 9 and as_json["thresholds"]["complaint_limit"] == 0.003

    # the next send's confirmation carries the warning
    add_item(db, clock, "Offre de volontariat au Sénégal")
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter"}, follow_redirects=False)
    next_id = int(r.headers["location"].rsplit("/", 1)[1])
    confirm = staff.get(f"/admin/issues/{next_id}/send").text
    assert "au-delà du seuil de 0,3 %" in confirm


def test_editors_do_not_see_reports_and_an_unknown_issue_is_a_404(login: Login) -> None:
    editor = login(Role.EDITOR)
    assert editor.get("/admin/issues/1/rapport", follow_redirects=False).status_code == 403


def test_a_report_for_a_title_starting_with_a_formula_is_neutralised(
    login: Login, db: Database, clock: FrozenClock, seam: BackgroundSending
) -> None:
    add_item(db, clock, '=HYPERLINK("https://evil.example")')
    add_subscribers(db, 1)
    staff = login(Role.STAFF)
    issue_id = send_newsletter(staff, seam)
    text = staff.get(f"/admin/issues/{issue_id}/rapport.csv").text
    assert "'=HYPERLINK" in text
    assert staff.get("/admin/issues/999/rapport").status_code == 404
