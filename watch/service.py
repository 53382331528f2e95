"""The watch as a service for its three triggers (CLI, scheduler, admin): collect now, preview a source.

Built by ``relais.wiring.watch_service``; packages never read the config themselves.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from core.clock import Clock
from core.errors import NotFound
from core.model import Item, Source
from core.settings import TaxonomySettings, WatchSettings
from storage.database import Database
from storage.sources import SourceRepository
from watch.collect import Pipeline, SourceResult, collect_async, preview_async
from watch.fetch import HttpFetcher
from watch.outbound import OutboundPolicy, Resolver, system_resolver
from watch.pool import WorkerPool
from watch.store import Follower
from watch.tags import Rule, _Compiled, compile_rules

if TYPE_CHECKING:
    from watch.discovery import Discovery

FAMILY_LABELS = {"themes": "thème", "zones": "zone", "territories": "territoire", "audiences": "public"}


def taxonomy_rules(taxonomy: TaxonomySettings) -> list[_Compiled]:
    """Keyword rules for every term of the taxonomy, in its order."""
    rules = []
    for family, label in FAMILY_LABELS.items():
        for term in getattr(taxonomy, family):
            rules.append(Rule(term.slug, label, list(term.keywords) or [term.label]))
    return compile_rules(rules)


def process_pool(workers: int = 2, *, warm: bool = False) -> WorkerPool:
    """Parse workers in separate processes (parsing is CPU-bound; see :mod:`watch.pool`). ``warm`` waits until
    they have imported the parsers (about a second): long-lived processes such as the scheduler pay this once,
    not on their first collection."""
    return WorkerPool(workers, warm=warm)


@dataclass
class Watch:
    db: Database
    settings: WatchSettings
    clock: Clock
    rules: Sequence[_Compiled] = ()
    transport: httpx.AsyncBaseTransport | None = None  # tests: httpx.MockTransport
    parse_pool: Executor | None = None
    # None: the settings' trusted networks and no local file (the composition root adds the config's files)
    policy: OutboundPolicy | None = None
    resolver: Resolver = system_resolver
    followers: Sequence[Follower] = ()  # several networks: each stores what it follows (watch.store)
    _tls: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    def fetcher(self) -> HttpFetcher:
        """A fetcher for one collection or preview, under the outbound policy."""
        return HttpFetcher(
            self.settings,
            policy=self.policy,
            resolver=self.resolver,
            transport=self.transport,
            now=self.clock.now,
            verify=self.tls(),
        )

    def tls(self) -> ssl.SSLContext:
        """One TLS context for every collection: loading the CA bundle costs ~0.1 s of CPU each time."""
        if self._tls is None:
            self._tls = httpx.create_ssl_context()
        return self._tls

    def sources(self, names: Sequence[str] | None = None, *, enabled_only: bool = True) -> list[Source]:
        """Stored sources, all enabled ones or those named (an unknown name is an error)."""
        with self.db.session() as s:
            repo = SourceRepository(s)
            if not names:
                return repo.find(enabled_only=enabled_only)
            return [repo.by_name(n) for n in names]

    def collect(
        self,
        names: Sequence[str] | None = None,
        *,
        force: bool = False,
        progress: Callable[[SourceResult], None] | None = None,
    ) -> list[SourceResult]:
        """Collect now: every enabled source, or those named. Returns one result per source."""
        return asyncio.run(self.collect_async(names, force=force, progress=progress))

    async def collect_async(
        self,
        names: Sequence[str] | None = None,
        *,
        force: bool = False,
        progress: Callable[[SourceResult], None] | None = None,
    ) -> list[SourceResult]:
        chosen = self.sources(names)
        async with self.fetcher() as fetcher:
            return await collect_async(self._pipeline(fetcher), chosen, force=force, progress=progress)

    def preview(self, source: Source) -> list[Item]:
        """Fetch and parse a source that may not be saved yet; nothing is stored. Raises FetchError."""
        return asyncio.run(self.preview_async(source))

    async def preview_async(self, source: Source) -> list[Item]:
        async with self.fetcher() as fetcher:
            return await preview_async(self._pipeline(fetcher), source)

    def discover(self, url: str) -> Discovery:
        """Propose ways to follow the page at ``url`` (feeds, calendars, structured data, item blocks), each with a
        preview; nothing is stored."""
        return asyncio.run(self.discover_async(url))

    async def discover_async(self, url: str) -> Discovery:
        from watch.discovery import discover  # its readers (structured data, page lists) only when asked

        async with self.fetcher() as fetcher:
            return await discover(fetcher, url, reference=self.clock.now(), rules=self.rules)

    def close(self) -> None:
        """Stop the parse workers, if any."""
        if self.parse_pool is not None:
            self.parse_pool.shutdown(wait=True)

    def _pipeline(self, fetcher: HttpFetcher) -> Pipeline:
        return Pipeline(
            self.db, fetcher, self.clock, self.settings, self.rules, self.parse_pool, followers=self.followers
        )


__all__ = ["NotFound", "SourceResult", "Watch", "process_pool", "taxonomy_rules"]
