"""The admin's home: what waits for the editors today."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from admin.auth import requires
from admin.web import ctx_of, render
from core.model import Issue, IssueStatus, ItemStatus, Role
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.proposals import LastCallRepository
from storage.sources import SourceRepository


@requires(Role.EDITOR)
async def home(request: Request) -> Response:
    ctx = ctx_of(request)
    with ctx.db.session() as s:
        items = ItemRepository(s)
        counts = {status: items.count(status=status) for status in ItemStatus}
        sources = SourceRepository(s).find()
    failing = [src for src in sources if src.health.consecutive_failures > 0]
    last_calls = waiting_last_calls(ctx.db)
    return render(
        request,
        "admin/dashboard.html",
        {"counts": counts, "sources": sources, "failing": failing, "last_calls": last_calls},
    )


def waiting_last_calls(db: Database) -> list[Issue]:
    """The « Dernier rappel » emailings drafted by the daily job and not yet approved: staff review and send them."""
    with db.session() as s:
        ids = LastCallRepository(s).issue_ids()
        return [i for i in IssueRepository(s).find(status=IssueStatus.DRAFT) if i.id in ids] if ids else []


async def admin_root(request: Request) -> Response:
    return RedirectResponse("/admin/", status_code=307)


def routes() -> list[BaseRoute]:
    return [Route("/admin/", home), Route("/admin", admin_root)]
