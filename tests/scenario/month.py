"""The month's actors: the settings of a network whose sources and relay are local, an editor who triages through
the admin web app, and people who subscribe through the public pages; each keeps its own tally of what it did."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path

from httpx import Response
from markupsafe import escape
from starlette.testclient import TestClient

from core.model import ItemStatus
from core.settings import (
    DatabaseSettings,
    DemoSettings,
    MailBackend,
    Security,
    Settings,
    SmtpSettings,
    SourceSettings,
    load_settings,
)
from storage.database import Database
from storage.items import ItemRepository
from tests.scenario.simulation import Mailbox
from tests.scenario.world import BY_KEY, ENTRIES, SOURCES, kind_of

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://lettre.resacoop.test"
TITLES = {e.title: e.key for e in ENTRIES}


def month_settings(tmp_path: Path, database_url: str, sources_url: str, smtp_port: int) -> Settings:
    """The example configuration, with the sources on the local server, real SMTP to the test's relay, no jitter
    and parsing in a thread (a process pool per test would cost more than the parsing)."""
    base = load_settings(ROOT / "config.toml", environ={})
    return replace(
        base,
        network=replace(base.network, base_url=BASE),
        database=DatabaseSettings(url=database_url),
        mail=replace(
            base.mail,
            backend=MailBackend.SMTP,
            domain_rates={},
            send_window="",
            smtp=SmtpSettings(host="127.0.0.1", port=smtp_port, security=Security.NONE, timeout=10, connections=2),
        ),
        web=replace(base.web, secret_key="une clé de test assez longue pour signer"),
        scheduler=replace(base.scheduler, jitter_seconds=0),
        watch=replace(base.watch, parse_workers=0, trusted_networks=["127.0.0.0/8"]),
        demo=DemoSettings(enabled=False),
        sources=[
            SourceSettings(
                name=s.name,
                url=sources_url + s.path,
                kind=s.kind,
                item_kind=str(s.item_kind),
                every=s.every,
                official=s.official,
                territory=s.territory,
                options=dict(s.options),
            )
            for s in SOURCES
        ],
        path=tmp_path / "config.toml",
    )


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@dataclass
class Editor:
    """An editor at the triage page: approves, rejects, tags and accepts sources' updates with the browser's forms."""

    client: TestClient
    db: Database
    email: str
    password: str = ""  # to log in again each morning: yesterday's session ended ([web] session_idle_minutes)
    approved: Counter[str] = field(default_factory=Counter)  # item kind -> approved by this editor
    rejected: Counter[str] = field(default_factory=Counter)
    approved_keys: list[str] = field(default_factory=list)
    tagged: dict[str, str] = field(default_factory=dict)  # entry key -> theme
    updates_accepted: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # entry key -> item id, as seen in triage

    def log_in(self) -> None:
        token = csrf_of(self.client.get("/admin/login").text)
        r = self.client.post("/admin/login", data={"email": self.email, "password": self.password, "csrf_token": token},
                             follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text[:300]

    def page(self, path: str) -> Response:
        """The admin page at ``path``, logging in first when the session has ended."""
        r = self.client.get(path)
        if r.url.path == "/admin/login":
            self.log_in()
            r = self.client.get(path)
        return r

    def post(self, path: str, data: dict[str, object]) -> None:
        token = csrf_of(self.page("/admin/items").text)
        r = self.client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert r.status_code in (200, 303), f"{path}: {r.status_code} {r.text[:300]}"

    def triage(self) -> None:
        """Every new item of the day; then the sources' updates to items already approved."""
        page = self.page("/admin/items")
        assert page.status_code == 200
        with self.db.session() as s:
            repo = ItemRepository(s)
            new = repo.find(status=ItemStatus.NEW)
            approved = repo.find(status=ItemStatus.APPROVED)
        for item in new:
            assert item.id is not None and str(escape(item.title)) in page.text, (
                f"{item.title!r} not on the triage page"
            )
            entry = BY_KEY[TITLES[item.title]]
            self.ids[entry.key] = item.id
            kind = str(kind_of(entry))
            if entry.decision == "approve":
                # Approving accepts the suggestions not declined: this editor declines all but its own tag.
                declined = [t.tag for t in item.suggested_tags if t.tag != entry.tag]
                if declined:
                    self.post(f"/admin/items/{item.id}/tags", {"refuse": declined, "back": "/admin/items"})
                self.post(f"/admin/items/{item.id}/approve", {"back": "/admin/items"})
                self.approved[kind] += 1
                self.approved_keys.append(entry.key)
            elif entry.decision == "reject":
                self.post(f"/admin/items/{item.id}/reject", {"back": "/admin/items"})
                self.rejected[kind] += 1
            if entry.tag and entry.decision == "approve":
                self.post(f"/admin/items/{item.id}/tags", {"add": entry.tag, "back": "/admin/items"})
                self.tagged[entry.key] = entry.tag
        for item in approved:
            if item.pending_update:
                assert item.id is not None
                self.post(f"/admin/items/{item.id}/pending", {"decision": "accept"})
                self.updates_accepted.append(TITLES[item.title])


