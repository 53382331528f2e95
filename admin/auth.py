"""Login, logout, the current user, and the role guard for admin pages."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from admin.accounts import authenticate, has_role
from admin.web import blocking, ctx_of, flash, read_form, render
from core.model import Role, User
from core.ratelimit import RateLimiter
from storage.database import Database
from storage.users import UserRepository

Endpoint = Callable[[Request], Awaitable[Response]]


class UserMiddleware:
    """Puts the logged-in, still active user (or None) in ``scope["relais.user"]`` for every /admin request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/admin"):
            scope["relais.user"] = None
            user_id = scope.get("session", {}).get("user_id")
            if user_id is not None:
                db = scope["app"].state.ctx.db
                user = await blocking(db, _find_user, db, int(user_id))
                if user is not None and user.active:
                    scope["relais.user"] = user
        await self.app(scope, receive, send)


def _find_user(db: Database, user_id: int) -> User | None:
    with db.session() as s:
        return UserRepository(s).find_by_id(user_id)


def current_user(request: Request) -> User | None:
    user: User | None = request.scope.get("relais.user")
    return user


def requires(role: Role) -> Callable[[Endpoint], Endpoint]:
    """Guard a page: not logged in → the login page (then back); logged in without the role → 403."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = current_user(request)
            if user is None:
                if request.method == "GET":
                    return RedirectResponse(f"/admin/login?next={quote(request.url.path)}", status_code=303)
                raise HTTPException(401, "Session expirée : reconnectez-vous.")
            if not has_role(user, role):
                raise HTTPException(403, "Votre rôle ne permet pas cette action.")
            return await endpoint(request)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorate


def _limiter(request: Request) -> RateLimiter:
    ctx = ctx_of(request)
    limiter: RateLimiter | None = ctx.extra.get("login_limiter")
    if limiter is None:
        limiter = ctx.extra["login_limiter"] = RateLimiter(ctx.clock, limit=20, window=timedelta(minutes=15))
    return limiter


def _safe_next(target: Any) -> str:
    target = str(target or "")
    return target if target.startswith("/admin") and not target.startswith("//") else "/admin/"


async def login_page(request: Request) -> Response:
    if current_user(request) is not None:
        return RedirectResponse("/admin/", status_code=303)
    return render(request, "admin/login.html", {"next": _safe_next(request.query_params.get("next"))})


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    next_url = _safe_next(form.get("next"))
    ip = request.client.host if request.client else "?"
    if not _limiter(request).hit(ip):
        return render(
            request,
            "admin/login.html",
            {"error": "Trop de tentatives depuis cette adresse : réessayez dans quelques minutes.", "email": email},
            status_code=429,
        )
    ctx = ctx_of(request)
    user = authenticate(ctx.db, email, password, now=ctx.clock.now())
    if user is None:
        return render(
            request,
            "admin/login.html",
            {
                "error": "Adresse ou mot de passe incorrect (ou compte bloqué un moment).",
                "email": email,
                "next": next_url,
            },
            status_code=400,
        )
    request.session.clear()  # a new session at login: no fixation
    request.session["user_id"] = user.id
    flash(request, f"Bienvenue, {user.email}.", "success")
    return RedirectResponse(next_url, status_code=303)


async def logout(request: Request) -> Response:
    await read_form(request)
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/login", login_page, methods=["GET"]),
        Route("/admin/login", login_submit, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
    ]
