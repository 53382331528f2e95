"""No English and no raw value in the admin: every page, rendered as an admin over a world with history (items
approved, tagged, edited; a source in error; subscribers with a consent log; a newsletter sent, an emailing in
draft; accounts of every role), is read as a person reads it (visible text only) and checked for English words
and the raw values of the code (status slugs, None, True/False, escaped JSON)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from starlette.testclient import TestClient

from admin.accounts import add_user
from admin.web import WebContext
from core.clock import FrozenClock
from core.errors import FetchError
from core.messages import describe
from core.model import (
    BounceKind,
    ConsentAction,
    ConsentOrigin,
    ItemStatus,
    Preferences,
    Role,
    SourceHealth,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from subscribers.kit import make_kit
from tests.admin.conftest import PASSWORD, csrf_of
from tests.admin.issue_world import add_subscribers, settings
from tests.seed import TAXONOMY, seed
from watch.fetch import HttpStatusError

Login = Callable[[Role], TestClient]
SECRET = "french-everywhere-" + "s" * 32


class SystemMails:
    """Keeps the subscribers' system emails (none is read here)."""

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None: ...

    def rehearse(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None: ...


# Whole words (case-insensitive) a French page never shows: English words, and the slugs of our enums.
ENGLISH = " ".join(
    [
        "the and of is are not none null true false error errors before after year month day not found draft",
        "sent sending scheduled queued accepted deferred bounced failed skipped paused cancelled canceled new",
        "approved rejected archived collected updated merged edited tagged restored pending confirmed",
        "unsubscribed complained signup confirm unsubscribe suppress erase admin_edit editor staff added",
        "removed accepted_suggestions refused_suggestions suggested_tags status deadline summary tags",
        "featured kind funding call event training job news ical html_page monthly weekly subscriber",
        "subscribers consent details reason by stream streams themes territories timeout connecterror",
        "httpstatuserror readtimeout connecttimeout redirects bytes limit body cannot parse invalid unknown",
        "missing with without only must should please",
    ]
).split()
WORDS = re.compile(r"(?<![\w@./-])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w@/-]|\.\w)", re.IGNORECASE)
RAW = re.compile(r"\{\"|\"\s*:|&quot;|→\s*$|\bNone\b|\bTrue\b|\bFalse\b")


def visible_text(html: str) -> str:
    """The text a reader sees: no script, style, template or attribute; one line per block."""
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, template, head"):
        node.decompose()
    body = tree.body
    return body.text(separator="\n") if body is not None else ""


def english_in(html: str) -> list[str]:
    found = []
    for line in visible_text(html).splitlines():
        line = line.strip()
        if not line:
            continue
        if WORDS.search(line) or RAW.search(line):
            found.append(line)
    return found


def test_the_detector_finds_english_and_raw_values_but_not_attributes() -> None:
    assert english_in('<p class="draft status">Brouillon</p><a href="/admin/items?status=new">Nouveaux</a>') == []
    assert english_in("<p>statut : new → approved</p>") == ["statut : new → approved"]
    assert english_in("<td>draft</td>") == ["draft"]
    assert english_in("<li>Léa (editor)</li>") == ["Léa (editor)"]
    assert english_in("<li>2027 is before 2026</li>")
    assert english_in('<pre>{"ip": "192.0.2.7"}</pre>')
    assert english_in("<li>en vedette : False → True</li>")
    assert english_in("<li>ConnectError: refused</li>")
    assert english_in("<p>lea@exemple.fr, https://exemple.fr/news/new, <script>var sent = 1</script></p>") == []


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, seam: BackgroundSending) -> WebContext:
    s = settings(tmp_path)
    s.taxonomy = TAXONOMY
    kit = make_kit(db, clock, s, SECRET, SystemMails())
    return build_web_context(s, db, clock, secret_key="t",
                             sending=seam, subscribers=kit, upload_dir=tmp_path / "uploads")  # fmt: skip