@dataclass
class People:
    """People on the public pages, reading their mail at the relay."""

    client: TestClient
    mailbox: Mailbox
    base: str = BASE  # the network's public address, which its emails' links name
    confirmed: list[str] = field(default_factory=list)
    unsubscribed: Counter[str] = field(default_factory=Counter)  # stream (or "all") -> count
    clicks: Counter[tuple[int, int]] = field(default_factory=Counter)  # (issue, item) -> clicks made

    def read_items(self, msg: EmailMessage, how_many: int) -> None:
        """Follow the first ``how_many`` items' links of an email, as a reader would: each is a counted link
        (``/r/{issue}/{item}/…``) that redirects to the item's own page, without a cookie."""
        html = msg.get_body(("html",))
        assert html is not None
        links = list(dict.fromkeys(re.findall(rf"{re.escape(self.base)}/r/\d+/\d+/[\w\-]+", str(html.get_content()))))
        assert len(links) >= how_many, links
        for link in links[:how_many]:
            self.client.cookies.clear()
            r = self.client.get(self.path(link), follow_redirects=False)
            assert r.status_code == 302 and "set-cookie" not in r.headers, (link, r.status_code)
            issue, item = link.removeprefix(f"{self.base}/r/").split("/")[:2]
            self.clicks[(int(issue), int(item))] += 1

    def path(self, url: str) -> str:
        assert url.startswith(self.base), url
        return url.removeprefix(self.base)

    def sign_up(
        self,
        address: str,
        *,
        themes: tuple[str, ...] = (),
        confirm: bool = True,
        streams: tuple[str, ...] = ("newsletter", "emailing"),
        alerts: dict[str, object] | None = None,  # the « Alertes » fieldset: alerts, alert_day, alert_kinds
    ) -> None:
        r = self.client.post(
            "/subscribe",
            data={
                "email": address,
                "name": address.split("@")[0].title(),
                "themes": list(themes),
                "streams_shown": "1",
                "streams": list(streams),
                **(alerts or {}),
            },
        )
        assert r.status_code == 200, r.text[:300]
        if confirm:
            link = self.mailbox.link(address, rf"{re.escape(self.base)}/confirm/[\w.\-]+")
            assert self.client.get(self.path(link)).status_code == 200
            assert self.client.post(self.path(link)).status_code == 200
            self.confirmed.append(address)

    def preferences(self, address: str, **chosen: list[str]) -> None:
        link = self.mailbox.link(address, rf"{re.escape(self.base)}/preferences/[\w.\-]+")
        data: dict[str, object] = {"streams_shown": "1", **chosen}
        assert self.client.post(self.path(link), data=data).status_code == 200

    def one_click(self, url: str, stream: str) -> None:
        """What a mail client does with List-Unsubscribe-Post: a POST without cookies."""
        self.client.cookies.clear()
        r = self.client.post(self.path(url), data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 200
        self.unsubscribed[stream] += 1

    def leave_everything(self, address: str) -> None:
        link = self.mailbox.link(address, rf"{re.escape(self.base)}/unsubscribe/[\w.\-]+")
        assert self.client.post(self.path(link), data={"scope": "all"}).status_code == 200
        self.unsubscribed["all"] += 1
