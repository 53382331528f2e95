"""The outbound policy: the one place that decides whether Relais may make a request, for every request it makes
(collection, detail pages, previews, each redirect hop).

    FetchError (core)
    └── OutboundRefused   the policy said no before a single packet left (code, value)

What it allows:

- ``http`` and ``https`` only. A local file only for a source's own address, and only when the operator wrote that
  path in ``config.toml`` (:attr:`OutboundPolicy.local_files`); never a link found inside a fetched document, a
  redirect, the admin's form or an import.
- Public addresses only: a name is resolved once (:data:`Resolver`), every address it gives is checked — loopback,
  private, link-local (and the metadata address there), unique-local, shared (CGNAT), multicast, reserved,
  unspecified, IPv4-mapped and NAT64 forms of those — and the connection goes to the address that was checked, so
  a second lookup cannot bring another answer (DNS rebinding). Numeric spellings (``0x7f000001``, ``2130706433``,
  ``0177.0.0.1``, ``127.1``) are read as the address they mean.
- ``[watch] trusted_networks``: CIDRs that may be reached anyway (an intranet; the tests and benchmarks that serve
  on 127.0.0.1).

A refusal happens before connecting, so it reads the same whatever the state of the port behind it: the admin's
preview cannot serve as a port scanner.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from core.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Every address a host name stands for (the seam the tests replace: no packet leaves 127.0.0.1)."""

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; cloud metadata lives there too


class Refusal(StrEnum):
    SCHEME = "scheme"
    LOCAL_FILE = "local_file"
    INTERNAL = "internal"
    UNRESOLVED = "unresolved"


_MESSAGES = {
    Refusal.SCHEME: "adresse refusée : seuls http et https sont suivis ({value})",
    Refusal.LOCAL_FILE: "fichier local refusé : seule une source écrite dans config.toml lit un fichier ({value})",
    Refusal.INTERNAL: "adresse interne refusée : {value}",
    Refusal.UNRESOLVED: "nom de domaine introuvable : {value}",
}


class OutboundRefused(FetchError):
    """The policy refused a request before it was made. ``code`` and ``value`` say which rule and on what."""

    def __init__(self, code: Refusal, value: str) -> None:
        super().__init__(_MESSAGES[code].format(value=value[:200]), code=code, value=value[:200])
        self.code: Refusal = code
        self.value = value


def is_local(url: str) -> bool:
    """A path or a ``file:`` URL rather than a network address."""
    return "://" not in url or url.lower().startswith("file:")


def local_path(url: str) -> Path:
    return Path(url[len("file://") :] if url.lower().startswith("file://") else url)


def numeric_host(host: str) -> IPAddress | None:
    """The address a host written as a number stands for, in any spelling a resolver accepts
    (``[::1]``, ``127.0.0.1``, ``127.1``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``), else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if re.fullmatch(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", host, re.IGNORECASE):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped ``::ffff:a.b.c.d``, NAT64, 6to4, Teredo), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(ip: IPAddress) -> bool:
    """Whether an address is an ordinary one of the internet; an IPv6 form of an IPv4 address is judged by it."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        return is_public(inner)
    return not (
        not ip.is_global
        or ip.is_multicast
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED)
    )


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """What Relais may reach. Built once from the settings by the composition root."""

    trusted: tuple[IPNetwork, ...] = ()
    local_files: frozenset[Path] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, trusted_networks: Iterable[str], local_files: Iterable[str] = ()) -> OutboundPolicy:
        return cls(
            tuple(ipaddress.ip_network(n, strict=False) for n in trusted_networks),
            frozenset(local_path(f).resolve() for f in local_files),
        )

    def allows_address(self, ip: IPAddress) -> bool:
        inner = embedded_ipv4(ip)
        return is_public(ip) or any(ip in net or (inner is not None and inner in net) for net in self.trusted)

    def check_address(self, ip: IPAddress) -> None:
        if not self.allows_address(ip):
            raise OutboundRefused(Refusal.INTERNAL, str(ip))

    def check_url(self, url: str, *, local: bool = False) -> Path | None:
        """Refuse what is never fetched. Returns the file to read for an allowed local source, else None.

        ``local``: the address is a source's own, as stored, so a path the operator wrote in the config may be
        read. Every other address (a detail link, a redirect, a preview typed in a form) must be http(s)."""
        if is_local(url):
            if not local:
                raise OutboundRefused(Refusal.SCHEME, url.split(":", 1)[0] + ":" if ":" in url else url)
            path = local_path(url).resolve()
            if path not in self.local_files:
                raise OutboundRefused(Refusal.LOCAL_FILE, str(path))
            return path
        parts = urlsplit(url)
        if parts.scheme.lower() not in {"http", "https"}:
            raise OutboundRefused(Refusal.SCHEME, f"{parts.scheme}:")
        if not parts.hostname:
            raise OutboundRefused(Refusal.UNRESOLVED, url)
        ip = numeric_host(parts.hostname)
        if ip is not None:
            self.check_address(ip)
        return None


async def system_resolver(host: str, port: int) -> Sequence[IPAddress]:
    """The machine's resolver (getaddrinfo, in the event loop's thread pool)."""
    ip = numeric_host(host)
    if ip is not None:
        return [ip]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundRefused(Refusal.UNRESOLVED, host) from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, with the policy between the name and the socket: resolve once, check every
    address, connect to the checked one (TLS still verifies the certificate against the name)."""

    def __init__(self, policy: OutboundPolicy, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolver(host, port)
        if not addresses:
            raise OutboundRefused(Refusal.UNRESOLVED, host)
        for ip in addresses:
            self.policy.check_address(ip)
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # the next address of the same name, as a browser would
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused(Refusal.SCHEME, "unix:")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a :class:`GuardedBackend`. httpx 0.28 does not take a network backend, so the
    connection pool it builds is replaced by one built the same way with ours (no proxy from the environment:
    a proxy would make the connected address one the policy never saw)."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits()
        super().__init__(verify=verify, limits=limits, trust_env=False)
        ssl_context = self._pool._ssl_context
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, resolver),
        )


def redirect_hook(policy: OutboundPolicy) -> Callable[[httpx.Response], Awaitable[None]]:
    """An httpx response hook that checks where a redirect leads before httpx follows it (the address itself is
    checked again when the next hop connects)."""

    async def check(response: httpx.Response) -> None:
        if response.is_redirect:
            location = response.headers.get("location", "")
            policy.check_url(str(response.url.join(location)))

    return check
