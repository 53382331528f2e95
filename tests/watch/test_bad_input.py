"""Hostile and broken sources served by a real HTTP server on 127.0.0.1: each gives a recorded per-source error
or a clean item, the run goes on, and nothing already stored is lost."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from core.clock import FrozenClock
from core.model import Source
from core.settings import WatchSettings
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.watch.helpers import DATA, source
from watch.collect import SourceResult
from watch.service import Watch

GOOD = b"""<rss version="2.0"><channel><title>Bon</title><link>http://127.0.0.1/</link>
<item><title>Un appel bien form\xc3\xa9</title><link>http://127.0.0.1/ok/1</link><guid>ok-1</guid>
<description>Date limite : 15 mars 2027.</description></item></channel></rss>"""
BAD_DATES = """<rss version="2.0"><channel><title>Dates</title><link>http://127.0.0.1/</link>
<item><title>Appel aux dates étranges</title><guid>d-1</guid><pubDate>le jour des morts-vivants</pubDate>
<description>Date limite : le 45 brumaire de l'an CCXXXV. Clôture le 99/99/2027.</description></item>
</channel></rss>""".encode()
SCRIPTED = b"""<html><body><article class="appel"><h2><a href="/x" onclick="steal()">Appel pi\xc3\xa9g\xc3\xa9</a></h2>
<div class="resume"><p onmouseover="alert(1)">Texte <img src="/i.png" onerror="boom()"><script>alert(2)</script></p>
<a href="javascript:alert(3)">lien</a></div></article></body></html>"""
MAX_BODY = 5_000_000
LOOPBACK = ["127.0.0.0/8"]  # the hostile sources are served on 127.0.0.1, which the outbound policy refuses


def gzip_bomb(size: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    chunk = b"\0" * 1_000_000
    return b"".join(z.compress(chunk) for _ in range(size // len(chunk))) + z.flush()


class Handler(BaseHTTPRequestHandler):
    stop: ClassVar[threading.Event]
    bomb: ClassVar[bytes]
    flaky_ok: ClassVar[list[bool]] = [True]

    def log_message(self, *args: object) -> None:  # quiet tests
        pass

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        try:
            if path == "/ok.rss" or (path == "/flaky.rss" and self.flaky_ok[0]):
                self.send(200, GOOD, Content_Type="application/rss+xml")
            elif path in ("/malformed.xml", "/flaky.rss"):
                self.send(200, b'<rss version="2.0"><channel><<<title>>></rss', Content_Type="application/xml")
            elif path == "/truncated.rss":
                self.send(200, (DATA / "truncated.rss").read_bytes())
            elif path == "/latin1.rss":
                self.send(
                    200, (DATA / "wrong_charset.rss").read_bytes(), Content_Type="application/rss+xml; charset=utf-8"
                )
            elif path == "/latin1.html":
                body = "<article class='appel'><h2><a href='/e'>Éducation à la citoyenneté</a></h2></article>"
                self.send(200, body.encode("latin-1"), Content_Type="text/html; charset=utf-8")
            elif path == "/nothing.html":
                self.send(200, b"<html><body><p>Refonte du site en cours</p></body></html>")
            elif path == "/dates.rss":
                self.send(200, BAD_DATES)
            elif path == "/script.html":
                self.send(200, SCRIPTED, Content_Type="text/html; charset=utf-8")
            elif path == "/huge":
                self.send_response(200)  # no Content-Length: the limit must hold while streaming
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<!-- padding -->" * 65536
                for _ in range(50_000_000 // len(chunk) + 1):
                    self.wfile.write(chunk)
            elif path == "/huge-declared":
                self.send_response(200)
                self.send_header("Content-Length", "50000000")
                self.end_headers()
                self.wfile.write(b"x" * 1000)
            elif path == "/bomb":
                self.send(200, self.bomb, Content_Encoding="gzip", Content_Type="application/rss+xml")
            elif path == "/hang":
                self.stop.wait(30)
            elif path.startswith("/loop"):
                self.send(302, Location="/loop-b" if path == "/loop-a" else "/loop-a")
            elif path.startswith("/status/"):
                code = int(path.rsplit("/", 1)[1])
                self.send(code, b"non", **({"Retry_After": "120"} if code == 429 else {}))
            else:
                self.send(404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (body limit, timeout)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    Handler.stop = threading.Event()
    Handler.bomb = gzip_bomb(50_000_000)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.stop.set()
    httpd.shutdown()
    httpd.server_close()


CASES = {
    "malformed": ("feed", "/malformed.xml", "error", "not a readable feed"),
    "truncated": ("feed", "/truncated.rss", "fetched", None),
    "latin1 feed": ("feed", "/latin1.rss", "fetched", None),
    "latin1 page": ("html", "/latin1.html", "fetched", None),
    "nothing matches": ("html", "/nothing.html", "fetched", None),
    "bad dates": ("feed", "/dates.rss", "fetched", None),
    "scripts": ("html", "/script.html", "fetched", None),
    "50 MB": ("feed", "/huge", "error", "byte limit"),
    "50 MB declared": ("feed", "/huge-declared", "error", "byte limit"),
    "gzip bomb": ("feed", "/bomb", "error", "after decompression"),
    "never answers": ("feed", "/hang", "error", "within 3 s"),
    "redirect loop": ("feed", "/loop-a", "error", "redirects"),
    "404": ("feed", "/status/404", "error", "HTTP 404"),
    "410": ("feed", "/status/410", "error", "HTTP 410"),
    "429": ("feed", "/status/429", "error", "HTTP 429"),
    "500": ("feed", "/status/500", "error", "HTTP 500"),
    "good": ("feed", "/ok.rss", "fetched", None),
}
HTML_OPTS = {"item": "article.appel", "title": "h2", "link": "h2 a", "summary": ".resume"}


def sources(base: str) -> list[Source]:
    return [
        source(kind, "call", name=name, url=base + path, options=HTML_OPTS if kind == "html" else {})
        for name, (kind, path, _, _) in CASES.items()
    ]


@pytest.fixture
def results(db: Database, clock: FrozenClock, server: str) -> dict[str, SourceResult]:
    with db.session() as s:
        SourceRepository(s).sync_from_config(sources(server))
    settings = WatchSettings(
        timeout=3.0, max_body_bytes=MAX_BODY, max_redirects=3, trusted_networks=LOOPBACK
    )  # generous timeout: CI machines are busy
    return {r.source: r for r in Watch(db, settings, clock).collect()}


def test_every_bad_input_gives_a_recorded_error_or_a_clean_item(results: dict[str, SourceResult], db: Database) -> None:
    for name, (_, _, outcome, message) in CASES.items():
        r = results[name]
        assert r.outcome == outcome, (name, r)
        if message:
            assert message in (r.error or ""), (name, r.error)
    assert results["429"].http_status == 429
    with db.session() as s:
        health = {src.name: src.health for src in SourceRepository(s).find()}
        stored = ItemRepository(s).find()
    assert health["500"].consecutive_failures == 1 and health["500"].backoff_until is not None
    assert health["nothing matches"].zero_item_runs == 1 and health["nothing matches"].last_error is None
    titles = {i.title for i in stored}
    assert not any("HTTP" in t or "error" in t.lower() for t in titles)  # errors never become items
    assert titles == {
        "Un appel bien formé", "Premier appel & bien formé", "Deuxième appel", "Éducation à la citoyenneté",
        "Éducation à la citoyenneté : journée d'échanges", "Appel aux dates étranges", "Appel piégé",
    }  # fmt: skip


def test_scripts_and_unreadable_dates_leave_clean_items(results: dict[str, SourceResult], db: Database) -> None:
    with db.session() as s:
        by_title = {i.title: i for i in ItemRepository(s).find()}
    trapped = by_title["Appel piégé"]
    for bad in ("script", "onclick", "onmouseover", "onerror", "javascript:", "alert"):
        assert bad not in trapped.body_html
    assert trapped.url and trapped.url.startswith("http://127.0.0.1:")
    odd = by_title["Appel aux dates étranges"]
    assert odd.deadline is None and odd.published_at is None


def test_a_source_that_breaks_keeps_what_it_gave_before(db: Database, clock: FrozenClock, server: str) -> None:
    with db.session() as s:
        SourceRepository(s).sync_from_config([source("feed", "call", name="flaky", url=server + "/flaky.rss")])
    w = Watch(db, WatchSettings(timeout=2.0, trusted_networks=LOOPBACK), clock)
    Handler.flaky_ok[0] = True
    assert w.collect()[0].new == 1
    Handler.flaky_ok[0] = False
    try:
        assert w.collect(force=True)[0].outcome == "error"
    finally:
        Handler.flaky_ok[0] = True
    with db.session() as s:
        assert [i.title for i in ItemRepository(s).find()] == ["Un appel bien formé"]
