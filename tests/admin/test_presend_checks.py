"""The sender's DNS findings before a send: on the send confirmation and on the segments' checks page, asked of
the DNS server ``[mail] dns_servers`` names (a real one on 127.0.0.1 here), « non vérifié » when it does not
answer, and said plainly when the check is not wired at all."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role
from core.settings import Settings
from delivery.mailers.memory import MemoryMailer
from relais.presend_dns import PresendDns
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_subscribers, approved_calls, sending, settings
from tests.delivery.dns_server import dns_server, silent_server

Login = Callable[[Role], TestClient]
ZONE = {"resacoop.example": ["v=spf1 ip4:192.0.2.10 -all"]}  # no DMARC record


@pytest.fixture
def config(tmp_path: Path) -> Settings:
    s = settings(tmp_path)
    s.network.from_address = "lettre@resacoop.example"
    s.mail.dns_timeout = 0.3
    return s


@pytest.fixture
def seam(db: Database, clock: FrozenClock, config: Settings) -> Iterator[BackgroundSending]:
    s = sending(db, clock, config, MemoryMailer())
    yield s
    s.close()


@pytest.fixture
def dns_servers(config: Settings) -> Iterator[list[str]]:
    with dns_server(ZONE) as (server, _), silent_server() as silent:
        yield [server, silent]


@pytest.fixture
def web(db: Database, clock: FrozenClock, config: Settings, seam: BackgroundSending) -> WebContext:
    return build_web_context(config, db, clock, secret_key="t",
                             sending=seam, sender_dns=PresendDns(config, clock, budget=5))  # fmt: skip


def draft(staff: TestClient) -> int:
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter"}, follow_redirects=False)
    issue_id = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    return issue_id


def test_the_findings_of_the_configured_dns_server_are_on_the_confirmation_and_the_checks_page(
    login: Login, db: Database, clock: FrozenClock, config: Settings, dns_servers: list[str]
) -> None:
    config.mail.dns_servers = dns_servers[:1]
    approved_calls(db, clock)
    add_subscribers(db, 2)
    staff = login(Role.STAFF)
    issue_id = draft(staff)
    for path in (f"/admin/issues/{issue_id}/send", f"/admin/issues/{issue_id}/segments"):
        page = html.unescape(staff.get(path).text)
        assert "DNS de l'expéditeur (SPF, DKIM, DMARC)" in page, path
        assert "SPF de resacoop.example : « v=spf1 ip4:192.0.2.10 -all »" in page, path
        assert "<strong>à corriger</strong> — dmarc : aucun enregistrement DMARC pour resacoop.example" in page, path


def test_a_dns_server_that_does_not_answer_says_not_checked(
    login: Login, db: Database, clock: FrozenClock, config: Settings, dns_servers: list[str]
) -> None:
    config.mail.dns_servers = dns_servers[1:]
    approved_calls(db, clock)
    add_subscribers(db, 1)
    staff = login(Role.STAFF)
    page = html.unescape(staff.get(f"/admin/issues/{draft(staff)}/send").text)
    assert "non vérifié" in page and dns_servers[1] in page


def test_without_the_dns_seam_the_page_says_it_was_not_checked(
    login: Login, db: Database, clock: FrozenClock, web: WebContext
) -> None:
    web.sender_dns = None
    approved_calls(db, clock)
    add_subscribers(db, 1)
    staff = login(Role.STAFF)
    page = html.unescape(staff.get(f"/admin/issues/{draft(staff)}/send").text)
    assert "SPF, DKIM, DMARC : non vérifié (la vérification DNS n'est pas disponible ici" in page
