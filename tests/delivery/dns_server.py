"""A real authoritative DNS server for the DNS checks' tests: dnslib's server on 127.0.0.1 (UDP, a free port),
answering from a table of TXT records; and a socket that never answers, for timeouts."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Mapping, Sequence

from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import DNSHandler, DNSLogger, DNSServer

Zone = Mapping[str, Sequence[str]]  # name -> its TXT records (each one string; long ones are split in 255s)


class _TableResolver:
    def __init__(self, zone: Zone) -> None:
        self.zone = {name.lower().rstrip("."): list(records) for name, records in zone.items()}
        self.names = set(self.zone)
        for name in list(self.zone):  # parents exist too (NOERROR without TXT), like a real zone
            labels = name.split(".")
            self.names.update(".".join(labels[i:]) for i in range(1, len(labels)))
        self.asked: list[str] = []

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        reply.header.aa = 1
        name = str(request.q.qname).lower().rstrip(".")
        self.asked.append(name)
        if name not in self.names:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for record in self.zone.get(name, []):
                chunks = [record[i : i + 255] for i in range(0, len(record), 255)] or [""]
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
        return reply


@contextlib.contextmanager
def dns_server(zone: Zone) -> Iterator[tuple[str, _TableResolver]]:
    """Serve ``zone``; yields "127.0.0.1:PORT" (as ``[mail] dns_servers`` writes it) and the resolver (what was
    asked)."""
    resolver = _TableResolver(zone)
    server = DNSServer(
        resolver,
        address="127.0.0.1",
        port=0,
        logger=DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", logf=lambda _: None),
    )
    server.start_thread()
    try:
        yield f"127.0.0.1:{server.server.server_address[1]}", resolver
    finally:
        server.stop()
        server.server.server_close()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A UDP port where nothing ever answers: every question times out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{s.getsockname()[1]}"
