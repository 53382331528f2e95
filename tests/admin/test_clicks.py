"""Counted links, over a real send through the admin: every item's link in the email goes through
/r/{issue}/{item}/{signature}, the redirect sends the reader to the item's approved link, counts one click per
(issue, item, day) and records nothing about the reader; a forged or altered link is a 404, never a redirect."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import inspect, select
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role
from core.settings import Settings
from delivery.mailers.memory import MemoryMailer
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.clicks import ClickRepository
from storage.database import Database
from storage.tables import ClickCountRow, ItemRow
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_subscribers, approved_calls

Login = Callable[[Role], TestClient]
BASE = "https://relais.resacoop.example"
COUNTED = re.compile(re.escape(BASE) + r"/r/(\d+)/(\d+)/([A-Za-z0-9_-]+)")


@pytest.fixture
def web(db: Database, clock: FrozenClock, config: Settings, seam: BackgroundSending) -> WebContext:
    return build_web_context(config, db, clock, secret_key=config.web.secret_key, sending=seam)


def send_newsletter(staff: TestClient, seam: BackgroundSending) -> int:
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter", "editorial": "Bonne lecture"},
                   follow_redirects=False)  # fmt: skip
    issue_id = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    report = seam.wait(issue_id, timeout=30)
    assert report is not None and report.outcome == "sent"
    return issue_id


def parts(raw: bytes) -> tuple[str, str]:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    html, text = msg.get_body(("html",)), msg.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content()


def test_items_links_are_counted_per_item_and_day_and_lead_to_the_approved_link(
    login: Login, client: TestClient, db: Database, clock: FrozenClock, mailer: MemoryMailer, seam: BackgroundSending
) -> None:
    ids = approved_calls(db, clock)
    add_subscribers(db, 3)
    issue_id = send_newsletter(login(Role.STAFF), seam)
    html, text = parts(mailer.sent[-1].message)
    links = {(int(i), int(it)): m.group(0) for m in COUNTED.finditer(html) for i, it in [m.groups()[:2]]}
    assert {it for _, it in links} == set(ids) and {i for i, _ in links} == {issue_id}
    assert set(COUNTED.findall(text)) == {(str(i), str(it), sig) for (i, it), url in links.items()
                                           for sig in [url.rsplit("/", 1)[1]]}  # fmt: skip
    with db.session() as s:
        approved = {r.id: r.url or "" for r in s.scalars(select(ItemRow))}
    assert not any(approved[i] in html for i in ids)  # no item's target is written in the email itself
    # every subscriber got the same links: nothing personal in them
    assert all(set(COUNTED.findall(parts(m.message)[0])) == set(COUNTED.findall(html)) for m in mailer.sent[1:])

    first = links[(issue_id, ids[0])].removeprefix(BASE)
    for _ in range(3):
        r = client.get(first, follow_redirects=False, headers={"x-forwarded-for": "203.0.113.9"})
        assert r.status_code == 302 and r.headers["location"] == approved[ids[0]]
        assert "set-cookie" not in r.headers and r.headers["referrer-policy"] == "no-referrer"
    client.get(links[(issue_id, ids[1])].removeprefix(BASE), follow_redirects=False)
    clock.advance(timedelta(days=1))
    client.get(first, follow_redirects=False)
    with db.session() as s:
        assert ClickRepository(s).for_issue(issue_id) == {ids[0]: 4, ids[1]: 1}
        rows = [(r.item_id, r.day.isoformat(), r.clicks) for r in s.scalars(select(ClickCountRow))]
    assert sorted(rows) == sorted([(ids[0], "2026-11-02", 3), (ids[1], "2026-11-02", 1), (ids[0], "2026-11-03", 1)])
    # the table has no column that could name a reader
    assert {c["name"] for c in inspect(db.engine).get_columns("click_counts")} == {
        "issue_id",
        "item_id",
        "day",
        "clicks",
    }


def test_a_forged_or_altered_link_is_a_404_never_a_redirect(
    login: Login, client: TestClient, db: Database, clock: FrozenClock, mailer: MemoryMailer, seam: BackgroundSending
) -> None:
    ids = approved_calls(db, clock)
    add_subscribers(db, 1)
    issue_id = send_newsletter(login(Role.STAFF), seam)
    html, _ = parts(mailer.sent[-1].message)
    good = next(m for m in COUNTED.finditer(html) if int(m.group(2)) == ids[0])
    signature = good.group(3)
    for path in (
        f"/r/{issue_id}/{ids[1]}/{signature}",  # another item with this item's signature
        f"/r/{issue_id + 1}/{ids[0]}/{signature}",  # another issue
        f"/r/{issue_id}/{ids[0]}/{signature[:-1]}A",
        f"/r/{issue_id}/{ids[0]}/https%3A%2F%2Fevil.example",
    ):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 404 and "location" not in r.headers, path
    assert (
        client.get(f"/r/{issue_id}/{ids[0]}/{signature}?to=https://evil.example", follow_redirects=False)
        .headers["location"]
        .startswith("https://amp.example/")
    )
    with db.session() as s:
        assert ClickRepository(s).for_issue(issue_id) == {ids[0]: 1}


def test_with_count_clicks_off_links_go_straight_to_their_targets(
    login: Login, client: TestClient, db: Database, clock: FrozenClock, mailer: MemoryMailer, config: Settings,
    seam: BackgroundSending,
) -> None:  # fmt: skip
    config.mail.count_clicks = False
    ids = approved_calls(db, clock)
    add_subscribers(db, 1)
    send_newsletter(login(Role.STAFF), seam)
    html, text = parts(mailer.sent[-1].message)
    with db.session() as s:
        approved = {r.id: r.url or "" for r in s.scalars(select(ItemRow))}
    assert "/r/" not in html and "/r/" not in text
    assert all(approved[i] in html for i in ids)


def test_a_test_copys_links_work_but_count_nothing(
    login: Login, client: TestClient, db: Database, clock: FrozenClock, mailer: MemoryMailer
) -> None:
    ids = approved_calls(db, clock)
    add_subscribers(db, 1)
    staff = login(Role.STAFF)
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter"}, follow_redirects=False)
    issue_id = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    [copy] = mailer.sent
    link = next(m.group(0) for m in COUNTED.finditer(parts(copy.message)[0]) if int(m.group(2)) == ids[0])
    r = client.get(link.removeprefix(BASE), follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("https://amp.example/")
    with db.session() as s:
        assert ClickRepository(s).for_issue(issue_id) == {}  # staff checking their links are not readers
