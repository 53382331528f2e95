"""The seams the web layer declares and the composition root (:mod:`relais.web`) fills: what a page needs from a
capability it cannot build itself (delivery's background sends, the sender's DNS checks, the watch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from core.model import IssueKind
from delivery.proof import ProofCopy, SegmentAudience


class Sending(Protocol):
    """What the send pages need from delivery, wired by the composition root (``relais.web_sending``)."""

    def send_test(
        self, issue_id: int, kind: IssueKind, addresses: list[str], segment: str | None = None
    ) -> Sequence[ProofCopy]: ...

    def segments(self, issue_id: int) -> Sequence[SegmentAudience]: ...

    def start(self, issue_id: int) -> bool: ...

    def running(self, issue_id: int) -> bool: ...


class Finding(Protocol):
    @property
    def level(self) -> str: ...

    @property
    def code(self) -> str: ...

    @property
    def message(self) -> str: ...


class DnsVerdict(Protocol):
    @property
    def findings(self) -> list[Any]: ...

    @property
    def checked_at(self) -> datetime | None: ...


class NetworkAdmin(Protocol):
    """The deployment's networks, for super-admins (``relais.networks.NetworkRegistry``): list them, create one."""

    def networks(self) -> Sequence[Any]: ...

    def create(self, form: Mapping[str, str], by: str) -> Any: ...


SenderDns = Callable[[], DnsVerdict]
"""The sender's DNS checks, time-boxed (:class:`relais.presend_dns.PresendDns`), shown before a send."""

Health = Callable[[], str | None]
"""``/healthz``: reach the database and answer its schema revision (a ``StorageError`` when it is down)."""
