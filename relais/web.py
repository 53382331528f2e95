"""The web trigger: the Starlette app from :mod:`admin`, its seams filled from the services, with the scheduler in
its lifespan when asked."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from admin.app import WebContext, create_app
from core.model import Item, Source
from relais.web_sending import background_sending
from relais.wiring import Services, build_subscribers, watch_service

if TYPE_CHECKING:
    from watch.discovery import Discovery
    from watch.service import SourceResult, Watch


class WebWatch:
    """The watch for "collecter maintenant" and source previews, built on first use (its parse workers are
    processes: a web worker that never collects never starts them) and closed with the app."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._watch: Watch | None = None
        self._lock = threading.Lock()

    def _get(self) -> Watch:
        with self._lock:
            if self._watch is None:
                self._watch = watch_service(self.services)
            return self._watch

    async def collect_now(self, names: Sequence[str] | None) -> list[SourceResult]:
        return await self._get().collect_async(names, force=True)

    async def preview(self, source: Source) -> list[Item]:
        return await self._get().preview_async(source)

    async def discover(self, url: str) -> Discovery:
        return await self._get().discover_async(url)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()


def web_context(services: Services, watch: WebWatch | None = None) -> WebContext:
    settings = services.settings
    from relais.presend_dns import PresendDns
    from relais.proposals import build_proposals, upload_limits

    watch = watch or WebWatch(services)
    kit = build_subscribers(services)
    return WebContext(
        settings=settings,
        db=services.db,
        clock=services.clock,
        secret_key=services.secret_key,
        https_only_cookies=settings.network.base_url.startswith("https://"),
        collect_now=watch.collect_now,
        preview_source=watch.preview,
        discover_source=watch.discover,
        extra={
            "subscribers": kit,
            "sending": background_sending(services),
            "proposals": build_proposals(services, kit.service.mailer),
            "upload_limits": upload_limits(services),
            "sender_dns": PresendDns(settings, services.clock),  # shown before a send (admin/presend.py)
        },
    )


def build_app(services: Services, *, with_scheduler: bool = False) -> Starlette:
    watch = WebWatch(services)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        scheduler = None
        if with_scheduler:
            from relais.scheduler import start

            scheduler = start(services)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            watch.close()
            ctx.extra["sending"].close()  # a send under way finishes its batch and is resumed by the next start

    ctx = web_context(services, watch)
    return create_app(ctx, lifespan=lifespan)
