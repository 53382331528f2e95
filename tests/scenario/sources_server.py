"""A local HTTP server (127.0.0.1, a thread) serving the five sources of :mod:`tests.scenario.world` as they
stand on the day the test says it is, honouring conditional requests (ETag / If-None-Match)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.scenario.world import ENTRIES, SOURCES, Entry

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]  # fmt: skip


def french(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


class World:
    """The sources' content as a function of ``today`` (a day of March 2026, or later)."""

    def __init__(self) -> None:
        self.today = date(2026, 3, 1)
        self.lock = threading.Lock()
        self.responses: Counter[tuple[str, int]] = Counter()  # (path, status) -> count

    def visible(self, source: str) -> list[Entry]:
        start = date(2026, 3, 1)
        return [e for e in ENTRIES if source in e.sources and start + timedelta(days=e.day - 1) <= self.today]

    def deadline(self, e: Entry) -> date | None:
        if e.extended and date(2026, 3, 1) + timedelta(days=e.extended_on - 1) <= self.today:
            return e.extended
        return e.deadline

    def published(self, e: Entry) -> date:
        return date(2026, 3, 1) + timedelta(days=e.day - 1)

    def body(self, path: str) -> tuple[bytes, str] | None:
        decl = next((s for s in SOURCES if s.path == path), None)
        if decl is None:
            return None
        entries = self.visible(decl.key)
        render = {"feed": self.rss, "html": self.html, "ical": self.ics, "json": self.json}[decl.kind]
        return render(entries)

    def rss(self, entries: list[Entry]) -> tuple[bytes, str]:
        items = "".join(
            f'<item><title>{escape(e.title)}</title><link>{e.url}</link><guid isPermaLink="false">{e.key}</guid>'
            f"<pubDate>{format_datetime(datetime.combine(self.published(e), datetime.min.time(), UTC))}</pubDate>"
            f"<description>{escape(self.summary(e))}</description></item>"
            for e in entries
        )
        doc = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Financements</title>'
            f"<link>https://financements.exemple.fr/</link><description>Appels</description>{items}</channel></rss>"
        )
        return doc.encode(), "application/rss+xml"

    def summary(self, e: Entry) -> str:
        d = self.deadline(e)
        return f"<p>Pour les associations de la région.</p><p>Date limite de dépôt : {french(d)}.</p>" if d else ""

    def html(self, entries: list[Entry]) -> tuple[bytes, str]:
        blocks = "".join(
            f'<article class="appel"><h2><a href="{e.url}">{escape(e.title)}</a></h2>'
            f'<div class="resume">{self.summary(e)}</div></article>'
            for e in entries
        )
        head = '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Appels</title></head>'
        doc = f"{head}<body>{blocks}</body></html>"
        return doc.encode(), "text/html; charset=utf-8"

    def ics(self, entries: list[Entry]) -> tuple[bytes, str]:
        events = "".join(
            f"BEGIN:VEVENT\r\nUID:{e.key}@agenda.exemple.org\r\nDTSTAMP:20260301T090000Z\r\n"
            f"DTSTART;VALUE=DATE:{e.starts:%Y%m%d}\r\nSUMMARY:{e.title}\r\nURL:{e.url}\r\n"
            f"DESCRIPTION:Entrée libre.\r\nEND:VEVENT\r\n"
            for e in entries
            if e.starts
        )
        doc = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais scenario//FR\r\n{events}END:VCALENDAR\r\n"
        return doc.encode(), "text/calendar; charset=utf-8"

    def json(self, entries: list[Entry]) -> tuple[bytes, str]:
        rows = [
            {"id": e.key, "title": e.title, "url": e.url, "body": "Poste basé à Lyon.",
             "closing": f"{self.deadline(e)}T00:00:00+00:00"}
            for e in entries
        ]  # fmt: skip
        return json.dumps({"data": rows}, ensure_ascii=False).encode(), "application/json"


def make_handler(world: World) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with world.lock:
                found = world.body(self.path)
            if found is None:
                self._answer(404, b"", "text/plain")
                return
            body, ctype = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", ctype, etag)
            else:
                self._answer(200, body, ctype, etag)

        def _answer(self, status: int, body: bytes, ctype: str, etag: str = "") -> None:
            with world.lock:
                world.responses[(self.path, status)] += 1
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def sources_server(world: World) -> Iterator[str]:
    """Serve ``world`` on 127.0.0.1; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(world))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
