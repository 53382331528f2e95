"""Users ``/admin/users`` (admins only): list, add with a generated password shown once, change role, disable,
reset a password (a new one shown once; every session of that account ends)."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.accounts import generate_password
from admin.auth import current_user, requires
from admin.triage import N_
from admin.web import ctx_of, flash, nav, read_form, redirect, render
from core.errors import InvalidInput, NotFound
from core.model import Role, User

nav("/admin/users", N_("Comptes"), Role.ADMIN)

ROLE_LABELS = {Role.EDITOR: N_("Rédaction"), Role.STAFF: N_("Équipe"), Role.ADMIN: N_("Administration")}


def _page(request: Request, **extra: object) -> Response:
    status = int(str(extra.pop("status_code", 200)))
    users = ctx_of(request).accounts.find()
    return render(request, "admin/users.html", {"users": users, "roles": ROLE_LABELS, **extra}, status_code=status)


def _role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise InvalidInput(f"rôle inconnu « {str(value)[:20]} » (rédaction, équipe ou administration)") from None


@requires(Role.ADMIN)
async def user_list(request: Request) -> Response:
    return _page(request)


@requires(Role.ADMIN)
async def create(request: Request) -> Response:
    form = await read_form(request)
    email = str(form.get("email") or "")
    ctx = ctx_of(request)
    password = generate_password()
    try:  # argon2 in a thread, off the event loop
        user = await asyncio.to_thread(ctx.accounts.add, email, _role(form.get("role")), password, now=ctx.clock.now())
    except InvalidInput as exc:
        return _page(request, error=str(exc), email=email, status_code=400)
    # Shown once, in this answer only: it is never stored in clear nor put in the session.
    return _page(request, created=user, password=password, status_code=201)


def _target(request: Request) -> User:
    me = current_user(request)
    user = ctx_of(request).accounts.by_id(int(request.path_params["user_id"]))
    if user is None:
        raise HTTPException(404, "Compte introuvable.")
    if me is not None and user.id == me.id:
        raise HTTPException(409, "Vous ne pouvez pas changer votre propre rôle ni désactiver votre compte.")
    return user


@requires(Role.ADMIN)
async def change_role(request: Request) -> Response:
    form = await read_form(request)
    user = _target(request)
    try:
        user.role = _role(form.get("role"))
    except InvalidInput as exc:
        raise HTTPException(400, f"{exc}.") from None
    ctx_of(request).accounts.save(user)
    flash(request, f"{user.email} : rôle changé.", "success")
    return redirect(request, "/admin/users")


@requires(Role.ADMIN)
async def toggle(request: Request) -> Response:
    await read_form(request)
    user = _target(request)
    user.active = not user.active
    try:
        ctx_of(request).accounts.save(user)
    except NotFound:
        raise HTTPException(404, "Compte introuvable.") from None
    if not user.active and user.id is not None:  # disabled: its sessions end now, and stay ended if re-enabled
        ctx_of(request).accounts.end_sessions(user.id)
    flash(request, f"{user.email} : compte {'réactivé' if user.active else 'désactivé'}.", "success")
    return redirect(request, "/admin/users")


@requires(Role.ADMIN)
async def reset_password(request: Request) -> Response:
    await read_form(request)
    user = _target(request)
    password = generate_password()
    await asyncio.to_thread(ctx_of(request).accounts.set_password, user.email, password)
    return _page(request, reset=user, password=password)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/users", user_list, methods=["GET"]),
        Route("/admin/users", create, methods=["POST"]),
        Route("/admin/users/{user_id:int}/role", change_role, methods=["POST"]),
        Route("/admin/users/{user_id:int}/toggle", toggle, methods=["POST"]),
        Route("/admin/users/{user_id:int}/password", reset_password, methods=["POST"]),
    ]
