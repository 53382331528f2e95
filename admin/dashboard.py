"""The admin's home: what waits for the editors today."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import requires
from admin.web import ctx_of, redirect, render
from core.model import Role


@requires(Role.EDITOR)
async def home(request: Request) -> Response:
    ctx = ctx_of(request)
    counts = ctx.curation.counts()
    sources = ctx.curation.sources()
    failing = [src for src in sources if src.health.consecutive_failures > 0]
    # The « Dernier rappel » emailings drafted by the daily job and not yet approved: staff review and send them.
    last_calls = ctx.issues.waiting_last_calls()
    return render(
        request,
        "admin/dashboard.html",
        {"counts": counts, "sources": sources, "failing": failing, "last_calls": last_calls},
    )


async def admin_root(request: Request) -> Response:
    return redirect(request, "/admin/", 307)


def routes() -> list[BaseRoute]:
    return [Route("/admin/", home), Route("/admin", admin_root)]
