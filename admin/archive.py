"""The public archive and feeds: a web page per sent issue (the "view in browser" link), the archive index and
its Atom feed, and the approved items as JSON Feed, Atom and iCalendar for the network's website.

No login: everything here is public, and only sent issues and approved items are shown.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from admin.web import WebContext, ctx_of, render
from core.errors import NotFound
from core.model import Issue, IssueKind, IssueStatus, Item, ItemKind
from digest import feeds

# The email's own HTML carries inline styles; it gets a CSP of its own, stricter elsewhere.
EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'"
FEED_ITEMS = 200  # the newest approved items published in the feeds


def _base(ctx: WebContext) -> str:
    return ctx.settings.network.base_url.rstrip("/")


def _sent(ctx: WebContext) -> list[Issue]:
    """The sent newsletters and emailings (an alert edition is each subscriber's own digest: not an archive entry;
    its web page stays at its address for the emails that link to it)."""
    return [i for i in ctx.issues.find(status=IssueStatus.SENT) if i.kind is not IssueKind.ALERT]


async def archive_index(request: Request) -> Response:
    issues = sorted(
        _sent(ctx_of(request)), key=lambda i: i.sent_at or i.created_at or ctx_of(request).clock.now(), reverse=True
    )
    return render(request, "public/archive.html", {"issues": issues})


async def archive_issue(request: Request) -> Response:
    ctx = ctx_of(request)
    issue_id = request.path_params["issue_id"]
    svc = ctx.digest
    try:
        issue = svc.get(issue_id)
    except NotFound:
        raise HTTPException(404, "Ce numéro n'existe pas.") from None
    if issue.status != IssueStatus.SENT:
        raise HTTPException(404, "Ce numéro n'existe pas.")
    page = svc.render_public(issue_id)
    return HTMLResponse(page.html, headers={"content-security-policy": EMAIL_CSP})


async def archive_feed(request: Request) -> Response:
    ctx = ctx_of(request)
    base = _base(ctx)
    xml = feeds.archive_atom(
        _sent(ctx), ctx.settings.network, feed_url=f"{base}/archives/feed.atom",
        issue_url=lambda n: f"{base}/archives/{n}", now=ctx.clock.now(),
    )  # fmt: skip
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


def _approved(ctx: WebContext) -> list[Item]:
    items = ctx.issues.approved_items()
    return sorted(items, key=lambda i: i.approved_at or i.collected_at or ctx.clock.now(), reverse=True)[:FEED_ITEMS]


async def items_json(request: Request) -> Response:
    ctx = ctx_of(request)
    base = _base(ctx)
    body = feeds.items_json_feed(
        _approved(ctx), ctx.settings.network, feed_url=f"{base}/feeds/items.json", home=base, now=ctx.clock.now()
    )
    return JSONResponse(body, media_type="application/feed+json")


async def items_atom(request: Request) -> Response:
    ctx = ctx_of(request)
    base = _base(ctx)
    xml = feeds.items_atom(
        _approved(ctx), ctx.settings.network, feed_url=f"{base}/feeds/items.atom", home=base, now=ctx.clock.now()
    )
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


async def events_ics(request: Request) -> Response:
    ctx = ctx_of(request)
    events = [i for i in ctx.issues.approved_items() if i.kind == ItemKind.EVENT]
    body = feeds.events_ical(events, ctx.settings.network, home=_base(ctx), now=ctx.clock.now())
    return Response(body, media_type="text/calendar; charset=utf-8")


def routes() -> list[BaseRoute]:
    return [
        Route("/archives", archive_index),
        Route("/archives/feed.atom", archive_feed),
        Route("/archives/{issue_id:int}", archive_issue),
        Route("/feeds/items.json", items_json),
        Route("/feeds/items.atom", items_atom),
        Route("/feeds/events.ics", events_ics),
    ]
