"""The sender's DNS records, asked with dnspython: the only I/O of the DNS checks (``delivery/dns_checks.py``).

Every answer is kept as a :class:`Txt` (its strings, or why there are none), so the checks that read them stay
pure and the same name is asked once per run. A server that does not answer is an answer too (``timeout``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from core.settings import MailSettings, parse_dns_server


class Missing(StrEnum):
    NXDOMAIN = "nxdomain"  # the name does not exist
    NO_TXT = "no-txt"  # the name exists, without TXT records
    TIMEOUT = "timeout"  # no server answered in time
    SERVFAIL = "servfail"  # the servers answered with an error


@dataclass(frozen=True, slots=True)
class Txt:
    name: str
    strings: tuple[str, ...] = ()  # each TXT record, its character-strings joined
    missing: Missing | None = None


class DnsLookup:
    """TXT records through dnspython: the servers of ``[mail] dns_servers``, else the system's resolver."""

    def __init__(self, mail: MailSettings) -> None:
        if mail.dns_servers:
            self.resolver = dns.resolver.Resolver(configure=False)
            self.resolver.nameservers = [
                dns.nameserver.Do53Nameserver(*parse_dns_server(server)) for server in mail.dns_servers
            ]
        else:
            self.resolver = dns.resolver.Resolver()
        self.resolver.timeout = self.resolver.lifetime = mail.dns_timeout
        self.servers = ", ".join(mail.dns_servers) or "le résolveur du système"
        self._seen: dict[str, Txt] = {}

    def __call__(self, name: str) -> Txt:
        key = name.lower().rstrip(".")
        if key not in self._seen:
            self._seen[key] = self._ask(key)
        return self._seen[key]

    def _ask(self, name: str) -> Txt:
        try:
            answer = self.resolver.resolve(dns.name.from_text(name), dns.rdatatype.TXT, search=False)
        except dns.resolver.NXDOMAIN:
            return Txt(name, missing=Missing.NXDOMAIN)
        except dns.resolver.NoAnswer:
            return Txt(name, missing=Missing.NO_TXT)
        except dns.exception.Timeout:
            return Txt(name, missing=Missing.TIMEOUT)
        except (dns.resolver.NoNameservers, dns.exception.DNSException):
            return Txt(name, missing=Missing.SERVFAIL)
        strings = tuple(
            b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer if rdata.rdtype == dns.rdatatype.TXT
        )
        return Txt(name, strings)
