"""Shared builders for the watch tests."""

from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from core.model import ItemKind, Source, SourceKind
from watch.outbound import IPAddress, OutboundRefused, Refusal, numeric_host

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parents[2] / "demo" / "sources"
REF = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def source(kind: str = "feed", item_kind: str = "news", **kw: Any) -> Source:
    return Source(
        name=kw.pop("name", f"test {kind}"),
        url=kw.pop("url", "https://example.org/feed"),
        kind=SourceKind(kind),
        item_kind=ItemKind(item_kind),
        **kw,
    )


# -- serving on 127.0.0.0/8, resolving nothing outside it ----------------------------------------------------

HOST = "127.0.0.2"  # the test servers' address: trusted alone, so 127.0.0.1 stays an internal address


class Responder(BaseHTTPRequestHandler):
    """A quiet handler with a one-call answer, for the test servers' own ``do_GET``."""

    def log_message(self, *args: object) -> None:
        pass

    def send(self, code: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_server(handler: Callable[..., BaseHTTPRequestHandler], host: str = HOST) -> Iterator[int]:
    """A threaded HTTP server on ``host`` and a free port, for the duration of the block; yields the port."""
    httpd = ThreadingHTTPServer((host, 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def file_server(folder: Path, host: str = HOST) -> AbstractContextManager[int]:
    """The files of ``folder`` as a web site serves them."""
    return http_server(functools.partial(QuietFiles, directory=str(folder)), host)


class FakeResolver:
    """Names as a test wants them, numeric hosts as they are, anything else unknown; counts lookups (a second
    lookup of one name for one connection would be a DNS rebinding hole)."""

    def __init__(self, names: Mapping[str, Sequence[str]] | None = None) -> None:
        self.names = dict(names or {})
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.calls.append(host)
        ip = numeric_host(host)
        if ip is not None:
            return [ip]
        if host not in self.names:
            raise OutboundRefused(Refusal.UNRESOLVED, host)
        return [ipaddress.ip_address(a) for a in self.names[host]]
