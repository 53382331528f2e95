"""The web trigger: the Starlette app from :mod:`admin`, with the scheduler in its lifespan when asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from admin.app import WebContext, create_app
from relais.web_sending import background_sending
from relais.wiring import Services, build_subscribers


def web_context(services: Services) -> WebContext:
    settings = services.settings
    return WebContext(
        settings=settings,
        db=services.db,
        clock=services.clock,
        secret_key=services.secret_key,
        https_only_cookies=settings.network.base_url.startswith("https://"),
        extra={"subscribers": build_subscribers(services), "sending": background_sending(services)},
    )


def build_app(services: Services, *, with_scheduler: bool = False) -> Starlette:
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
            ctx.extra["sending"].close()  # a send under way finishes its batch and is resumed by the next start

    ctx = web_context(services)
    return create_app(ctx, lifespan=lifespan)