def world(
    client: TestClient, web: WebContext, db: Database, clock: FrozenClock, seam: BackgroundSending
) -> dict[str, int]:
    """Everything the pages can show, made the way people make it (through the pages where they can)."""
    ids = seed(db, clock.now())
    for role in (Role.EDITOR, Role.STAFF):
        add_user(db, f"{role}-2@example.org", role, PASSWORD, now=clock.now())
    token = csrf_of(client.get("/admin/items").text)
    client.post(f"/admin/items/{ids[1]}/approve", data={"csrf_token": token})
    client.post(f"/admin/items/{ids[2]}/reject", data={"csrf_token": token})
    client.post(f"/admin/items/{ids[0]}/tags", data={"csrf_token": token, "add": "afrique"})
    editor = client.get(f"/admin/items/{ids[0]}").text
    later = clock.now().date() + timedelta(days=50)
    form = {"csrf_token": token, "title": "Fonds régional 2027 (modifié)", "url": "https://example.org/items/0",
            "kind": "funding", "summary": "Résumé revu.", "deadline": later.strftime("%d/%m/%Y"),
            "place": "Lyon", "editor_note": "", "featured": "1", "tags": ["associations", "69", "afrique"]}  # fmt: skip
    assert "csrf" in editor
    client.post(f"/admin/items/{ids[0]}", data=form)
    client.post(f"/admin/items/{ids[0]}/approve", data={"csrf_token": token})
    with db.session() as s:
        sources = SourceRepository(s).find()
        refused = FetchError("ConnectError: [Errno 111] Connection refused", code="connection_refused")
        SourceRepository(s).save_health(sources[0].id or 0, SourceHealth(  # the French the watch stores
            last_run_at=clock.now(), last_error=describe(refused),
            last_error_at=clock.now(), consecutive_failures=3, runs=5, zero_item_runs=3))  # fmt: skip
        SourceRepository(s).save_health(sources[1].id or 0, SourceHealth(
            last_run_at=clock.now(), last_error=describe(HttpStatusError(404, "HTTP 404 Not Found")),
            last_error_at=clock.now(), consecutive_failures=1, runs=2))  # fmt: skip
        ItemRepository(s).get(ids[3])
    add_subscribers(db, 3, themes=["ecsi"])
    sub = Subscriber(email="lea@exemple.fr", status=SubscriberStatus.CONFIRMED, name="Léa",
                     preferences=Preferences(themes=["sante"], streams=[Stream.NEWSLETTER]))  # fmt: skip
    with db.session() as s:
        repo = SubscriberRepository(s)
        repo.save(sub)
        repo.log(sub, ConsentAction.SIGNUP, ConsentOrigin.FORM, clock.now(), ip="192.0.2.7")
        repo.log(sub, ConsentAction.CONFIRM, ConsentOrigin.LINK, clock.now(), ip="192.0.2.7")
    assert sub.id is not None
    web.subscribers.bounces.record(sub.id, BounceKind.SOFT, "smtp", "452 mailbox full")
    client.post(f"/admin/subscribers/{sub.id}", data={"csrf_token": token, "name": "Léa M.", "frequency": "monthly",
                "streams": ["newsletter", "emailing"], "themes": ["sante", "eau"]})  # fmt: skip
    r = client.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter", "editorial": "Bonne lecture"},
                    follow_redirects=False)  # fmt: skip
    sent_id = int(r.headers["location"].rsplit("/", 1)[1])
    client.post(f"/admin/issues/{sent_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    client.post(f"/admin/issues/{sent_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    assert seam.wait(sent_id, timeout=30) is not None
    clock.advance(timedelta(hours=1))
    with db.session() as s:
        repo = ItemRepository(s)
        item = repo.get(ids[3])
        assert item.status is ItemStatus.NEW
    client.post(f"/admin/items/{ids[3]}/approve", data={"csrf_token": token})
    r = client.post("/admin/issues", data={"csrf_token": token, "kind": "emailing", "item_ids": str(ids[3]),
                                           "subject": "Formation VSI"}, follow_redirects=False)  # fmt: skip
    draft_id = int(r.headers["location"].rsplit("/", 1)[1])
    return {"item": ids[0], "rejected": ids[2], "sub": sub.id, "sent": sent_id, "draft": draft_id,
            "source": sources[0].id or 0}  # fmt: skip


PAGES = [
    "/admin/", "/admin/items", "/admin/items?status=approved", "/admin/items?status=rejected", "/admin/items/{item}",
    "/admin/items/{rejected}", "/admin/sources", "/admin/sources/new", "/admin/sources/{source}",
    "/admin/sources/discover", "/admin/users", "/admin/password", "/admin/password/forgot", "/admin/issues",
    "/admin/issues/new", "/admin/issues/{sent}", "/admin/issues/{sent}/segments", "/admin/issues/{sent}/preview",
    "/admin/issues/{sent}/ledger", "/admin/issues/{draft}", "/admin/issues/{draft}/segments",
    "/admin/issues/{draft}/send", "/admin/issues/{draft}/cancel", "/admin/issues/{draft}/delete",
    "/admin/subscribers", "/admin/subscribers/{sub}", "/admin/subscribers/segments",
    "/admin/subscribers/segments?themes=sante", "/admin/subscribers/import", "/admin/subscribers/{sub}/erase",
    "/admin/figures", "/admin/nowhere",
]  # fmt: skip


def test_no_english_and_no_raw_value_on_any_admin_page(
    login: Login, client: TestClient, web: WebContext, db: Database, clock: FrozenClock, seam: BackgroundSending
) -> None:
    login(Role.ADMIN)
    ids = world(client, web, db, clock, seam)
    found: dict[str, list[str]] = {}
    for page in PAGES:
        path = page.format(**ids)
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        if english := english_in(r.text):
            found[path] = english
    # The pages a form answers: an import's dry run (a bad address, an unknown value), a test copy's flash.
    token = csrf_of(client.get("/admin/subscribers/import").text)
    sheet = "Courriel;Thématiques\r\npas-une-adresse;santé\r\nzoe@exemple.fr;cuisine\r\nlea@exemple.fr;Eau\r\n"
    report = client.post("/admin/subscribers/import", data={"csrf_token": token, "confirmed": "0"},
                         files={"file": ("abonnes.csv", sheet.encode("cp1252"), "text/csv")})  # fmt: skip
    assert report.status_code == 200 and "import-labels" in report.text
    copy = client.post(f"/admin/issues/{ids['draft']}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    assert "Copie de test envoyée" in copy.text
    for path, r in (("import (dry run)", report), ("test copy", copy)):
        if english := english_in(r.text):
            found[path] = english
    assert found == {}, "\n".join(f"{p}: {lines}" for p, lines in found.items())
