"""Build the Starlette application from its dependencies (no global state, no config reading)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from core.clock import Clock
from core.errors import StorageError
from core.settings import Settings
from storage.database import Database
from storage.migrate import current_revision


@dataclass
class WebContext:
    """What the routes need; built by the composition root and kept on ``app.state.ctx``."""

    settings: Settings
    db: Database
    clock: Clock


async def healthz(request: Request) -> JSONResponse:
    ctx: WebContext = request.app.state.ctx
    try:
        ctx.db.ping()
        revision = current_revision(ctx.db)
    except StorageError as exc:
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "schema": revision})


def routes() -> list[BaseRoute]:
    return [Route("/healthz", healthz)]


def create_app(
    ctx: WebContext,
    *,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    @asynccontextmanager
    async def _noop(_app: Starlette) -> AsyncIterator[None]:
        yield

    app = Starlette(routes=routes(), lifespan=lifespan or _noop)
    app.state.ctx = ctx
    return app
