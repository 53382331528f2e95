"""Networks ``/admin/reseaux`` (super-admins only): the deployment's networks, and a form to create one.

A created network is stored with its settings and served at once, without a restart (``relais.networks``); the
page says which networks this process does not serve yet (one whose settings it could not read).
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import current_user, requires
from admin.labels import N_
from admin.web import ctx_of, flash, nav, read_form, redirect, render
from core.errors import InvalidInput
from core.messages import describe
from core.model import Role, User
from core.settings import NETWORK_FORM_KEYS, NetworkSettings

nav("/admin/reseaux", N_("Réseaux"), Role.ADMIN, superadmin=True)


def _superadmin(request: Request) -> User:
    user = current_user(request)
    if user is None or not user.superadmin:
        raise HTTPException(403, "Les réseaux sont l'affaire des super-administrateurs.")
    if ctx_of(request).networks is None:
        raise HTTPException(404, "Cette installation ne gère pas ses réseaux depuis l'administration.")
    return user


def _page(request: Request, *, form: dict[str, str] | None = None, error: str = "", status_code: int = 200) -> Response:
    registry = ctx_of(request).networks
    assert registry is not None
    plain = NetworkSettings()
    defaults = {"timezone": plain.timezone, "primary_color": plain.primary_color, "accent_color": plain.accent_color}
    return render(
        request, "admin/networks.html",
        {"networks": registry.networks(), "form": form or defaults, "error": error},
        status_code=status_code,
    )  # fmt: skip


@requires(Role.ADMIN)
async def network_list(request: Request) -> Response:
    _superadmin(request)
    return _page(request)


@requires(Role.ADMIN)
async def create(request: Request) -> Response:
    user = _superadmin(request)
    form = await read_form(request)
    values = {f: str(form.get(f) or "")[:2000] for f in NETWORK_FORM_KEYS}
    registry = ctx_of(request).networks
    assert registry is not None
    try:
        network = await asyncio.to_thread(registry.create, values, user.email)
    except InvalidInput as exc:
        return _page(request, form=values, error=describe(exc), status_code=400)
    flash(request, f"Réseau « {network.name} » créé : il est servi à {network.base_url}.", "success")
    return redirect(request, "/admin/reseaux")


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/reseaux", network_list, methods=["GET"]),
        Route("/admin/reseaux", create, methods=["POST"]),
    ]
