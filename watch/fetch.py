"""Fetching, politely: the ``Fetcher`` seam the watch needs, and its httpx implementation.

    FetchError (core)
    ├── HttpStatusError   the server answered 4xx/5xx (status, Retry-After seconds)
    └── OutboundRefused   the outbound policy refused the address (:mod:`watch.outbound`)

Every request goes through the outbound policy: the address is checked before anything is sent, each redirect
hop again, and the connection goes to the address that was checked. httpx's own exceptions (timeouts, redirects,
connection errors) are mapped to :class:`FetchError` here, at the boundary; nothing past this module sees an httpx
type.
"""

from __future__ import annotations

import asyncio
import errno
import re
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from core.errors import FetchError
from core.settings import WatchSettings
from watch.fetched import Fetched as Fetched  # where it is defined (the parse workers unpickle it)
from watch.outbound import GuardedTransport, OutboundPolicy, Resolver, redirect_hook, system_resolver
from watch.slots import Slots


class HttpStatusError(FetchError):
    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message, code="http_status", status=status)
        self.status = status
        self.retry_after = retry_after


# A network failure's code (core.messages says it in French), read from the OS's words first: httpx names its
# exception after the step that failed (ConnectError), the OS's message says why (refused, no such name).
_OS_CODES = [
    (re.compile(r"Connection refused", re.I), "connection_refused"),
    (re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed|No address", re.I), "dns_failed"),
    (re.compile(r"Network is unreachable", re.I), "network_unreachable"),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate|SSL", re.I), "tls_failed"),
    (re.compile(r"Connection reset", re.I), "connection_reset"),
]


_ERRNO_CODES = {
    errno.ECONNREFUSED: "connection_refused",
    errno.ECONNRESET: "connection_reset",
    errno.ENETUNREACH: "network_unreachable",
    errno.EHOSTUNREACH: "network_unreachable",
}


def network_code(exc: httpx.HTTPError) -> str:
    cause: BaseException | None = exc  # anyio says "All connection attempts failed"; the OS's error is its cause
    for _ in range(8):
        if cause is None:
            break
        if isinstance(cause, socket.gaierror):
            return "dns_failed"
        if isinstance(cause, ssl.SSLError):
            return "tls_failed"
        if isinstance(cause, OSError) and cause.errno in _ERRNO_CODES:
            return _ERRNO_CODES[cause.errno]
        cause = cause.__cause__ or cause.__context__
    for pattern, code in _OS_CODES:
        if pattern.search(str(exc)):
            return code
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect_timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read_timeout"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol_error"
    if isinstance(exc, httpx.DecodingError):
        return "decoding_failed"
    return "connection"


class Fetcher(Protocol):
    """What the watch needs from the network (and the disk, for local demo sources).

    ``local``: ``url`` is a source's own address as stored, which may be a file the operator declared in the
    config; every other address (a detail link found in a page, a redirect) must be http(s)."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, local: bool = False
    ) -> Fetched: ...


class HttpFetcher:
    """httpx with a global and a per-host limit, one total deadline per request, a body cap enforced while
    streaming (after decompression, so a gzip bomb is stopped), and conditional requests.

    One client (one connection pool) per origin, sized to the per-host limit: httpx's pool looks at every one of
    its connections each time a request starts or ends, so one pool shared by many origins cost more than the
    requests themselves (a third of the collecting process's CPU for 150 feeds on 60 origins). The clients share
    one TLS context."""

    def __init__(
        self,
        settings: WatchSettings,
        *,
        policy: OutboundPolicy | None = None,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.settings = settings
        self.policy = policy or OutboundPolicy.from_settings(settings.trusted_networks)
        self._resolver = resolver
        self._now = now
        self._transport = transport
        self._verify = httpx.create_ssl_context() if verify is True else verify
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._slots = Slots(settings.concurrency, settings.per_host)

    def _client(self, origin: str) -> httpx.AsyncClient:
        client = self._clients.get(origin)
        if client is None:
            limit = self.settings.per_host
            limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
            transport = self._transport or GuardedTransport(
                self.policy, resolver=self._resolver, verify=self._verify, limits=limits
            )
            client = self._clients[origin] = httpx.AsyncClient(
                transport=transport,
                headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
                timeout=httpx.Timeout(self.settings.timeout),
                follow_redirects=True,
                max_redirects=self.settings.max_redirects,
                event_hooks={"response": [redirect_hook(self.policy)]},
                trust_env=False,
            )
        return client

    async def __aenter__(self) -> HttpFetcher:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, local: bool = False
    ) -> Fetched:
        path = self.policy.check_url(url, local=local)
        if path is not None:
            return await asyncio.to_thread(self._read_file, path)
        origin = urlsplit(url).netloc.lower()  # host and port: one server, as browsers count connections
        async with self._slots.turn(origin):
            try:
                async with asyncio.timeout(self.settings.timeout):
                    return await self._get(self._client(origin), url, etag, last_modified)
            except TimeoutError:
                raise FetchError(
                    f"no complete answer within {self.settings.timeout:g} s",
                    code="timeout",
                    seconds=f"{self.settings.timeout:g}",
                ) from None
            except httpx.TooManyRedirects:
                raise FetchError(
                    f"more than {self.settings.max_redirects} redirects (a loop?)",
                    code="too_many_redirects",
                    limit=self.settings.max_redirects,
                ) from None
            except httpx.TimeoutException:
                raise FetchError(
                    f"timed out after {self.settings.timeout:g} s", code="timeout", seconds=f"{self.settings.timeout:g}"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"{type(exc).__name__}: {exc or 'connection failed'}", code=network_code(exc)
                ) from None

    async def _get(self, client: httpx.AsyncClient, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with client.stream("GET", url, headers=headers) as resp:
            final = str(resp.url)
            max_age = cache_max_age(resp.headers.get("cache-control"))
            if resp.status_code == 304:
                # Read to its end (a 304 has no body: nothing more arrives), so the connection goes back to the pool
                # for the next source of this server; a response left unread closes its connection.
                await resp.aread()
                return Fetched(
                    final,
                    304,
                    etag=resp.headers.get("etag") or etag,
                    last_modified=resp.headers.get("last-modified") or last_modified,
                    max_age=max_age,
                )
            if resp.status_code >= 400:
                retry = retry_after_seconds(resp.headers.get("retry-after"), self._now())
                raise HttpStatusError(resp.status_code, f"HTTP {resp.status_code} {resp.reason_phrase}".strip(), retry)
            declared = resp.headers.get("content-length", "")
            limit = self.settings.max_body_bytes
            if declared.isdigit() and int(declared) > limit and not resp.headers.get("content-encoding"):
                raise FetchError(
                    f"body of {int(declared):,} bytes is over the {limit:,}-byte limit",
                    code="body_too_large",
                    size=f"{int(declared):,}",
                    limit=f"{limit:,}",
                )
            chunks, total = [], 0
            async for chunk in resp.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    raise FetchError(
                        f"body over the {limit:,}-byte limit (after decompression)",
                        code="body_over_limit",
                        limit=f"{limit:,}",
                    )
                chunks.append(chunk)
            return Fetched(
                final,
                200,
                b"".join(chunks),
                resp.headers.get("content-type"),
                resp.headers.get("etag"),
                resp.headers.get("last-modified"),
                max_age,
            )

    def _read_file(self, path: Path) -> Fetched:
        try:
            size = path.stat().st_size
            if size > self.settings.max_body_bytes:
                raise FetchError(
                    f"file of {size:,} bytes is over the {self.settings.max_body_bytes:,}-byte limit",
                    code="file_too_large",
                    size=f"{size:,}",
                    limit=f"{self.settings.max_body_bytes:,}",
                )
            return Fetched(str(path), 200, path.read_bytes())
        except OSError as exc:
            raise FetchError(
                f"cannot read {path}: {exc.strerror or exc}", code="cannot_read_file", path=str(path)
            ) from None


_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*(\d+)", re.IGNORECASE)


def cache_max_age(header: str | None) -> int | None:
    """Seconds from ``Cache-Control: max-age=N``; None with no-cache/no-store or nothing said."""
    if not header or re.search(r"no-(?:cache|store)", header, re.IGNORECASE):
        return None
    m = _MAX_AGE.search(header)
    return int(m.group(1)) if m else None


def retry_after_seconds(header: str | None, now: datetime) -> int | None:
    """``Retry-After`` as seconds from now: a number, or an HTTP date."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return int(header)
    try:
        when = datetime.strptime(header, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    except ValueError:
        return None
    return max(0, int((when - now).total_seconds()))
