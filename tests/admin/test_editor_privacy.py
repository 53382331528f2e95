"""Editors never see a subscriber's address: a crawl of every admin page an editor can open, after a real send
(with a bounce whose SMTP reply names the address), finds it nowhere; previews "as this address" answer the same
for a subscriber and a stranger."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Preferences, Role, Subscriber, SubscriberStatus
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database
from storage.subscribers import SubscriberRepository
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_subscribers, approved_calls, settings

Login = Callable[[Role], TestClient]
SECRET_ADDRESS = "zephyrine.quasimodo@confidentiel-asso.fr"
SECRET_NAME = "Zéphyrine Quasimodo"
LINK = re.compile(r'(?:href|src|hx-get)="(/admin[^"#]*)"')


@pytest.fixture
def mailer() -> MemoryMailer:
    bounce = SendResult(Verdict.PERMANENT, 550, f"5.1.1 <{SECRET_ADDRESS}>: user unknown")
    ok = SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok")
    m = MemoryMailer(concurrency=2)
    m.answer = lambda r: bounce if r == SECRET_ADDRESS else ok
    return m


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, seam: BackgroundSending) -> WebContext:
    return build_web_context(settings(tmp_path), db, clock, secret_key="t", sending=seam)


def sent_issue(login: Login, db: Database, clock: FrozenClock, seam: BackgroundSending) -> int:
    """A newsletter really sent (by staff) to three subscribers, one of them with a distinctive address."""
    approved_calls(db, clock)
    add_subscribers(db, 2)
    with db.session() as s:
        SubscriberRepository(s).save(
            Subscriber(email=SECRET_ADDRESS, name=SECRET_NAME, status=SubscriberStatus.CONFIRMED,
                       preferences=Preferences())
        )  # fmt: skip
    staff = login(Role.STAFF)
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter"}, follow_redirects=False)
    issue_id = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    report = seam.wait(issue_id, timeout=30)
    assert report is not None and report.outcome == "sent"
    assert SECRET_ADDRESS in staff.get(f"/admin/issues/{issue_id}/ledger").text  # staff do see it
    staff.post("/admin/logout", data={"csrf_token": token})
    return issue_id


def every_get_route(client: TestClient, values: dict[str, str]) -> list[str]:
    """Every GET route of the admin, its parameters filled from ``values``: the pages one can open by URL."""
    out = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/admin") and "GET" in (route.methods or ()):
            path = route.path
            for name, value in values.items():
                path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", value, path)
            out.append(path)
    return out


def crawl(client: TestClient, start: list[str], limit: int = 400) -> dict[str, str]:
    """Every admin page reachable from ``start`` by following links, frames and htmx polls: path -> body."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or "logout" in path:
            continue
        r = client.get(path, headers={"HX-Request": "true"} if path.endswith("/progress") else {})
        seen[path] = r.text if r.status_code == 200 else ""
        queue += [link.replace("&amp;", "&") for link in LINK.findall(r.text) if link not in seen]
    return seen


def test_no_page_an_editor_can_open_shows_a_subscriber_address(
    login: Login, db: Database, clock: FrozenClock, seam: BackgroundSending
) -> None:
    issue_id = sent_issue(login, db, clock, seam)
    editor = login(Role.EDITOR)
    with db.session() as s:
        secret = SubscriberRepository(s).by_email(SECRET_ADDRESS)
    assert secret is not None
    values = {"issue_id": str(issue_id), "subscriber_id": str(secret.id), "item_id": "1", "source_id": "1",
              "fmt": "csv", "token": "x"}  # fmt: skip
    start = [*every_get_route(editor, values), "/admin/subscribers/export.json", "/admin/figures/export.csv"]
    assert f"/admin/issues/{issue_id}/ledger" in start and f"/admin/subscribers/{secret.id}" in start
    pages = crawl(editor, start)
    # the crawl did reach the issue's pages (else it would prove nothing)
    for path in (
        f"/admin/issues/{issue_id}",
        f"/admin/issues/{issue_id}/segments",
        f"/admin/issues/{issue_id}/preview",
    ):
        assert pages.get(path), path
    assert any(p.startswith(f"/admin/issues/{issue_id}/preview?segment=") for p in pages)
    for needle in (SECRET_ADDRESS, "zephyrine", "Quasimodo", "confidentiel-asso"):
        leaks = [path for path, body in pages.items() if needle in body]
        assert leaks == [], f"{needle!r} shown to an editor on {leaks}"
    assert editor.get(f"/admin/issues/{issue_id}/ledger").status_code == 403


def test_an_editor_preview_by_address_answers_the_same_for_a_subscriber_and_a_stranger(
    login: Login, db: Database, clock: FrozenClock, seam: BackgroundSending
) -> None:
    issue_id = sent_issue(login, db, clock, seam)
    editor = login(Role.EDITOR)
    editor.get("/admin/")  # shows (and drops) the welcome message, which would make the first answer differ
    answers = []
    for address in (SECRET_ADDRESS, "membre1@asso1.fr", "personne@nulle.part", "pas-une-adresse"):
        for page in ("preview", "preview.html"):
            r = editor.get(f"/admin/issues/{issue_id}/{page}", params={"email": address})
            answers.append((r.status_code, r.text))
    assert answers[0][0] == 403 and "réservé à l&#39;équipe" in answers[0][1]
    assert all(a == answers[0] for a in answers[::2]) and all(a == answers[1] for a in answers[1::2])
    assert 'name="email"' not in editor.get(f"/admin/issues/{issue_id}/preview").text
