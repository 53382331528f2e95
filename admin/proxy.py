"""Who is asking, and over what: the client's address and scheme, trusting forwarded headers only from our proxies.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are plain request headers that anyone can send. They are believed
only when ``[web] behind_proxy`` is on and the peer that connected is one of ``[web] proxy_addresses``; then
``X-Forwarded-For`` is walked from the right (the hop our proxy appended) past every trusted proxy, and the first
untrusted hop is the client. Every per-address limit and the consent log use :func:`client_address`.

uvicorn applies the same rule before us (``forwarded_allow_ips`` is set from ``proxy_addresses``); walking again
here is harmless (the peer is then the client, not a proxy) and keeps the app right under any ASGI server.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from starlette.datastructures import Headers
from starlette.types import Scope

from core.settings import WebSettings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> Address | None:
    """An IP address from a header hop or a peer: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::ffff:1.2.3.4``
    (mapped forms become IPv4); None when it is not an address (``unknown``, a host name, junk)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    networks: tuple[Network, ...]

    def __contains__(self, address: object) -> bool:
        ip = parse_address(address) if isinstance(address, str) else None
        return ip is not None and any(ip.version == n.version and ip in n for n in self.networks)


@lru_cache(maxsize=16)
def trusted_proxies(addresses: tuple[str, ...]) -> TrustedProxies:
    """``[web] proxy_addresses`` (addresses or CIDRs, already validated by the settings)."""
    return TrustedProxies(tuple(ipaddress.ip_network(a.strip(), strict=False) for a in addresses))


def forwarded_client(peer: str | None, forwarded_for: Iterable[str], proxies: TrustedProxies) -> str | None:
    """The client's address given the connecting ``peer`` and the ``X-Forwarded-For`` header values.

    From anyone but a trusted proxy, the headers are ignored: the peer is the client. From a proxy, the hops are
    walked from the right; the first one that is not a trusted proxy is the client. A hop that is not an address
    ends the walk at the last trusted hop (nothing to its left can be believed)."""
    if peer is None or peer not in proxies:
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        ip = parse_address(hop)
        if ip is None:
            return client
        client = str(ip)
        if client not in proxies:
            return client
    return client  # every hop is one of our proxies: the farthest one is the client


def forwarded_https(scheme: str, peer: str | None, forwarded_proto: Sequence[str], proxies: TrustedProxies) -> bool:
    """Whether the request reached us over https: directly, or as said by a trusted proxy's ``X-Forwarded-Proto``."""
    if scheme in ("https", "wss"):
        return True
    if peer is None or peer not in proxies or not forwarded_proto:
        return False
    return forwarded_proto[-1].split(",")[-1].strip().lower() == "https"


def _peer(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _proxies(web: WebSettings) -> TrustedProxies | None:
    return trusted_proxies(tuple(web.proxy_addresses)) if web.behind_proxy else None


def client_address(scope: Scope, web: WebSettings) -> str | None:
    """The one answer to "who is this": what per-address limits and the consent log record."""
    proxies = _proxies(web)
    if proxies is None:
        return _peer(scope)
    return forwarded_client(_peer(scope), Headers(scope=scope).getlist("x-forwarded-for"), proxies)


def is_https(scope: Scope, web: WebSettings) -> bool:
    proxies = _proxies(web) or TrustedProxies(())
    return forwarded_https(
        str(scope.get("scheme", "http")), _peer(scope), Headers(scope=scope).getlist("x-forwarded-proto"), proxies
    )
