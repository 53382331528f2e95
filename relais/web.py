"""The web trigger: the Starlette app from :mod:`admin`, with the scheduler in its lifespan when asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from admin.app import WebContext, create_app
from relais.wiring import Services


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

    ctx = WebContext(settings=services.settings, db=services.db, clock=services.clock)
    return create_app(ctx, lifespan=lifespan)
