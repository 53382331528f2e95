"""What a hostile source writes, from collection to the pages and feeds people open: control characters never
reach them (the public feeds stay valid XML), script links are never links, and no text can make a page print
its viewer's CSRF token."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.model import IssueStatus, Item, ItemKind, ItemSource, Role, Source, SourceKind
from core.settings import WatchSettings, load_settings
from digest.service import DigestService
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.admin.conftest import csrf_of
from watch.service import Watch, taxonomy_rules

ROOT = Path(__file__).parents[2]
TAXONOMY = load_settings(ROOT / "config.toml").taxonomy
# XML cannot carry most controls raw: a hostile feed writes them as character references, which parsers decode.
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile</title>
<link>https://hostile.example/</link>
<item><title>Appel&#x1b;[31m eau&#x7f;&#x85; \u202eexe.txt\u202c 2027</title><link>https://hostile.example/eau</link>
<guid>eau</guid><description>R\u00e9sum\u00e9&#x1b;[2J&#x85; &amp;#x0b; nul&amp;#0; fin</description></item>
</channel></rss>"""
# HTML pages may carry raw bytes; the NUL and vertical tab go in too.
PAGE = (
    '<div class="appel"><h2>Appel\x00 pi\u00e9g\u00e9\x0b\x1b</h2><a href="javascript:alert(1)">voir</a>'
    '<div class="resume">Texte\x85 <a href="java&#x09;script:alert(2)">a</a> <a href=" JaVaScRiPt:alert(3)">b</a>'
    ' <img src="data:image/svg+xml,x"> <a href="vbscript:x">c</a></div></div>'
)
FORBIDDEN = ["\x00", "\x0b", "\x1b", "\x7f", "\x85", "\u202e"]
LINK_ATTR = re.compile(r"""\b(?:href|src|action|formaction)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def script_links(page: str) -> list[str]:
    """Every href/src of ``page`` whose value, as a browser reads it, is not a web, mail or local link."""
    bad = []
    for match in LINK_ATTR.finditer(page):
        value = html.unescape(next(g for g in match.groups() if g is not None))
        value = re.sub(r"[\x00-\x20\x7f-\x9f]", "", value).lower()
        if value.startswith(("javascript:", "data:", "vbscript:", "file:")) and value != "data:,":  # our no-favicon
            bad.append(value)
    return bad


def collect(web: WebContext, db: Database, *sources: tuple[Source, str, str]) -> None:
    """Collect ``sources``, each served by a fake HTTP transport with its body and content type."""
    bodies = {src.url: (body, ctype) for src, body, ctype in sources}

    def server(request: httpx.Request) -> httpx.Response:
        body, ctype = bodies[str(request.url)]
        return httpx.Response(200, content=body.encode(), headers={"content-type": ctype})

    with db.session() as s:
        SourceRepository(s).sync_from_config([src for src, _, _ in sources])
    results = Watch(
        db, WatchSettings(), web.clock, taxonomy_rules(TAXONOMY), transport=httpx.MockTransport(server)
    ).collect()
    assert [r.outcome for r in results] == ["fetched"] * len(sources), results


def feed_source() -> Source:
    return Source(name="Flux hostile", url="https://hostile.example/rss", kind=SourceKind.FEED, item_kind=ItemKind.CALL)


def page_source() -> Source:
    return Source(
        name="Page hostile",
        url="https://hostile.example/appels",
        kind=SourceKind.HTML,
        item_kind=ItemKind.CALL,
        options={"item": "div.appel", "title": "h2", "link": "a", "summary": ".resume"},
    )


def stored(db: Database) -> list[Item]:
    with db.session() as s:
        return ItemRepository(s).find()


def approve_all(client: TestClient, items: list[Item]) -> None:
    token = csrf_of(client.get("/admin/items").text)
    for item in items:
        r = client.post(f"/admin/items/{item.id}/approve", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.text


def test_control_characters_through_to_atom_validity(
    login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    collect(web, db, (feed_source(), FEED, "application/rss+xml"), (page_source(), PAGE, "text/html; charset=utf-8"))
    client = login(Role.EDITOR)
    items = stored(db)
    assert len(items) == 2
    for item in items:
        for value in (item.title, item.summary, item.body_html, *(s.title or "" for s in item.sources)):
            assert not [c for c in FORBIDDEN if c in value], repr(value)
    triage = client.get("/admin/items").text
    assert "Appel[31m eau" in triage and not [c for c in FORBIDDEN if c in triage]
    with db.session() as s:  # a row stored before the guard existed: the feeds clean it again
        items.append(ItemRepository(s).add(Item(ItemKind.NEWS, "Ancien\x1b\x0b titre", summary="Vieux\x7f\x85")))
    approve_all(client, items)

    atom = client.get("/feeds/items.atom")
    assert atom.status_code == 200
    ET.fromstring(atom.content)  # well-formed XML, or this raises
    parsed = feedparser.parse(atom.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    # (feedparser reads the &#x85; reference as HTML does, as the Windows-1252 "…")
    titles = sorted(e.title.replace("…", "") for e in parsed.entries)
    assert titles == ["Ancien titre", "Appel piégé", "Appel[31m eau exe.txt 2027"]
    as_json = client.get("/feeds/items.json")
    text = json.dumps(as_json.json(), ensure_ascii=False)
    for body in (atom.text, text):
        assert not [c for c in FORBIDDEN if c in body]


def test_a_script_link_never_reaches_an_admin_or_public_page(
    login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    collect(web, db, (page_source(), PAGE, "text/html; charset=utf-8"))
    (collected,) = stored(db)
    assert collected.url is None  # stored as no link
    assert "javascript" not in collected.body_html.lower() and "data:" not in collected.body_html
    # An item stored before this guard existed (or by any other path): the pages filter links again.
    now = web.clock.now()
    with db.session() as s:
        src = SourceRepository(s).by_name("Page hostile")
        assert src is not None and src.id is not None
        old = ItemRepository(s).add(
            Item(ItemKind.CALL, "Appel ancien", url=" JaVaScRiPt:alert(4)", collected_at=now,
                 sources=[ItemSource(src.id, "old", url="java\tscript:alert(5)", title="Appel ancien")])
        )  # fmt: skip
    client = login(Role.EDITOR)
    pages = {"triage": client.get("/admin/items").text}
    for item in (collected, old):
        pages[f"editor {item.id}"] = client.get(f"/admin/items/{item.id}").text
    approve_all(client, [collected, old])
    svc = DigestService(db, web.clock, web.settings.network, web.settings.taxonomy)
    issue = svc.build_newsletter()
    with db.session() as s:
        issue.status, issue.sent_at = IssueStatus.SENT, datetime(2026, 11, 2, 9, tzinfo=UTC)
        IssueRepository(s).save(issue)
    pages["issue"] = client.get(f"/admin/issues/{issue.id}").text
    pages["archive"] = client.get(f"/archives/{issue.id}").text
    pages["archives"] = client.get("/archives").text
    for name, page in pages.items():
        assert "Appel" in page or name == "archives", name
        assert script_links(page) == [], name


def test_the_item_editor_refuses_a_script_link_in_french(
    login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    with db.session() as s:
        item = ItemRepository(s).add(Item(ItemKind.CALL, "Appel eau", url="https://exemple.org/eau"))
    client = login(Role.EDITOR)
    page = client.get(f"/admin/items/{item.id}").text
    form = {"csrf_token": csrf_of(page), "title": "Appel eau", "kind": "call"}
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)", "data:text/html,x"):
        r = client.post(f"/admin/items/{item.id}", data={**form, "url": bad})
        assert r.status_code == 400 and "le lien doit être une adresse web complète" in r.text, bad
        assert script_links(r.text) == []
    assert stored(db)[0].url == "https://exemple.org/eau"
    r = client.post(
        f"/admin/items/{item.id}", data={**form, "url": "https://exemple.org/eau-2"}, follow_redirects=False
    )
    assert r.status_code == 303 and stored(db)[0].url == "https://exemple.org/eau-2"


def test_form_fields_lose_their_control_characters(
    login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    with db.session() as s:
        item = ItemRepository(s).add(Item(ItemKind.CALL, "Appel eau"))
    client = login(Role.EDITOR)
    token = csrf_of(client.get(f"/admin/items/{item.id}").text)
    r = client.post(
        f"/admin/items/{item.id}",
        data={"csrf_token": token, "title": "Appel\x1b[2J \u202eeau\x00", "kind": "call",
              "summary": "Ligne un\r\nligne\x85 deux\x0b", "place": "Lyon\x7f", "editor_note": "\u2066note\u2069"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    saved = stored(db)[0]
    assert (saved.title, saved.summary, saved.place, saved.editor_note) == (
        "Appel[2J eau",
        "Ligne un\nligne deux",
        "Lyon",
        "note",
    )


@pytest.mark.parametrize("marker", ["__relais_csrf__", "__relais_back__", "<relais-csrf-0123456789abcdef>"])
def test_a_title_spelling_the_csrf_marker_shows_as_text(
    login: Callable[[Role], TestClient], web: WebContext, marker: str, db: Database
) -> None:
    with db.session() as s:
        src = SourceRepository(s)
        src.sync_from_config([replace(feed_source(), name=f"Source {marker}")])
        source = src.by_name(f"Source {marker}")
        assert source is not None and source.id is not None
        title = f"Appel {marker} fin"
        ItemRepository(s).add(
            Item(ItemKind.CALL, title, summary=f"Résumé {marker}", suggested_tags=[],
                 sources=[ItemSource(source.id, "x", title=title)])
        )  # fmt: skip
    client = login(Role.EDITOR)
    shown = html.escape(marker, quote=False)
    for _ in range(2):  # the first page renders the row, the second reuses it from the cache
        page = client.get("/admin/items").text
        token = csrf_of(page)
        assert f"Appel {shown} fin" in page and f"Résumé {shown}" in page and f"Source {shown}" in page
        fields = len(re.findall(rf'name="csrf_token" value="{re.escape(token)}"', page))
        metas = len(re.findall(rf'name="csrf-token" content="{re.escape(token)}"', page))
        assert fields > 0 and page.count(token) == fields + metas
