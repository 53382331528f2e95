"""Build the Starlette application from its dependencies (no global state, no config reading).

Every page module exposes ``routes() -> list[BaseRoute]``; :data:`ROUTE_MODULES` lists them in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http import HTTPStatus

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from admin import (
    archive,
    auth,
    dashboard,
    home,
    issue_report,
    issues,
    item_editor,
    items,
    metrics,
    password_reset,
    propose,
    public,
    sources,
    subscriber_tools,
    users,
)
from admin import clicks as click_redirect
from admin import figures as figures_page
from admin import networks as networks_page
from admin import subscribers as subscribers_page
from admin.auth import UserMiddleware
from admin.bodies import BodyLimitMiddleware
from admin.labels import N_
from admin.security import SecurityHeadersMiddleware
from admin.web import STATIC, WebContext, ctx_of, render, route_path, translations
from core.errors import StorageError
from core.settings import Settings, network_address

__all__ = ["ROUTE_MODULES", "WebContext", "create_app"]

# Page modules, each with routes(); a capability adds its module here.
ROUTE_MODULES: list[Callable[[], list[BaseRoute]]] = [
    auth.routes,
    password_reset.routes,
    dashboard.routes,
    metrics.routes,
    archive.routes,
    public.routes,
    propose.routes,
    home.routes,
    items.routes,
    item_editor.routes,
    sources.routes,
    users.routes,
    issues.routes,
    issue_report.routes,
    subscriber_tools.routes,  # before the subscribers' pages: /admin/subscribers/import is not a subscriber
    subscribers_page.routes,
    figures_page.routes,
    networks_page.routes,
    click_redirect.routes,
]

SESSION_MAX_AGE = 12 * 3600


async def healthz(request: Request) -> JSONResponse:
    ctx = ctx_of(request)
    try:
        revision = ctx.health()
    except StorageError as exc:
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "schema": revision})


# Starlette's own details (its English reason phrases, for a route or method it does not know) in French.
HTTP_PHRASES = {
    404: N_("Page introuvable."),
    405: N_("Cette adresse n'accepte pas cette action."),
    400: N_("Requête invalide."),
    401: N_("Connexion nécessaire."),
    403: N_("Accès refusé."),
    413: N_("Envoi trop volumineux."),
}


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in HTTP_PHRASES and exc.detail == HTTPStatus(exc.status_code).phrase:
        phrase = translations(ctx_of(request).settings.network.locale).gettext(HTTP_PHRASES[exc.status_code])
        exc = HTTPException(exc.status_code, phrase, exc.headers)
    path = route_path(request.scope)
    if path.startswith(("/healthz", "/api/")) or "json" in request.headers.get("accept", ""):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    template = "admin/error.html" if path.startswith("/admin") else "public/error.html"
    return render(request, template, {"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)


def _cookie_path(settings: Settings) -> str:
    """Networks that share a host, each under its path, keep their sessions apart: each cookie goes back to its
    network's path only."""
    prefix = network_address(settings.network.base_url)[1]
    return prefix if prefix and len(settings.all_networks) > 1 else "/"


def create_app(
    ctx: WebContext,
    *,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    @asynccontextmanager
    async def _noop(_app: Starlette) -> AsyncIterator[None]:
        yield

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    for module_routes in ROUTE_MODULES:
        routes.extend(module_routes())
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(BodyLimitMiddleware),
        Middleware(
            SessionMiddleware,
            secret_key=ctx.secret_key,
            session_cookie="relais_session",
            max_age=SESSION_MAX_AGE,
            same_site="lax",
            https_only=ctx.https_only_cookies,
            path=_cookie_path(ctx.settings),
        ),
        Middleware(UserMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan or _noop,
        exception_handlers={HTTPException: http_error},
    )
    app.state.ctx = ctx
    return app
