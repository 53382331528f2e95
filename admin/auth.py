"""Login, logout, changing one's password, the current user, and the role guard for admin pages.

login: read form (CSRF) | throttle (per account and address: 429 without checking) | argon2 in a thread | session
Sessions are judged on every /admin request by :mod:`admin.sessions` (version, idle time).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from admin import sessions
from admin.accounts import has_role
from admin.proxy import client_address
from admin.throttle import LoginThrottle
from admin.web import blocking, ctx_of, flash, read_form, redirect, render, route_path
from core.errors import InvalidInput
from core.model import Role, User

Endpoint = Callable[[Request], Awaitable[Response]]


class UserMiddleware:
    """Puts the logged-in, still active user (or None) in ``scope["relais.user"]`` for every /admin request, and
    ends the session when :func:`admin.sessions.judge` says so (logged out elsewhere, password changed, idle)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and route_path(scope).startswith("/admin"):
            scope["relais.user"] = None
            session = scope.get("session", {})
            user_id = session.get("user_id")
            if user_id is not None:
                ctx = scope["app"].state.ctx
                user = await blocking(ctx.accounts.current, int(user_id))
                now = ctx.clock.now()
                idle = timedelta(minutes=ctx.settings.web.session_idle_minutes)
                verdict = sessions.judge(session, user, now=now, idle=idle)
                if verdict is sessions.Verdict.ENDED:
                    session.clear()
                    session["flash"] = [["info", "Votre session a pris fin : reconnectez-vous."]]
                else:
                    scope["relais.user"] = user
                    if verdict is sessions.Verdict.REFRESH:
                        session["seen"] = int(now.timestamp())
        await self.app(scope, receive, send)


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
                    return redirect(request, f"/admin/login?next={quote(route_path(request.scope))}")
                raise HTTPException(401, "Session expirée : reconnectez-vous.")
            if not has_role(user, role):
                raise HTTPException(403, "Votre rôle ne permet pas cette action.")
            return await endpoint(request)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorate


def _throttle(request: Request) -> LoginThrottle:
    return ctx_of(request).login_throttle


def _address(request: Request) -> str:
    """The client's address, believing X-Forwarded-For only from our proxy (a forged one cannot dodge the throttle)."""
    return client_address(request.scope, ctx_of(request).settings.web) or "?"


def _too_many(seconds: int) -> str:
    return f"Trop de tentatives, réessayez dans {seconds} seconde{'s' if seconds > 1 else ''}."


def _safe_next(target: Any) -> str:
    target = str(target or "")
    return target if target.startswith("/admin") and not target.startswith("//") else "/admin/"


async def login_page(request: Request) -> Response:
    if current_user(request) is not None:
        return redirect(request, "/admin/")
    return render(request, "admin/login.html", {"next": _safe_next(request.query_params.get("next"))})


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    next_url = _safe_next(form.get("next"))
    throttle, address = _throttle(request), _address(request)
    wait = throttle.wait(email, address)
    if wait > 0:  # answered without checking the password: a throttled guess teaches nothing
        return render(
            request,
            "admin/login.html",
            {"error": _too_many(wait), "email": email, "next": next_url},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    ctx = ctx_of(request)
    # argon2 is a tenth of a second of CPU by design: in a thread, never on the event loop
    user = await asyncio.to_thread(ctx.accounts.authenticate, email, password, now=ctx.clock.now())
    if user is None:
        throttle.failed(email, address)
        return render(
            request,
            "admin/login.html",
            {"error": "Adresse ou mot de passe incorrect.", "email": email, "next": next_url},
            status_code=400,
        )
    throttle.succeeded(email, address)
    request.session.clear()  # a new session at login: no fixation
    request.session.update(sessions.opened(user, ctx.clock.now()))
    flash(request, f"Bienvenue, {user.email}.", "success")
    return redirect(request, next_url)


async def logout(request: Request) -> Response:
    """Ends every session of the account, not only this browser's: a copied cookie dies with it."""
    await read_form(request)
    user = current_user(request)
    if user is not None and user.id is not None:
        ctx = ctx_of(request)
        await blocking(ctx.accounts.end_sessions, user.id)
    request.session.clear()
    if user is not None:
        flash(request, "Vous êtes déconnecté·e : toutes les sessions de ce compte ont pris fin.", "success")
    return redirect(request, "/admin/login")


@requires(Role.EDITOR)
async def password_page(request: Request) -> Response:
    return render(request, "admin/password.html")


@requires(Role.EDITOR)
async def password_submit(request: Request) -> Response:
    """Change one's own password: the current one is checked (throttled like a login), every other session of the
    account ends, this one goes on."""
    form = await read_form(request)
    me = current_user(request)
    assert me is not None
    current, new, again = (str(form.get(k, "")) for k in ("current", "password", "confirm"))
    throttle, address, ctx = _throttle(request), _address(request), ctx_of(request)

    def refuse(error: str, status: int = 400) -> Response:
        return render(request, "admin/password.html", {"error": error}, status_code=status)

    wait = throttle.wait(me.email, address)
    if wait > 0:
        return refuse(_too_many(wait), 429)
    if await asyncio.to_thread(ctx.accounts.authenticate, me.email, current, now=ctx.clock.now()) is None:
        throttle.failed(me.email, address)
        return refuse("Le mot de passe actuel ne correspond pas.")
    if new != again:
        return refuse("Les deux saisies du nouveau mot de passe diffèrent.")
    try:
        user = await asyncio.to_thread(ctx.accounts.set_password, me.email, new)
    except InvalidInput as exc:
        return refuse(f"Mot de passe refusé : {exc}.")
    request.session.clear()
    request.session.update(sessions.opened(user, ctx.clock.now()))
    flash(request, "Mot de passe changé : vos autres sessions ont pris fin.", "success")
    return redirect(request, "/admin/")


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/login", login_page, methods=["GET"]),
        Route("/admin/login", login_submit, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        Route("/admin/password", password_page, methods=["GET"]),
        Route("/admin/password", password_submit, methods=["POST"]),
    ]
