"""What the demo's subscribers really get, read from the outbox as they would read it: different newsletters for
different choices, each holding only what its reader asked for; and no dead link, from the public site's home page
or from any link of any email sent."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from selectolax.lexbor import LexborHTMLParser
from starlette.testclient import TestClient

from relais.web import build_app
from relais.wiring import load

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:8000"  # the bundled config's [network] base_url
MAX_PAGES = 400


@dataclass
class Demo:
    folder: Path
    messages: list[EmailMessage]
    items: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    shutil.copytree(ROOT / "demo", folder / "demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}

    def relais(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "relais", "--config", str(folder / "config.toml"), *args],
            capture_output=True, text=True, timeout=300, env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        return done.stdout

    relais("up", "--no-serve")
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((folder / "var" / "outbox").glob("*.eml"))
    ]
    items = json.loads(relais("items", "list", "--status", "approved", "--format", "json"))
    deliveries = json.loads(relais("deliveries", "list", "1", "--format", "json"))
    return Demo(folder, [m for m in messages if isinstance(m, EmailMessage)], items, deliveries)


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def _html(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def _to(msg: EmailMessage) -> str:
    return str(msg["To"]).strip("<>").split("<")[-1].rstrip(">")


# -- segmentation --------------------------------------------------------------------------------------------------

KARIM = "karim.haddad@cooperation-38.example"  # agriculture and climate, Maghreb, Isère (demo/subscribers.csv)
WANTS = {"themes": {"agriculture", "climat"}, "zones": {"maghreb"}, "territories": {"38"}}


def _families() -> dict[str, set[str]]:
    import tomllib

    taxonomy = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))["taxonomy"]
    return {f: {t["slug"] for t in taxonomy.get(f, [])} for f in ("themes", "zones", "territories")}


def test_the_demo_sends_different_newsletters_each_with_only_what_its_reader_asked_for(demo: Demo) -> None:
    segments = {d["segment"] for d in demo.deliveries if d["status"] == "accepted"}
    assert len(segments) >= 4, f"only {len(segments)} distinct segments: everyone gets the same newsletter"

    by_address = {_to(m): _text(m) for m in demo.messages}
    karim, everything = by_address[KARIM], by_address["claire.martin@asso-solidarite.example"]
    families = _families()
    shown: list[tuple[str, bool]] = []
    refused: list[tuple[str, bool]] = []
    for item in demo.items:
        if item["title"] not in everything:
            continue  # not in this issue (closed, past)
        tags = set(item["tags"])
        wanted = all(not (tags & families[f]) or bool(tags & WANTS[f]) for f in WANTS)
        (shown if item["title"] in karim else refused).append((item["title"], wanted))
    assert shown, "Karim's newsletter is empty"
    assert all(wanted for _, wanted in shown), [t for t, w in shown if not w]
    assert not any(wanted for _, wanted in refused), [t for t, w in refused if w]
    assert len(refused) >= 10  # what he did not ask for stayed out: a visibly shorter newsletter
    # The weekly permanence (7 occurrences in the agenda) is one entry with its next dates.
    assert everything.count("Permanence d'accompagnement au montage de projets") == 1
    assert "Chaque mardi à 14h00, prochaines : " in everything


def test_the_key_figures_show_real_zones_and_themes(demo: Demo) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    out = subprocess.run(
        [sys.executable, "-m", "relais", "--config", str(demo.folder / "config.toml"), "figures", "--format", "json"],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT, check=True,
    ).stdout  # fmt: skip
    items = json.loads(out)["items"]
    assert len([z for z in items["zones"] if z["count"]]) >= 2
    assert len([t for t in items["themes"] if t["count"]]) >= 4
    assert any(t["key"] for t in items["events_by_territory"] if t["count"])


# -- links ---------------------------------------------------------------------------------------------------------


def _links(html: str, page: str) -> list[str]:
    tree = LexborHTMLParser(html)
    found = [n.attributes.get("href") or "" for n in tree.css("a[href], link[href]")]
    found += [n.attributes.get("action") or "" for n in tree.css("form[method=get], form:not([method])")]
    return [urljoin(page, h) for h in found if h and not h.startswith(("#", "mailto:", "javascript:"))]


def _ours(url: str) -> str | None:
    """The path (and query) of a link to this service; None for any other site."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != BASE:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_no_link_from_the_home_page_or_any_sent_email_is_dead(demo: Demo) -> None:
    services = load(str(demo.folder / "config.toml"))
    dead: dict[str, str] = {}
    with TestClient(build_app(services), base_url=BASE, follow_redirects=False) as client:
        seen: set[str] = set()
        queue: deque[tuple[str, str]] = deque([("/", "(start)")])
        for msg in demo.messages:  # every link of every email: HTML, text twin and List-Unsubscribe
            urls = _links(_html(msg), BASE) + re.findall(r"https?://[^\s<>\"]+", _text(msg))
            urls += re.findall(r"<(https?://[^>]+)>", str(msg["List-Unsubscribe"] or ""))
            for url in urls:
                if (path := _ours(url)) is not None:
                    queue.append((path, f"email to {_to(msg)}"))
        while queue and len(seen) < MAX_PAGES:
            path, origin = queue.popleft()
            if path in seen or path.startswith("/admin"):
                continue
            seen.add(path)
            r = client.get(path)
            if r.status_code in (301, 302, 303, 307, 308):
                queue.append((_ours(urljoin(BASE + path, r.headers["location"])) or "/", path))
                continue
            if r.status_code >= 400:
                dead[path] = f"{r.status_code} (linked from {origin})"
                continue
            if r.headers.get("content-type", "").startswith("text/html"):
                for url in _links(r.text, BASE + path):
                    if (p := _ours(url)) is not None:
                        queue.append((p, path))
        assert "RESA&#39;CLIC n°1" in client.get("/").text  # the home page lists the issue sent
    assert {"/", "/abonnement", "/subscribe", "/archives", "/archives/feed.atom"} <= seen
    assert any(p.startswith("/archives/1") for p in seen)
    assert any(p.startswith("/unsubscribe/") for p in seen) and any(p.startswith("/preferences/") for p in seen)
    assert not dead, dead
